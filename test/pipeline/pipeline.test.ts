import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  type EventStore,
  type EventStoreConfig,
  EventStoreUnavailableError,
  createEventStore,
} from '@pc/event-store';
import {
  type DecisionResult,
  type DomainEvent,
  type Evolver,
  DomainError,
  defineCommand,
  refuse,
  registry,
  releases,
} from '@pc/domain';
import {
  type CommandContext,
  ConcurrencyConflictError,
  GENESIS_HASH,
  PreconditionFailedError,
  createCommandPipeline,
  eventHash,
} from '@pc/pipeline';
import { createTestSchema, pgUrl } from '../support/postgres';
import { withAppend as storeWithAppend } from '../support/event-stores';

/** A counter aggregate, and a claim: enough to exercise every path of the pipeline. */
interface Counter {
  value: number;
}
const counter: Evolver<Counter, DomainEvent> = {
  initialState: { value: 0 },
  evolve: (s, e) => (e.type === 'Incremented' ? { value: s.value + (e.data as { by: number }).by } : s),
};
const claim: Evolver<{ taken: boolean }, DomainEvent> = {
  initialState: { taken: false },
  evolve: (s, e) => (releases(e, 'Claimed') ? { taken: false } : e.type === 'Claimed' ? { taken: true } : s),
};

const commands = registry(
  defineCommand<{ id: string; by: number; max?: number }>({
    type: 'Increment',
    primary: 'counter',
    streams: (p) => ({
      counter: { stream: `counter-${p.id}`, evolver: counter as Evolver<unknown, DomainEvent> },
    }),
    decide(p, loaded, ctx): DecisionResult {
      const { value } = loaded.counter.state as Counter;
      if (p.max !== undefined && value + p.by > p.max) refuse('over-max', 'Too much', { value, max: p.max });
      if (p.by === 0) return { events: {} };
      return {
        events: { counter: [{ type: 'Incremented', data: { by: p.by } }] },
        ids: { tag: ctx.newId('tag') },
      };
    },
  }),
  defineCommand<{ id: string; name: string }>({
    type: 'IncrementWithClaim',
    primary: 'counter',
    streams: (p) => ({
      counter: { stream: `counter-${p.id}`, evolver: counter as Evolver<unknown, DomainEvent> },
      name: { stream: `claim-${p.name}`, evolver: claim as Evolver<unknown, DomainEvent> },
    }),
    decide(p, loaded, ctx) {
      if ((loaded.name.state as { taken: boolean }).taken)
        refuse('name-taken', 'Taken', { name: p.name }, 'conflict');
      return {
        events: {
          counter: [{ type: 'Incremented', data: { by: 1 } }],
          name: [{ type: 'Claimed', data: { counter: p.id } }],
        },
        ids: { tag: ctx.newId('tag') },
      };
    },
  }),
  // Writes to a claim stream as its primary (used to observe the stream's hash chain).
  defineCommand<{ name: string }>({
    type: 'Note',
    primary: 'name',
    streams: (p) => ({
      name: { stream: `claim-${p.name}`, evolver: claim as Evolver<unknown, DomainEvent> },
    }),
    decide: () => ({ events: { name: [{ type: 'Noted', data: {} }] } }),
  }),
  // Two claims, written in this order: `first`, then `second` (like a domain, then a product key).
  defineCommand<{ id: string; first: string; second: string }>({
    type: 'ClaimTwo',
    primary: 'counter',
    streams: (p) => ({
      first: { stream: `claim-${p.first}`, evolver: claim as Evolver<unknown, DomainEvent> },
      second: { stream: `claim-${p.second}`, evolver: claim as Evolver<unknown, DomainEvent> },
      counter: { stream: `counter-${p.id}`, evolver: counter as Evolver<unknown, DomainEvent> },
    }),
    decide(p, loaded) {
      for (const alias of ['first', 'second']) {
        if ((loaded[alias].state as { taken: boolean }).taken)
          refuse(`${alias}-taken`, 'Taken', {}, 'conflict');
      }
      return {
        events: {
          counter: [{ type: 'Incremented', data: { by: 1 } }],
          first: [{ type: 'Claimed', data: { counter: p.id } }],
          second: [{ type: 'Claimed', data: { counter: p.id } }],
        },
      };
    },
  }),
);

const ctx = (over: Partial<CommandContext> = {}): CommandContext => ({
  commandId: randomUUID(),
  correlationId: 'corr-1',
  actor: { kind: 'partner-user', id: 'jana', partnerId: 'p1' },
  service: { kind: 'service', id: 'admin-center' },
  now: '2026-01-05T09:00:00.000Z',
  ...over,
});

interface OpenedStore {
  store: EventStore;
  /** Another connection to the same store, as another process of the service would hold. */
  another(): Promise<EventStore>;
  close(): Promise<void>;
}

async function opened(config: EventStoreConfig, cleanup: () => unknown): Promise<OpenedStore> {
  const store = await createEventStore(config);
  const others: EventStore[] = [];
  return {
    store,
    async another() {
      const other = await createEventStore(config);
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      await store.close();
      await cleanup();
    },
  };
}

const stores: { name: string; open(): Promise<OpenedStore> }[] = [
  {
    name: 'sqlite',
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'pc-pipeline-'));
      return opened({ kind: 'sqlite', path: join(dir, 'events.sqlite') }, () =>
        rmSync(dir, { recursive: true, force: true }),
      );
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await createTestSchema('pipeline');
      return opened({ kind: 'postgres', url: pgUrl(), schema: schema.name }, () => schema.drop());
    },
  },
];

describe.each(stores)('the command pipeline ($name)', ({ open }) => {
  let store: EventStore;
  let another: () => Promise<EventStore>;
  let close: () => Promise<void>;
  beforeAll(async () => ({ store, another, close } = await open()));
  afterAll(() => close());

  const pipeline = (options: { cacheSize?: number; maxAttempts?: number } = {}) =>
    createCommandPipeline({ store, commands, ...options });
  const id = () => randomUUID().slice(0, 8);
  /** The store, with its append replaced. */
  const withAppend = (append: EventStore['append']): EventStore => storeWithAppend(store, append);

  it('appends decided events with the full metadata envelope and a hash chain', async () => {
    const c = id();
    const p = pipeline();
    const first = await p.execute(
      'Increment',
      { id: c, by: 2 },
      ctx({ commandId: 'a6c1b9a4-0000-4000-8000-000000000001' }),
    );
    expect(first).toMatchObject({
      streamName: `counter-${c}`,
      revision: 0,
      eventTypes: ['Incremented'],
      replayed: false,
    });
    expect(first.position).toEqual(expect.any(String));
    expect(first.ids.tag).toMatch(/^[0-9a-f-]{36}$/);
    await p.execute('Increment', { id: c, by: 3 }, ctx());
    const events = await store.readStream(`counter-${c}`);
    expect(events[0].metadata).toMatchObject({
      commandId: 'a6c1b9a4-0000-4000-8000-000000000001',
      commandType: 'Increment',
      correlationId: 'corr-1',
      causationId: 'a6c1b9a4-0000-4000-8000-000000000001',
      actor: { kind: 'partner-user', id: 'jana', partnerId: 'p1' },
      service: { kind: 'service', id: 'admin-center' },
      occurredAt: '2026-01-05T09:00:00.000Z',
      schemaVersion: 1,
      prevHash: GENESIS_HASH,
    });
    expect(events[1].metadata.prevHash).toBe(events[0].metadata.hash);
    for (const e of events) expect(e.metadata.hash).toBe(eventHash(e.type, e.data, e.metadata));
  });

  it('a retried command id writes nothing and answers as the first time (even from a cold cache)', async () => {
    const c = id();
    const command = ctx();
    const first = await pipeline().execute('Increment', { id: c, by: 1 }, command);
    const retry = await pipeline({ cacheSize: 0 }).execute('Increment', { id: c, by: 1 }, command);
    expect(retry).toEqual({ ...first, replayed: true });
    expect(await store.readStream(`counter-${c}`)).toHaveLength(1);
  });

  // Regression: the replay decided again on the claim streams as they are now, holding the command's
  // own claim, so it was refused and answered no ids; and it listed the primary stream's events only.
  it('a retried command with claims answers as the first time: the same ids and event types', async () => {
    const command = ctx();
    const payload = { id: id(), name: `n-${id()}` };
    const first = await pipeline().execute('IncrementWithClaim', payload, command);
    expect(first.ids.tag).toEqual(expect.any(String));
    expect(first.eventTypes).toEqual(['Claimed', 'Incremented']);
    const retry = await pipeline({ cacheSize: 0 }).execute('IncrementWithClaim', payload, command);
    expect(retry).toEqual({ ...first, replayed: true });
  });

  it('a refusal writes nothing and surfaces the typed domain error', async () => {
    const c = id();
    await pipeline().execute('Increment', { id: c, by: 5 }, ctx());
    await expect(pipeline().execute('Increment', { id: c, by: 1, max: 5 }, ctx())).rejects.toMatchObject({
      code: 'over-max',
      facts: { value: 5, max: 5 },
    });
    await expect(pipeline().execute('Increment', { id: c, by: 1, max: 5 }, ctx())).rejects.toBeInstanceOf(
      DomainError,
    );
    expect(await store.readStream(`counter-${c}`)).toHaveLength(1);
  });

  it('a no-op decision writes nothing and reports the current revision', async () => {
    const c = id();
    await pipeline().execute('Increment', { id: c, by: 1 }, ctx());
    const noop = await pipeline().execute('Increment', { id: c, by: 0 }, ctx());
    expect(noop).toMatchObject({ revision: 0, position: null, eventTypes: [] });
  });

  it('If-Match: a stale expected revision is a PreconditionFailedError, never retried', async () => {
    const c = id();
    await pipeline().execute('Increment', { id: c, by: 1 }, ctx());
    await pipeline().execute('Increment', { id: c, by: 1 }, ctx());
    await expect(
      pipeline().execute('Increment', { id: c, by: 1 }, ctx({ expectedRevision: 0 })),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    const ok = await pipeline().execute('Increment', { id: c, by: 1 }, ctx({ expectedRevision: 1 }));
    expect(ok.revision).toBe(2);
  });

  it('concurrent commands on one aggregate never lose an update (bounded retries on conflicts)', async () => {
    const c = id();
    // Separate pipelines (like separate service instances), each with its own cache.
    const results = await Promise.all(
      Array.from({ length: 16 }, () =>
        pipeline({ maxAttempts: 50 }).execute('Increment', { id: c, by: 1 }, ctx()),
      ),
    );
    expect(results.map((r) => r.revision).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 16 }, (_, i) => i),
    );
    const state = await pipeline().readAggregate<Counter>(`counter-${c}`, counter);
    expect(state).toEqual({ state: { value: 16 }, revision: 15 });
  });

  it('commands on one stream in one process run in arrival order: no conflict, no retry', async () => {
    const c = id();
    let retries = 0;
    const shared = createCommandPipeline({
      store,
      commands,
      observer: { conflictRetried: () => void retries++ },
    });
    const results = await Promise.all(
      Array.from({ length: 16 }, () => shared.execute('Increment', { id: c, by: 1 }, ctx())),
    );
    // Without per-stream ordering they would all decide on revision -1 (one group commit on SQLite,
    // concurrent reads on PostgreSQL) and fifteen would retry.
    expect(results.map((r) => r.revision)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(retries).toBe(0);
  });

  it('gives up with a ConcurrencyConflictError after the bounded attempts', async () => {
    const c = id();
    const racing = createCommandPipeline({
      // Another writer always gets in first.
      store: withAppend(async (s, events, o) => {
        await store.append(s, [{ id: randomUUID(), type: 'Incremented', data: { by: 1 } }]);
        return store.append(s, events, o);
      }),
      commands,
      maxAttempts: 3,
    });
    await expect(racing.execute('Increment', { id: c, by: 1 }, ctx())).rejects.toBeInstanceOf(
      ConcurrencyConflictError,
    );
  });

  it('writes claims before the primary stream, and a raced claim makes exactly one command win', async () => {
    const name = `n-${id()}`;
    const [a, b] = await Promise.allSettled([
      pipeline().execute('IncrementWithClaim', { id: id(), name }, ctx()),
      pipeline().execute('IncrementWithClaim', { id: id(), name }, ctx()),
    ]);
    const outcomes = [a, b].map((o) => o.status);
    expect(outcomes.sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = [a, b].find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'name-taken' });
    expect(await store.readStream(`claim-${name}`)).toHaveLength(1);
  });

  it('a command retried after a crash between its claim and its primary write completes once', async () => {
    const c = id();
    const name = `n-${id()}`;
    const command = ctx();
    let crash = true;
    let dead = false;
    const crashing = createCommandPipeline({
      // The process dies when it reaches the primary write: nothing it tries afterwards lands
      // (not even the pipeline's best-effort release of the claim).
      store: withAppend(async (s, events, o) => {
        if (crash && (dead || s.startsWith('counter-'))) {
          dead = true;
          throw new Error('process died');
        }
        return store.append(s, events, o);
      }),
      commands,
    });
    await expect(crashing.execute('IncrementWithClaim', { id: c, name }, command)).rejects.toThrow(
      'process died',
    );
    expect(await store.readStream(`claim-${name}`)).toHaveLength(1);
    crash = false;
    // The client retries later: same command id, another business time (so other metadata and hashes).
    const later = pipeline();
    const retried = await later.execute(
      'IncrementWithClaim',
      { id: c, name },
      { ...command, now: '2026-01-06T00:00:00.000Z' },
    );
    expect(retried.replayed).toBe(false);
    expect(await store.readStream(`claim-${name}`)).toHaveLength(1);
    expect(await store.readStream(`counter-${c}`)).toHaveLength(1);
    // Regression: the next event on the claim stream chains to the hash the STORE holds, not to the
    // hash of the re-append the store ignored.
    await later.execute('Note', { name }, ctx());
    const chain = await store.readStream(`claim-${name}`);
    expect(chain[1].metadata.prevHash).toBe(chain[0].metadata.hash);
  });

  /** A pipeline whose process dies at the primary write: nothing it tries afterwards lands (no release either). */
  function diesAtPrimaryWrite() {
    let dead = false;
    return createCommandPipeline({
      store: withAppend(async (s, events, o) => {
        if (dead || s.startsWith('counter-')) {
          dead = true;
          throw new Error('process died');
        }
        return store.append(s, events, o);
      }),
      commands,
    });
  }

  // Regression: the If-Match check ran before the crashed attempt's claims were known, so the
  // refusal released nothing and the claim stayed taken by a command that never happened.
  it('a retry refused by a stale If-Match gives back the claim a crashed attempt left', async () => {
    const [c, name] = [id(), `n-${id()}`];
    const command = ctx();
    const crashing = diesAtPrimaryWrite();
    await pipeline().execute('Increment', { id: c, by: 1 }, ctx());
    await expect(crashing.execute('IncrementWithClaim', { id: c, name }, command)).rejects.toThrow(
      'process died',
    );
    await pipeline().execute('Increment', { id: c, by: 1 }, ctx());
    await expect(
      pipeline().execute('IncrementWithClaim', { id: c, name }, { ...command, expectedRevision: 0 }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.readStream(`claim-${name}`)).map((e) => e.type)).toEqual([
      'Claimed',
      'ClaimReleased',
    ]);
  });

  // Regression: a primary write that committed but whose answer was lost (a connection dropped at
  // COMMIT) had its claims released, freeing the name for a second command while the first stood.
  it('keeps the claims of a command whose primary write committed though its answer was lost', async () => {
    const [c, name] = [id(), `n-${id()}`];
    const command = ctx();
    const lossy = createCommandPipeline({
      store: withAppend(async (s, events, o) => {
        const result = await store.append(s, events, o);
        if (s.startsWith('counter-')) throw new EventStoreUnavailableError('connection lost at COMMIT');
        return result;
      }),
      commands,
    });
    await expect(lossy.execute('IncrementWithClaim', { id: c, name }, command)).rejects.toBeInstanceOf(
      EventStoreUnavailableError,
    );
    expect((await store.readStream(`claim-${name}`)).map((e) => e.type)).toEqual(['Claimed']);
    await expect(pipeline().execute('IncrementWithClaim', { id: id(), name }, ctx())).rejects.toMatchObject({
      code: 'name-taken',
    });
    expect((await pipeline().execute('IncrementWithClaim', { id: c, name }, command)).replayed).toBe(true);
  });

  it('a command refused after writing a claim gives it back (nothing stays claimed by a command that never happened)', async () => {
    const [domainA, domainB, key] = [`d-${id()}`, `d-${id()}`, `k-${id()}`];
    // Two commands race for the same `second` claim (a product key), each with its own `first` (a domain).
    const results = await Promise.allSettled([
      pipeline().execute('ClaimTwo', { id: id(), first: domainA, second: key }, ctx()),
      pipeline().execute('ClaimTwo', { id: id(), first: domainB, second: key }, ctx()),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const loserFirst = results[0].status === 'rejected' ? domainA : domainB;
    const winnerFirst = loserFirst === domainA ? domainB : domainA;
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({
      code: 'second-taken',
    });
    const loserEvents = await store.readStream(`claim-${loserFirst}`);
    expect(loserEvents.map((e) => e.type)).toEqual(['Claimed', 'ClaimReleased']);
    expect(loserEvents[1].data).toMatchObject({ undoes: ['Claimed'], reason: 'second-taken' });
    expect(loserEvents[1].metadata.prevHash).toBe(loserEvents[0].metadata.hash);
    expect((await store.readStream(`claim-${winnerFirst}`)).map((e) => e.type)).toEqual(['Claimed']);
    // The released claim can be taken by someone else.
    const other = await pipeline().execute(
      'ClaimTwo',
      { id: id(), first: loserFirst, second: `k-${id()}` },
      ctx(),
    );
    expect(other.eventTypes).toEqual(['Claimed', 'Claimed', 'Incremented']);
  });

  /**
   * ClaimTwo refused after its claim of `first` landed: right then someone else takes `second`, so
   * the command is refused and gives `first` back.
   */
  async function refusedAfterClaiming(first: string, second: string, c: string, command: CommandContext) {
    const interleaved = createCommandPipeline({
      store: withAppend(async (s, events, o) => {
        const result = await store.append(s, events, o);
        if (s === `claim-${first}`) {
          await pipeline().execute('ClaimTwo', { id: id(), first: `d-${id()}`, second }, ctx());
        }
        return result;
      }),
      commands,
    });
    await expect(interleaved.execute('ClaimTwo', { id: c, first, second }, command)).rejects.toMatchObject({
      code: 'second-taken',
    });
  }

  // Regression: a refused command gave its claim back although another command had built on it
  // meanwhile (a refused key batch "unregistered" a key that had just been applied), which freed the
  // key for a second use.
  it('keeps a claim another command has built on since, and says so to the observer', async () => {
    const [first, second, c] = [`d-${id()}`, `k-${id()}`, id()];
    const kept: string[] = [];
    const interleaved = createCommandPipeline({
      store: withAppend(async (s, events, o) => {
        const result = await store.append(s, events, o);
        if (s === `claim-${first}`) {
          await pipeline().execute('Note', { name: first }, ctx());
          await pipeline().execute('ClaimTwo', { id: id(), first: `d-${id()}`, second }, ctx());
        }
        return result;
      }),
      commands,
      observer: { claimKept: (_type, stream, why) => void kept.push(`${stream}:${why}`) },
    });
    await expect(interleaved.execute('ClaimTwo', { id: c, first, second }, ctx())).rejects.toMatchObject({
      code: 'second-taken',
    });
    expect((await store.readStream(`claim-${first}`)).map((e) => e.type)).toEqual(['Claimed', 'Noted']);
    expect(kept).toEqual([`claim-${first}:in-use`]);
  });

  it('a refused command retried with the same id, once the obstacle is gone, claims anew', async () => {
    const [first, second, c] = [`d-${id()}`, `k-${id()}`, id()];
    const command = ctx();
    await refusedAfterClaiming(first, second, c, command);
    expect((await store.readStream(`claim-${first}`)).map((e) => e.type)).toEqual([
      'Claimed',
      'ClaimReleased',
    ]);
    // Same command id, a free `second` this time: it completes, and `first` is claimed again.
    const retried = await pipeline().execute('ClaimTwo', { id: c, first, second: `k-${id()}` }, command);
    expect(retried.replayed).toBe(false);
    expect((await store.readStream(`claim-${first}`)).map((e) => e.type)).toEqual([
      'Claimed',
      'ClaimReleased',
      'Claimed',
    ]);
  });

  // Regression: after a release and a new claim, a crash before the primary write left a command that
  // could never complete: its retry re-appended the new claim where the FIRST one had stood.
  it('a command refused, re-claimed and then crashed completes on its next retry', async () => {
    const [first, second, c] = [`d-${id()}`, `k-${id()}`, id()];
    const command = ctx();
    await refusedAfterClaiming(first, second, c, command);
    const freeKey = `k-${id()}`;
    const crashing = diesAtPrimaryWrite();
    await expect(crashing.execute('ClaimTwo', { id: c, first, second: freeKey }, command)).rejects.toThrow(
      'process died',
    );
    expect((await store.readStream(`claim-${first}`)).map((e) => e.type)).toEqual([
      'Claimed',
      'ClaimReleased',
      'Claimed',
    ]);
    const retried = await pipeline().execute('ClaimTwo', { id: c, first, second: freeKey }, command);
    expect(retried.replayed).toBe(false);
    expect((await store.readStream(`claim-${first}`)).map((e) => e.type)).toEqual([
      'Claimed',
      'ClaimReleased',
      'Claimed',
    ]);
    expect(await store.readStream(`counter-${c}`)).toHaveLength(1);
  });

  it('regression: reading a stream with another evolver never hands that state to a decision', async () => {
    const name = `n-${id()}`;
    await pipeline().execute('IncrementWithClaim', { id: id(), name }, ctx());
    // Another instance, cold: a query folds the claim stream with the wrong evolver first
    // (e.g. a customer read of `customer-domain-x`), which must not poison the claim check.
    const p = pipeline();
    await p.readAggregate(`claim-${name}`, counter);
    await expect(p.execute('IncrementWithClaim', { id: id(), name }, ctx())).rejects.toMatchObject({
      code: 'name-taken',
    });
    expect(await store.readStream(`claim-${name}`)).toHaveLength(1);
  });

  // Named invariant: a pipeline decides on its streams as they are in the store, not as its cache last
  // saw them. Another process (here: another pipeline on another connection) may have written since; an
  // accepted decision is guarded by the expected revision at append, but a refusal, a no-op or a replay
  // writes nothing, so nothing else would catch a stale cache. These hold for any future cache shortcut.
  describe('with another process writing the same streams', () => {
    let remote: ReturnType<typeof createCommandPipeline>;
    beforeAll(async () => {
      remote = createCommandPipeline({ store: await another(), commands });
    });

    it('a refusal is never decided on a state the other process has changed since', async () => {
      const c = id();
      const local = pipeline();
      await local.execute('Increment', { id: c, by: 5 }, ctx());
      await remote.execute('Increment', { id: c, by: -5 }, ctx());
      // The local cache says 5 (5 + 6 > 10: refused); the store says 0.
      const accepted = await local.execute('Increment', { id: c, by: 6, max: 10 }, ctx());
      expect(accepted.revision).toBe(2);
      await expect(local.execute('Increment', { id: c, by: 5, max: 10 }, ctx())).rejects.toMatchObject({
        code: 'over-max',
        facts: { value: 6, max: 10 },
      });
    });

    it('a no-op reports the revision the other process has reached', async () => {
      const c = id();
      const local = pipeline();
      await local.execute('Increment', { id: c, by: 1 }, ctx());
      await remote.execute('Increment', { id: c, by: 1 }, ctx());
      const noop = await local.execute('Increment', { id: c, by: 0 }, ctx());
      expect(noop).toMatchObject({ revision: 1, eventTypes: [] });
    });

    it('If-Match is checked against what the other process wrote', async () => {
      const c = id();
      const local = pipeline();
      await local.execute('Increment', { id: c, by: 1 }, ctx());
      await remote.execute('Increment', { id: c, by: 1 }, ctx());
      await expect(
        local.execute('Increment', { id: c, by: 0 }, ctx({ expectedRevision: 0 })),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
    });

    it('a command the other process completed is a replay here, and the hash chain stays whole', async () => {
      const name = `n-${id()}`;
      const local = pipeline();
      await local.execute('Note', { name }, ctx());
      const command = ctx({ now: '2026-01-05T09:00:01.000Z' });
      const first = await remote.execute('Note', { name }, command);
      // The same command id (a client's retry to another instance), with another clock reading.
      const retry = await local.execute('Note', { name }, { ...command, now: '2026-01-05T09:00:02.000Z' });
      expect(retry).toEqual({ ...first, replayed: true });
      await local.execute('Note', { name }, ctx());
      const events = await store.readStream(`claim-${name}`);
      expect(events).toHaveLength(3);
      events.forEach((e, i) => {
        expect(e.metadata.prevHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1].metadata.hash);
        expect(e.metadata.hash).toBe(eventHash(e.type, e.data, e.metadata));
      });
    });

    // Regression: when both processes had read the stream before either wrote, the second append of
    // the same event ids was taken by the store as an idempotent retry, and this process cached its
    // own events (other metadata, other hashes) as the stream's: its next event broke the hash chain.
    it('the same command id raced from both processes: one writes, the other answers as a replay', async () => {
      const name = `n-${id()}`;
      await pipeline().execute('Note', { name }, ctx());
      const command = ctx({ now: '2026-01-05T09:00:01.000Z' });
      let first: Awaited<ReturnType<typeof remote.execute>> | undefined;
      const racing = createCommandPipeline({
        store: withAppend(async (s, events, o) => {
          // This process has read and decided; the other one writes the same command before it.
          if (first === undefined && events[0].metadata?.commandId === command.commandId)
            first = await remote.execute('Note', { name }, command);
          return store.append(s, events, o);
        }),
        commands,
      });
      await racing.execute('Note', { name }, ctx());
      const retry = await racing.execute('Note', { name }, { ...command, now: '2026-01-05T09:00:02.000Z' });
      expect(retry).toEqual({ ...first, replayed: true });
      await racing.execute('Note', { name }, ctx());
      const events = await store.readStream(`claim-${name}`);
      expect(events).toHaveLength(4);
      events.forEach((e, i) => {
        expect(e.metadata.prevHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1].metadata.hash);
      });
    });
  });
});
