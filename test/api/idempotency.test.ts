import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEventStore } from '@pc/event-store/factory';
import { EventStoreUnavailableError, type EventStore } from '@pc/event-store';
import { EVENT_STORE, IDEMPOTENCY_STORE, type IdempotencyStore } from '../../apps/api/src/platform';
import {
  actorKey,
  legacyActorKey,
  requestFingerprint,
} from '../../apps/api/src/platform/commands/command-ids';
import { call, type TestResponse } from '../support/http';
import { actors, mintToken } from '../support/tokens';
import { removeDir, startTestApp, tempDir } from './support/test-app';

/** A 422 idempotency-key-reused problem naming the key. */
function expectKeyReused(res: TestResponse, idempotencyKey: string): void {
  expect(res.status).toBe(422);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.body).toMatchObject({
    type: 'https://partner-center.dev/errors/idempotency-key-reused',
    idempotencyKey,
  });
}

describe('Idempotency-Key', () => {
  let dir: string;
  let app: NestFastifyApplication | undefined;

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    removeDir(dir);
  });

  async function eventCount(): Promise<number> {
    const store = await createEventStore({ kind: 'sqlite', path: join(dir, 'events.sqlite') });
    try {
      return (await store.readAll()).length;
    } finally {
      await store.close();
    }
  }

  it('replays the original response after a restart and writes nothing new', async () => {
    const token = await mintToken({ scope: 'commands' });
    const request = {
      token,
      headers: { 'idempotency-key': 'create-w1-attempt' },
      body: { widgetId: 'w1', name: 'One', parts: [{ sku: 'a', qty: 1 }] },
    };
    app = await startTestApp(dir);
    const first = await call(app, 'POST', '/test/partners/p1/widgets', request);
    expect(first.status).toBe(201);
    await app.close();
    expect(await eventCount()).toBe(1);

    app = await startTestApp(dir);
    // Same body with its keys in another order: still the same request.
    const replay = await call(app, 'POST', '/test/partners/p1/widgets', {
      ...request,
      body: { parts: [{ qty: 1, sku: 'a' }], name: 'One', widgetId: 'w1' },
    });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.etag).toBe(first.headers.etag);
    expect(replay.headers['x-position']).toBe(first.headers['x-position']);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(await eventCount()).toBe(1);
  });

  it('refuses the same key with a different body: 422 idempotency-key-reused', async () => {
    const token = await mintToken({ scope: 'commands' });
    app = await startTestApp(dir);
    const headers = { 'idempotency-key': 'k-1' };
    expect(
      (
        await call(app, 'POST', '/test/partners/p1/widgets', {
          token,
          headers,
          body: { widgetId: 'w1', name: 'One' },
        })
      ).status,
    ).toBe(201);
    const reused = await call(app, 'POST', '/test/partners/p1/widgets', {
      token,
      headers,
      body: { widgetId: 'w2', name: 'Two' },
    });
    expectKeyReused(reused, 'k-1');
    expect(await eventCount()).toBe(1);
  });

  it('scopes keys by calling service and refuses another actor reusing a key', async () => {
    app = await startTestApp(dir);
    const body = { widgetId: 'w1', name: 'One' };
    const headers = { 'idempotency-key': 'shared' };
    const a = await call(app, 'POST', '/test/partners/p1/widgets', {
      token: await mintToken({ sub: 'svc-a' }),
      headers,
      body,
    });
    expect(a.status).toBe(201);
    // Another service, same key: a different command id, so a different command (here refused as a duplicate widget).
    const b = await call(app, 'POST', '/test/partners/p1/widgets', {
      token: await mintToken({ sub: 'svc-b' }),
      headers,
      body,
    });
    expect(b.status).toBe(409);
    const otherUser = await mintToken({ sub: 'svc-a', act: actors.partnerUser('p1', 'u2') });
    const c = await call(app, 'POST', '/test/partners/p1/widgets', { token: otherUser, headers, body });
    expect(c.status).toBe(422);
  });

  // Regression: the fingerprint named the actor `kind:id`, and user ids are unique within a tenant
  // only: a second partner's "jana" reusing a key on a tenant-less path got the first one's response.
  it('tells users of two tenants with the same id apart, and still replays records of the old form', async () => {
    app = await startTestApp(dir);
    const service = { sub: 'svc-a' };
    const body = { widgetId: 'w9', name: 'Nine' };
    expect(
      (await call(app, 'POST', '/test/partners/p1/widgets', { token: await mintToken(service), body }))
        .status,
    ).toBe(201);
    const janaOf = async (partnerId: string) =>
      mintToken({ ...service, act: actors.partnerUser(partnerId, 'jana') });
    const headers = { 'idempotency-key': 'rename-w9' };
    const rename = { name: 'Renamed' };
    const first = await call(app, 'PUT', '/test/widgets/w9/name', {
      token: await janaOf('p1'),
      headers,
      body: rename,
    });
    expect(first.status).toBe(201);
    const other = await call(app, 'PUT', '/test/widgets/w9/name', {
      token: await janaOf('p2'),
      headers,
      body: rename,
    });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ type: expect.stringMatching(/idempotency-key-reused$/) });

    // A record written before the tenant was part of the fingerprint is still the same request's.
    const store = app.get<IdempotencyStore>(IDEMPOTENCY_STORE);
    const legacy = requestFingerprint({
      method: 'PUT',
      path: '/test/widgets/w9/name',
      actor: legacyActorKey({ kind: 'partner-user', id: 'jana' }),
      body: { name: 'Legacy' },
    });
    await store.save({
      service: 'svc-a',
      key: 'written-before',
      requestHash: legacy,
      status: 'completed',
      response: { statusCode: 200, headers: {}, body: { stored: true } },
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    const replayed = await call(app, 'PUT', '/test/widgets/w9/name', {
      token: await janaOf('p1'),
      headers: { 'idempotency-key': 'written-before' },
      body: { name: 'Legacy' },
    });
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ stored: true });
  });

  it('accepts the key as `commandId` in the body when no header is sent', async () => {
    const token = await mintToken({ scope: 'commands' });
    app = await startTestApp(dir);
    const body = { commandId: 'body-key-1', widgetId: 'w1', name: 'One' };
    const first = await call(app, 'POST', '/test/partners/p1/widgets', { token, body });
    const second = await call(app, 'POST', '/test/partners/p1/widgets', { token, body });
    expect(first.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(await eventCount()).toBe(1);
  });

  it('derives a stable command id from (service, key) and a fresh one without a key', async () => {
    const token = await mintToken({ scope: 'commands' });
    app = await startTestApp(dir);
    const keyed = await call(app, 'POST', '/test/widgets/w1/reject', {
      token,
      headers: { 'idempotency-key': 'k' },
    });
    const fresh1 = await call(app, 'POST', '/test/partners/p1/widgets', {
      token,
      body: { widgetId: 'x1', name: 'x' },
    });
    const fresh2 = await call(app, 'POST', '/test/partners/p1/widgets', {
      token,
      body: { widgetId: 'x2', name: 'x' },
    });
    expect(keyed.status).toBe(422);
    expect(fresh1.body.commandId).not.toBe(fresh2.body.commandId);
    const badKey = await call(app, 'POST', '/test/widgets/w1/reject', {
      token,
      headers: { 'idempotency-key': 'has space' },
    });
    expect(badKey.status).toBe(400);
    expect(badKey.body.type).toBe('https://partner-center.dev/errors/invalid-idempotency-key');
  });

  // Regression: the idempotency store being away answered 500 internal-error (not retried by clients).
  it('answers 503 backend-unavailable with Retry-After when the idempotency store is away, writing nothing', async () => {
    app = await startTestApp(dir);
    await app.get<IdempotencyStore>(IDEMPOTENCY_STORE).close();
    const res = await call(app, 'POST', '/test/partners/p1/widgets', {
      token: await mintToken({ scope: 'commands' }),
      headers: { 'idempotency-key': 'while-away' },
      body: { widgetId: 'w-away', name: 'Away' },
    });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.body).toMatchObject({ type: 'https://partner-center.dev/errors/backend-unavailable' });
    expect(await eventCount()).toBe(0);
  });

  // Regression: nothing held a key while its command ran, so two requests with one key at the same
  // moment both ran: the same body answered 201 and a 200 "replayed" without Idempotent-Replayed,
  // two bodies were both applied (and the second's retries then met 422 although it had happened).
  describe('two requests with one key at the same moment', () => {
    it('the same body runs once: the other is told to retry (409 + Retry-After) or gets the replay', async () => {
      app = await startTestApp(dir);
      const request = {
        token: await mintToken({ scope: 'commands' }),
        headers: { 'idempotency-key': 'twice-at-once' },
        body: { widgetId: 'w-twice', name: 'Twice' },
      };
      const both = await Promise.all([
        call(app, 'POST', '/test/partners/p1/widgets', request),
        call(app, 'POST', '/test/partners/p1/widgets', request),
      ]);
      // One ran (201). The other came while it ran (409, retry shortly) or, had the first finished
      // already, is its replay; never a second run answered 200 "replayed" without the header.
      const ran = both.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined);
      expect(ran).toHaveLength(1);
      const other = both.find((r) => r !== ran[0])!;
      if (other.status === 409) {
        expect(other.headers['retry-after']).toBe('1');
        expect(other.body).toMatchObject({ type: expect.stringMatching(/request-in-progress$/) });
      } else {
        expect(other.status).toBe(201);
        expect(other.headers['idempotent-replayed']).toBe('true');
        expect(other.body).toEqual(ran[0].body);
      }
      const retried = await call(app, 'POST', '/test/partners/p1/widgets', request);
      expect(retried.status).toBe(201);
      expect(retried.headers['idempotent-replayed']).toBe('true');
      expect(retried.body).toEqual(ran[0].body);
      expect(await eventCount()).toBe(1);
    });

    it('two bodies: one runs, the other is refused as a reused key and writes nothing', async () => {
      app = await startTestApp(dir);
      const token = await mintToken({ scope: 'commands' });
      const headers = { 'idempotency-key': 'two-bodies' };
      const both = await Promise.all([
        call(app, 'POST', '/test/partners/p1/widgets', {
          token,
          headers,
          body: { widgetId: 'w-a', name: 'A' },
        }),
        call(app, 'POST', '/test/partners/p1/widgets', {
          token,
          headers,
          body: { widgetId: 'w-b', name: 'B' },
        }),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual([201, 422]);
      expect(await eventCount()).toBe(1);
    });
  });

  it('does not hold the key for a request refused for a malformed If-Match', async () => {
    app = await startTestApp(dir);
    const request = {
      token: await mintToken({ scope: 'commands' }),
      body: { widgetId: 'w-if', name: 'If' },
    };
    const malformed = await call(app, 'POST', '/test/partners/p1/widgets', {
      ...request,
      headers: { 'idempotency-key': 'bad-if-match', 'if-match': 'not a revision' },
    });
    expect(malformed.status).toBe(400);
    const fixed = await call(app, 'POST', '/test/partners/p1/widgets', {
      ...request,
      headers: { 'idempotency-key': 'bad-if-match' },
    });
    expect(fixed.status).toBe(201);
  });

  it('when its answer cannot be stored, the key is free at once for a retry and still refused to another body', async () => {
    app = await startTestApp(dir);
    const store = app.get<IdempotencyStore>(IDEMPOTENCY_STORE);
    jest.spyOn(store, 'complete').mockRejectedValueOnce(new Error('disk full'));
    const request = {
      token: await mintToken({ scope: 'commands' }),
      headers: { 'idempotency-key': 'answer-lost' },
      body: { widgetId: 'w-lost', name: 'Lost' },
    };
    expect((await call(app, 'POST', '/test/partners/p1/widgets', request)).status).toBe(201);
    // Regression: the key was given back, so another body ran a second command under it.
    const other = await call(app, 'POST', '/test/partners/p1/widgets', {
      ...request,
      body: { widgetId: 'w-other', name: 'Other' },
    });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ type: expect.stringMatching(/idempotency-key-reused$/) });
    const retried = await call(app, 'POST', '/test/partners/p1/widgets', request);
    // Not 409 request-in-progress for 30 s: the pipeline answers the command id as done, with the
    // first answer's status (it was 200 on this path, 201 from the idempotency store).
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.body).toMatchObject({ replayed: true });
    expect(await eventCount()).toBe(1);
  });

  // Probe finding (PostgreSQL outage): the command failed with the store away, and so did freeing its
  // key (one database for both), so the key stayed pending and every retry got 409 for up to 30 s
  // after the store came back. Freeing it is now retried in the background.
  it('a key that could not be freed while the store was away is freed once it is back', async () => {
    app = await startTestApp(dir);
    const events = app.get<EventStore>(EVENT_STORE);
    jest
      .spyOn(events, 'append')
      .mockRejectedValueOnce(new EventStoreUnavailableError('the event store went away'));
    const store = app.get<IdempotencyStore>(IDEMPOTENCY_STORE);
    jest.spyOn(store, 'abandon').mockRejectedValueOnce(new Error('the idempotency store went away too'));
    const request = {
      token: await mintToken({ scope: 'commands' }),
      headers: { 'idempotency-key': 'outage' },
      body: { widgetId: 'w-outage', name: 'Outage' },
    };
    expect((await call(app, 'POST', '/test/partners/p1/widgets', request)).status).toBe(503);
    expect(await eventCount()).toBe(0);
    // Retried as a client would on 409 (Retry-After: 1), well within the 30 s a stale key takes.
    let retried = await call(app, 'POST', '/test/partners/p1/widgets', request);
    for (let i = 0; i < 50 && retried.status === 409; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      retried = await call(app, 'POST', '/test/partners/p1/widgets', request);
    }
    expect(retried.status).toBe(201);
    expect(await eventCount()).toBe(1);
  });

  // Regression: a failure that may come after the commit (the store's answer lost) gave the key back,
  // so another body ran a second command under a key whose first command had gone through.
  it('after an infrastructure failure the key stays bound to its request: free for a retry, refused to another body', async () => {
    app = await startTestApp(dir);
    const events = app.get<EventStore>(EVENT_STORE);
    const append = events.append.bind(events);
    jest.spyOn(events, 'append').mockImplementationOnce(async (...args) => {
      await append(...args);
      throw new EventStoreUnavailableError('connection lost after the commit');
    });
    const request = {
      token: await mintToken({ scope: 'commands' }),
      headers: { 'idempotency-key': 'outcome-unknown' },
      body: { widgetId: 'w-unknown', name: 'Unknown' },
    };
    expect((await call(app, 'POST', '/test/partners/p1/widgets', request)).status).toBe(503);
    expect(await eventCount()).toBe(1);
    const other = await call(app, 'POST', '/test/partners/p1/widgets', {
      ...request,
      body: { widgetId: 'w-second', name: 'Second' },
    });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ type: expect.stringMatching(/idempotency-key-reused$/) });
    expect(await eventCount()).toBe(1);
    // The same request again at once (not 409 for 30 s): answered as the command it was.
    const retried = await call(app, 'POST', '/test/partners/p1/widgets', request);
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.body).toMatchObject({ replayed: true });
    expect(await eventCount()).toBe(1);
  });

  it('gives the key back when the command is refused, so a retry runs again, and another body may use it', async () => {
    app = await startTestApp(dir);
    const request = {
      token: await mintToken({ scope: 'commands' }),
      headers: { 'idempotency-key': 'refused' },
    };
    const first = await call(app, 'POST', '/test/widgets/w1/reject', request);
    const again = await call(app, 'POST', '/test/widgets/w1/reject', request);
    expect([first.status, again.status]).toEqual([422, 422]);
    expect(again.body).toMatchObject({ type: expect.stringMatching(/widget-limit-reached$/) });
    // A refusal applied nothing: the key is free for a corrected request.
    const corrected = await call(app, 'POST', '/test/partners/p1/widgets', {
      ...request,
      body: { widgetId: 'w-corrected', name: 'Corrected' },
    });
    expect(corrected.status).toBe(201);
  });

  it('takes over a key whose request died holding it, once it is stale; a fresh one is waited for', async () => {
    app = await startTestApp(dir);
    const store = app.get<IdempotencyStore>(IDEMPOTENCY_STORE);
    const actor = actors.partnerUser('p1', 'jana');
    const token = await mintToken({ sub: 'svc-a', act: actor });
    const body = { widgetId: 'w-held', name: 'Held' };
    const requestHash = requestFingerprint({
      method: 'POST',
      path: '/test/partners/p1/widgets',
      actor: actorKey(actor as Parameters<typeof actorKey>[0]),
      body,
    });
    const hold = (key: string, at: string) =>
      store.reserve({ service: 'svc-a', key, requestHash, at }, '2001-01-01T00:00:00.000Z');
    expect(await hold('died', '2000-01-01T00:00:00.000Z')).toEqual({ kind: 'reserved' });
    expect(await hold('running', '2999-01-01T00:00:00.000Z')).toEqual({ kind: 'reserved' });
    const takenOver = await call(app, 'POST', '/test/partners/p1/widgets', {
      token,
      headers: { 'idempotency-key': 'died' },
      body,
    });
    expect(takenOver.status).toBe(201);
    expect((await store.find('svc-a', 'died'))?.response.statusCode).toBe(201);
    const waited = await call(app, 'POST', '/test/partners/p1/widgets', {
      token,
      headers: { 'idempotency-key': 'running' },
      body,
    });
    expect(waited.status).toBe(409);
  });

  // Regression: any body took a stale reservation over, so a second, different command ran under the
  // key of a request that may have run its own before it died (whose retries then met 422).
  it('takes a stale key over only for the same request: another body is refused as a reused key', async () => {
    app = await startTestApp(dir);
    const store = app.get<IdempotencyStore>(IDEMPOTENCY_STORE);
    const actor = actors.partnerUser('p1', 'jana');
    const token = await mintToken({ sub: 'svc-a', act: actor });
    const path = '/test/partners/p1/widgets';
    const bodyA = { widgetId: 'w-died-a', name: 'A' };
    const hashA = requestFingerprint({
      method: 'POST',
      path,
      actor: actorKey(actor as Parameters<typeof actorKey>[0]),
      body: bodyA,
    });
    const died = { service: 'svc-a', key: 'died-with-a', requestHash: hashA, at: '2000-01-01T00:00:00.000Z' };
    expect(await store.reserve(died, '1999-01-01T00:00:00.000Z')).toEqual({ kind: 'reserved' });

    const other = await call(app, 'POST', path, {
      token,
      headers: { 'idempotency-key': 'died-with-a' },
      body: { widgetId: 'w-died-b', name: 'B' },
    });
    expectKeyReused(other, 'died-with-a');
    expect(await eventCount()).toBe(0);
    expect(await store.find('svc-a', 'died-with-a')).toBeNull();

    const same = await call(app, 'POST', path, {
      token,
      headers: { 'idempotency-key': 'died-with-a' },
      body: bodyA,
    });
    expect(same.status).toBe(201);
    expect(await eventCount()).toBe(1);
    expect(await store.find('svc-a', 'died-with-a')).toMatchObject({
      requestHash: hashA,
      response: { statusCode: 201 },
    });
  });
});
