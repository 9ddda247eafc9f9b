import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { eventually } from '@pc/projections/testing';
import { READ_MODEL_NAMES } from '../../apps/api/src/read-models/partner-updates';
import { ReadModelRuntime } from '../../apps/api/src/read-models/read-model-runtime';
import { ReadWorld } from '../read-models/world';
import { SseClient } from '../read-models/sse-client';
import {
  mintTokens,
  registerPartner,
  http,
  startAcquisitionApp,
  type Tokens,
} from '../scheduler/support/acquisition-world';
import { projectionThreadRuns } from '../support/backends';
import { call } from '../support/http';

type Body = Record<string, unknown>;

/**
 * The live side of the read models on the real app: Server-Sent Events over a real socket,
 * read-your-writes that gives up (503), the API reading beside a separate projector
 * (PROJECTIONS_IN_PROCESS=false), and streams closed on shutdown.
 */
describe.each(projectionThreadRuns)('live read models ($label)', ({ backend, thread }) => {
  let env: Record<string, string>;
  let app: NestFastifyApplication;
  let port: number;
  let tearDown: () => Promise<void>;
  let t: Tokens;
  const w = new ReadWorld(() => app);
  const clients: SseClient[] = [];
  const apps: NestFastifyApplication[] = [];

  /** Fast heartbeats and a short read-your-writes bound, so the suite observes both without waiting long. */
  const start = async (extra: Record<string, string>) => {
    const started = (
      await startAcquisitionApp({
        ...env,
        SSE_HEARTBEAT_MS: '50',
        READ_YOUR_WRITES_TIMEOUT_MS: '300',
        ...extra,
      })
    ).app;
    apps.push(started);
    return started;
  };

  beforeAll(async () => {
    const setup = await backend.setUp();
    env = { ...setup.env, ...thread };
    tearDown = setup.tearDown;
    t = await mintTokens();
    app = await start({});
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.getHttpServer().address() as AddressInfo).port;
    await registerPartner(
      http(() => app),
      t.platform,
      'contoso',
      'jana',
      ['advisor'],
    );
    const settled = await registerPartner(
      http(() => app),
      t.platform,
      'fabrikam',
      'eve',
      ['advisor'],
    );
    // Setup has reached every read model: a batch after this one holds only what a test writes (a
    // batch still projecting contoso's setup together with fabrikam's write is announced to contoso
    // at fabrikam's position, rightly, but would make the isolation check below meaningless).
    expect(await app.get(ReadModelRuntime).waitFor(settled, Object.keys(READ_MODEL_NAMES), 10_000)).toBe(
      true,
    );
  });

  afterAll(async () => {
    clients.forEach((client) => client.abort());
    await Promise.all(apps.map((a) => a.close().catch(() => undefined)));
    await tearDown?.();
  });

  const open = (path: string, token: string) => {
    const client = new SseClient(port, path, token);
    clients.push(client);
    return client;
  };

  it("streams which of the partner's read models changed and at what position, with heartbeats", async () => {
    const stream = open('/partners/contoso/updates', t.jana);
    await stream.next('ready', (e) => e.event === 'ready');
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    expect(stream.events[0].data).toEqual({
      partnerId: 'contoso',
      readModels: ['overview', 'clients', 'por-notifications'],
    });

    const other = await w.command('/partners/fabrikam/users', t.eve, {
      userId: 'x1',
      email: 'x1@f.example',
      displayName: 'X',
    });
    const own = await w.command('/partners/contoso/users', t.jana, {
      userId: 'igor',
      email: 'igor@c.example',
      displayName: 'Igor',
    });
    const changed = await stream.next(
      'overview change at the command position',
      (e) =>
        e.event === 'changed' && e.data.readModel === 'overview' && String(e.id) >= String(own.body.position),
    );
    expect(changed.data.position).toBe(changed.id);
    // Another partner's write is never announced on this partner's stream.
    expect(stream.events.some((e) => e.id === other.body.position)).toBe(false);
    await eventually('a heartbeat comment', () => stream.comments > 0);
    // The announced position is what a re-read passes back for read-your-writes.
    const overview = await w.read<Body>('/partners/contoso/overview', t.jana, String(changed.data.position));
    expect((overview.body.users as Body).total).toBe(2);
    stream.abort();
    await eventually('client side closed', () => stream.ended);
  });

  it('hides the stream of another tenant: 404 problem before any event', async () => {
    const stream = open('/partners/contoso/updates', t.eve);
    await eventually('response', () => stream.ended || stream.status !== 0);
    await eventually('body', () => stream.ended);
    expect(stream.status).toBe(404);
    expect(stream.headers['content-type']).toContain('application/problem+json');
    expect(stream.events).toEqual([]);
  });

  // A position beyond the head was returned by no write: no wait can reach it, so it is a 400 at once
  // (it used to wait READ_YOUR_WRITES_TIMEOUT_MS and answer a 503 that clients retried forever). The
  // 503 for a position written but not projected in time: test/api/bad-input.test.ts.
  it('answers 400 at once for a minimum position beyond the head, naming the head', async () => {
    const res = await call(app, 'GET', '/partners/contoso/clients', {
      token: t.jana,
      headers: { 'X-Min-Position': '09223372036854775807' },
    });
    expect(res.status).toBe(400);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body).toMatchObject({
      type: expect.stringMatching(/\/errors\/min-position-beyond-head$/),
      minPosition: '09223372036854775807',
      head: expect.stringMatching(/^\d{20}/),
    });
    const byQuery = await call(app, 'GET', '/partners/contoso/overview?minPosition=09223372036854775807', {
      token: t.jana,
    });
    expect(byQuery.status).toBe(400);
  });

  it('answers 400 at once for a minimum position that is not one the service hands out', async () => {
    // "5" sorts after every real position: it used to wait for the timeout and answer 503.
    for (const headers of [
      { 'X-Min-Position': '5' },
      { 'X-Min-Position': '42/7' },
      { 'X-Min-Position': '99999999999999999999' },
    ]) {
      const res = await call(app, 'GET', '/partners/contoso/clients', { token: t.jana, headers });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ type: expect.stringMatching(/\/errors\/invalid-min-position$/) });
    }
    const byQuery = await call(app, 'GET', '/partners/contoso/overview?minPosition=5', { token: t.jana });
    expect(byQuery.status).toBe(400);
  });

  it('with PROJECTIONS_IN_PROCESS=false the API only reads, waiting on the checkpoints another process writes', async () => {
    const reader = await start({ PROJECTIONS_IN_PROCESS: 'false', READ_YOUR_WRITES_TIMEOUT_MS: '10000' });
    const written = await w.command('/partners/contoso/users', t.jana, {
      userId: 'zora',
      email: 'z@c.example',
      displayName: 'Zora',
    });
    const res = await call<Body>(reader, 'GET', '/partners/contoso/overview', {
      token: t.jana,
      headers: { 'X-Min-Position': String(written.body.position) },
    });
    expect(res.status).toBe(200);
    expect((res.body.users as Body).total).toBe(3);
    const status = await call<Body>(reader, 'GET', '/projections', { token: t.platform });
    expect(status.body.inProcess).toBe(false);
    expect(status.body.thread).toBeNull();
    expect((status.body.projections as Body[]).every((p) => p.ownedHere === false)).toBe(true);
    const rebuild = await call<Body>(reader, 'POST', '/projections/client_list/rebuild', {
      token: t.platform,
    });
    expect(rebuild.status).toBe(409);
    expect(rebuild.body).toMatchObject({ type: expect.stringMatching(/projections-run-elsewhere$/) });
    await reader.close();
    apps.splice(apps.indexOf(reader), 1);
  });

  // Probe finding (two replicas): a replica that holds no lease commits nothing, and its update
  // streams stayed silent, even for writes made through it.
  it('a replica whose projections another process runs still streams their changes', async () => {
    const replica = await start({ READ_MODEL_POLL_MS: '50' });
    await replica.listen({ port: 0, host: '127.0.0.1' });
    const status = await call<Body>(replica, 'GET', '/projections', { token: t.platform });
    expect((status.body.projections as Body[]).every((p) => p.ownedHere === false)).toBe(true);
    const stream = new SseClient(
      (replica.getHttpServer().address() as AddressInfo).port,
      '/partners/contoso/updates',
      t.jana,
    );
    clients.push(stream);
    await stream.next('ready', (e) => e.event === 'ready');
    const written = await call<Body>(replica, 'POST', '/partners/contoso/users', {
      token: t.jana,
      body: { userId: 'rita', email: 'rita@c.example', displayName: 'Rita' },
    });
    expect(written.status).toBe(201);
    await stream.next(
      'overview change announced on the replica',
      (e) =>
        e.event === 'changed' &&
        e.data.readModel === 'overview' &&
        String(e.id) >= String(written.headers['x-position']),
    );
    stream.abort();
    await replica.close();
    apps.splice(apps.indexOf(replica), 1);
  });

  it('ends open streams on shutdown, so the server can close', async () => {
    const stream = open('/partners/contoso/updates', t.platform);
    await stream.next('ready', (e) => e.event === 'ready');
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    await eventually('stream ended by the server', () => stream.ended);
  });
});
