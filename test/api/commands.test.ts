import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEventStore } from '@pc/event-store/factory';
import { join } from 'node:path';
import { ManualClock } from '../../apps/api/src/platform';
import { call } from '../support/http';
import { actors, mintToken } from '../support/tokens';
import { removeDir, startTestApp, tempDir } from './support/test-app';

const PROBLEM = 'application/problem+json';

describe('command endpoints', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let token: string;
  const clock = new ManualClock('2031-05-01T10:00:00.000Z');

  beforeAll(async () => {
    dir = tempDir();
    app = await startTestApp(dir, { clock });
    token = await mintToken({ act: actors.partnerUser('p1', 'u1'), scope: 'commands queries' });
  });

  afterAll(async () => {
    await app?.close();
    removeDir(dir);
  });

  it('answers 201 with ids, revision, position, ETag and X-Position when events are written', async () => {
    const res = await call(app, 'POST', '/test/partners/p1/widgets', {
      token,
      body: { widgetId: 'w1', name: 'One' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      ids: { widgetId: 'w1' },
      revision: 0,
      events: ['WidgetCreated'],
      replayed: false,
    });
    expect(res.body.commandId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.etag).toBe('"0"');
    expect(res.headers['x-position']).toBe(res.body.position);
    expect(typeof res.body.position).toBe('string');
  });

  it('stamps events with the injected clock, the actor, the service and the correlation id', async () => {
    clock.advance({ hours: 1 });
    const res = await call(app, 'POST', '/test/partners/p1/widgets', {
      token,
      body: { widgetId: 'w-meta', name: 'Meta' },
      headers: { 'x-correlation-id': 'corr-42' },
    });
    expect(res.status).toBe(201);
    expect(res.headers['x-correlation-id']).toBe('corr-42');
    const store = await createEventStore({ kind: 'sqlite', path: join(dir, 'events.sqlite') });
    try {
      const [event] = await store.readStream('widget-w-meta');
      expect(event?.metadata).toMatchObject({
        occurredAt: '2031-05-01T11:00:00.000Z',
        correlationId: 'corr-42',
        commandId: res.body.commandId,
        actor: { kind: 'partner-user', id: 'u1', partnerId: 'p1' },
        service: { kind: 'service', id: 'test-service' },
      });
    } finally {
      await store.close();
    }
  });

  it('answers 200 when nothing was written', async () => {
    const res = await call(app, 'PUT', '/test/widgets/w1/name', { token, body: { name: 'One' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ events: [], replayed: false, revision: 0, position: null });
    expect(res.headers.etag).toBe('"0"');
    expect(res.headers['x-position']).toBeUndefined();
  });

  it('honours If-Match: a matching revision passes, a stale one is 412 problem+json', async () => {
    const ok = await call(app, 'PUT', '/test/widgets/w1/name', {
      token,
      body: { name: 'Uno' },
      headers: { 'if-match': 'W/"0"' },
    });
    expect(ok.status).toBe(201);
    expect(ok.headers.etag).toBe('"1"');
    const stale = await call(app, 'PUT', '/test/widgets/w1/name', {
      token,
      body: { name: 'Eins' },
      headers: { 'if-match': '"0"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toContain(PROBLEM);
    expect(stale.body).toMatchObject({
      type: 'https://partner-center.dev/errors/precondition-failed',
      status: 412,
      expectedRevision: 0,
      actualRevision: 1,
    });
    const bad = await call(app, 'PUT', '/test/widgets/w1/name', {
      token,
      body: { name: 'Eins' },
      headers: { 'if-match': 'abc' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('https://partner-center.dev/errors/invalid-if-match');
  });

  it('maps domain refusals by kind, with the facts as extension members', async () => {
    const rule = await call(app, 'POST', '/test/widgets/w1/reject', { token });
    expect(rule.status).toBe(422);
    expect(rule.headers['content-type']).toContain(PROBLEM);
    expect(rule.body).toEqual({
      type: 'https://partner-center.dev/errors/widget-limit-reached',
      title: 'Widget limit reached',
      status: 422,
      detail: 'The partner already has 3 widgets.',
      instance: '/test/widgets/w1/reject',
      widgetId: 'w1',
      limit: 3,
      requestId: expect.any(String),
    });
    expect((await call(app, 'POST', '/test/widgets/w1/forbid', { token })).status).toBe(403);
    const missing = await call(app, 'PUT', '/test/widgets/nope/name', { token, body: { name: 'x' } });
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe('https://partner-center.dev/errors/widget-not-found');
    const dup = await call(app, 'POST', '/test/partners/p1/widgets', {
      token,
      body: { widgetId: 'w1', name: 'Again' },
    });
    expect(dup.status).toBe(409);
  });

  it('gives up with 409 after bounded retries when the stream keeps changing', async () => {
    const res = await call(app, 'POST', '/test/flaky/f1', { token });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      type: 'https://partner-center.dev/errors/concurrency-conflict',
      status: 409,
    });
    expect(res.body.attempts).toBeGreaterThan(1);
  });

  it('hands out one-time secrets once, never from the idempotency record', async () => {
    const first = await call(app, 'POST', '/test/users/u9/secret', {
      token,
      headers: { 'idempotency-key': 'secret-1' },
    });
    expect(first.status).toBe(201);
    expect(first.body.returned).toEqual({ temporaryPassword: expect.stringMatching(/^pw-/) });
    const again = await call(app, 'POST', '/test/users/u9/secret', {
      token,
      headers: { 'idempotency-key': 'secret-1' },
    });
    expect(again.status).toBe(201);
    expect(again.body.returned).toBeUndefined();
    expect(again.body.commandId).toBe(first.body.commandId);
  });
});
