/**
 * The real HTTP app on an EventStoreDB node that refuses it access (wrong credentials or ACLs; here
 * the test double with `accessDenied`). That is a configuration fault, not an outage: a command is
 * answered 500 `event-store-access-denied` (never 503 + Retry-After, which tells clients to retry
 * something retrying cannot fix), logged as "event store refused access", without internals in the
 * body; /ready reports the event store down with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApp } from '../support/backends';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double';
import { call } from '../support/http';
import { actors, mintToken } from '../support/tokens';

const registration = {
  partnerId: 'contoso',
  profile: {
    legalName: 'Contoso Partners s.r.o.',
    address: { line1: 'Hlavná 1', city: 'Bratislava', postalCode: '811 01', country: 'SK' },
    phone: '+421 2 1234 5678',
    email: 'office@contoso.example',
    website: 'https://contoso.example',
  },
  firstUser: { userId: 'jana', email: 'jana@contoso.example', displayName: 'Jana Nováková' },
};

describe('an event store that refuses access (EventStoreDB, access denied)', () => {
  let double: EsdbDouble;
  let app: NestFastifyApplication;
  let dir: string;
  let platform: string;
  let errorLog: jest.SpyInstance;

  beforeAll(async () => {
    double = await startEsdbDouble({ accessDenied: true });
    dir = mkdtempSync(join(tmpdir(), 'pc-esdb-access-'));
    errorLog = jest.spyOn(Logger.prototype, 'error');
    ({ app } = await startApp({
      EVENT_STORE: 'eventstoredb',
      EVENT_STORE_URL: double.connectionString,
      READ_MODEL_STORE: 'sqlite',
      READ_MODEL_PATH: join(dir, 'read-models.sqlite'),
    }));
    platform = await mintToken({ act: actors.platform(), scope: 'platform queries', sub: 'onboarding' });
  });

  afterAll(async () => {
    errorLog?.mockRestore();
    await app?.close();
    await double?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('answers a command 500 event-store-access-denied, not 503 with Retry-After, and logs why', async () => {
    errorLog.mockClear();
    const response = await call(app, 'POST', '/partners', { token: platform, body: registration });

    expect(response.status).toBe(500);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).toMatchObject({
      type: expect.stringMatching(/\/errors\/event-store-access-denied$/),
      title: 'Internal server error',
      status: 500,
      detail: expect.stringMatching(/not allowed to use its event store/),
      instance: '/partners',
      requestId: expect.any(String),
    });
    // Nothing of the backend's answer or the connection string reaches the client.
    expect(response.text).not.toMatch(/EventStoreDB|Access Denied|PERMISSION_DENIED|esdb:|127\.0\.0\.1/);

    const refused = errorLog.mock.calls.filter(([, message]) => message === 'event store refused access');
    expect(refused).toHaveLength(1);
    expect(refused[0][0]).toMatchObject({ requestId: response.body.requestId });
  });

  it('reports the event store down on /ready, with the reason', async () => {
    const response = await call(app, 'GET', '/ready');

    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({
      status: 'error',
      error: { eventStore: { status: 'down', message: expect.stringMatching(/refused access/) } },
    });
  });
});
