import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { eventually } from '@pc/projections/testing';
import { READ_MODEL_NAMES } from '../../apps/api/src/read-models/partner-updates';
import { ReadModelRuntime } from '../../apps/api/src/read-models/read-model-runtime';
import {
  http,
  mintTokens,
  registerPartner,
  startAcquisitionApp,
  type Tokens,
} from '../scheduler/support/acquisition-world';
import { backends } from '../support/backends';
import { call } from '../support/http';
import { actors, mintToken } from '../support/tokens';
import { SseClient } from './sse-client';
import { ReadWorld } from './world';

/**
 * The update stream (`GET /partners/{id}/updates`) asks the ActingUserGuard again while it stays
 * open: a partner user deactivated after opening it gets a last `end` event (the refusal a read would
 * now get) and the stream closes, whether the next thing to go out is a `changed` event or a
 * heartbeat. It used to be checked only when it opened, so a deactivated user kept receiving updates.
 */
describe.each(backends)('update streams of a user deactivated while they are open ($name)', (backend) => {
  let env: Record<string, string>;
  let app: NestFastifyApplication;
  let tearDown: () => Promise<void>;
  let t: Tokens;
  const w = new ReadWorld(() => app);
  const clients: SseClient[] = [];
  const apps: NestFastifyApplication[] = [];
  const tokens = { lena: '', mira: '' };

  const listening = async (extra: Record<string, string>) => {
    const started = (await startAcquisitionApp({ ...env, ...extra })).app;
    apps.push(started);
    await started.listen({ port: 0, host: '127.0.0.1' });
    return { app: started, port: (started.getHttpServer().address() as AddressInfo).port };
  };
  const open = (port: number, token: string) => {
    const client = new SseClient(port, '/partners/contoso/updates', token);
    clients.push(client);
    return client;
  };
  const user = (userId: string) => ({ userId, email: `${userId}@contoso.example`, displayName: userId });

  beforeAll(async () => {
    const setup = await backend.setUp();
    env = setup.env;
    tearDown = setup.tearDown;
    t = await mintTokens();
    // A long heartbeat here: the first test shows a `changed` announcement alone ends the stream.
    ({ app } = await listening({ SSE_HEARTBEAT_MS: '60000' }));
    w.saw(
      await registerPartner(
        http(() => app),
        t.platform,
        'contoso',
        'jana',
        ['advisor'],
      ),
    );
    await w.command('/partners/contoso/users', t.jana, user('lena'));
    await w.command('/partners/contoso/users', t.jana, user('mira'));
    const partnerUser = (id: string) =>
      mintToken({ act: actors.partnerUser('contoso', id), sub: 'admin-center' });
    tokens.lena = await partnerUser('lena');
    tokens.mira = await partnerUser('mira');
    expect(await app.get(ReadModelRuntime).waitFor(w.last!, Object.keys(READ_MODEL_NAMES), 10_000)).toBe(
      true,
    );
  });

  afterAll(async () => {
    clients.forEach((client) => client.abort());
    await Promise.all(apps.map((a) => a.close().catch(() => undefined)));
    await tearDown?.();
  });

  it('ends with a last `end` event (actor-inactive) on the next announcement; other streams go on', async () => {
    const port = (app.getHttpServer().address() as AddressInfo).port;
    const lena = open(port, tokens.lena);
    const jana = open(port, t.jana);
    const platform = open(port, t.platform);
    for (const stream of [lena, jana, platform]) await stream.next('ready', (e) => e.event === 'ready');

    // While lena is active, announcements reach her as before.
    const added = await w.command('/partners/contoso/users', t.jana, user('olga'));
    await lena.next(
      'her change',
      (e) => e.event === 'changed' && String(e.id) >= String(added.body.position),
    );
    expect(lena.ended).toBe(false);

    const deactivated = await w.command('/partners/contoso/users/lena/deactivate', t.jana);
    await eventually('lena’s stream closed by the server', () => lena.ended);
    const last = lena.events[lena.events.length - 1];
    expect(last).toEqual({
      event: 'end',
      id: undefined,
      data: expect.objectContaining({ reason: 'actor-inactive', status: 403, actorId: 'lena' }),
    });
    // Nothing at or after the deactivation was announced to her.
    expect(
      lena.events.some((e) => e.event === 'changed' && String(e.id) >= String(deactivated.body.position)),
    ).toBe(false);

    // The partner's other user and the platform keep their streams and see the same change.
    for (const stream of [jana, platform]) {
      await stream.next(
        'the deactivation announced',
        (e) => e.event === 'changed' && String(e.id) >= String(deactivated.body.position),
      );
      expect(stream.ended).toBe(false);
      expect(stream.events.some((e) => e.event === 'end')).toBe(false);
    }

    // Reconnecting is the ordinary 403 of the guard, before any event.
    const again = open(port, tokens.lena);
    await eventually('refused', () => again.ended);
    expect(again.status).toBe(403);
    expect(again.events).toEqual([]);
    // A read says the same.
    expect((await call(app, 'GET', '/partners/contoso/overview', { token: tokens.lena })).status).toBe(403);
  });

  it('ends on its heartbeat when no announcement comes (an API reading beside a projector elsewhere)', async () => {
    // This API polls the checkpoints once a minute: nothing is announced during the test, only the
    // 50 ms heartbeat runs.
    const reader = await listening({
      PROJECTIONS_IN_PROCESS: 'false',
      READ_MODEL_POLL_MS: '60000',
      SSE_HEARTBEAT_MS: '50',
    });
    const mira = open(reader.port, tokens.mira);
    const jana = open(reader.port, t.jana);
    for (const stream of [mira, jana]) await stream.next('ready', (e) => e.event === 'ready');
    await eventually('heartbeats while mira is active', () => mira.comments > 1);
    expect(mira.ended).toBe(false);

    await w.command('/partners/contoso/users/mira/deactivate', t.jana);
    await eventually('mira’s stream closed on a heartbeat', () => mira.ended);
    expect(mira.events.map((e) => e.event)).toEqual(['ready', 'end']);
    expect(mira.events[1].data).toMatchObject({ reason: 'actor-inactive', status: 403, actorId: 'mira' });

    const beats = jana.comments;
    await eventually('jana’s stream goes on', () => jana.comments > beats + 1);
    expect(jana.ended).toBe(false);
  });

  it('a reactivated user opens and keeps a stream again', async () => {
    await w.command('/partners/contoso/users/lena/reactivate', t.jana);
    const port = (app.getHttpServer().address() as AddressInfo).port;
    const lena = open(port, tokens.lena);
    await lena.next('ready', (e) => e.event === 'ready');
    const added = await w.command('/partners/contoso/users', t.jana, user('petra'));
    await lena.next(
      'her change',
      (e) => e.event === 'changed' && String(e.id) >= String(added.body.position),
    );
    expect(lena.ended).toBe(false);
  });
});
