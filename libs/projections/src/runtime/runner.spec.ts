import { randomUUID } from 'node:crypto';
import { upsert } from '../definition/changes';
import { defineProjection } from '../definition/projection';
import { SqliteReadModelStore } from '../store/sqlite-store';
import { eventually, InMemoryEventStore, project } from '../testing';
import { streamStats, touchy } from '../testing/sample-projections';
import { GenerationLoop } from './generation-loop';
import { silentLogger } from './projection-worker';
import { rebuildInto } from './rebuild-into';
import { ProjectionRunner, type ProjectionChange } from './runner';

const fragile = defineProjection({
  name: 'fragile',
  version: 1,
  schema: { tables: { seen: { columns: { id: 'text', type: 'text' }, primaryKey: ['id'] } } },
  eventTypePrefixes: ['Sample.'],
  apply(event) {
    if (event.type === 'Sample.Poison') throw new Error('cannot handle poison');
    return [upsert('seen', { id: event.id }, { type: event.type })];
  },
});

function sample(type = 'Sample.Created', partnerId = 'p1') {
  return { id: randomUUID(), type, data: { partnerId } };
}

describe('ProjectionRunner (in-memory event store, in-memory SQLite read models)', () => {
  let events: InMemoryEventStore;
  let store: SqliteReadModelStore;
  let runner: ProjectionRunner;

  beforeEach(async () => {
    events = new InMemoryEventStore();
    store = new SqliteReadModelStore({ path: ':memory:' });
    await store.init();
  });
  afterEach(async () => {
    await runner?.stop();
    await store.close();
    jest.restoreAllMocks();
  });

  const start = async (projections = [streamStats, fragile], batchSize = 50) => {
    runner = new ProjectionRunner({ eventStore: events, store, projections, batchSize, retryBackoffMs: 20 });
    await runner.start();
    return runner;
  };

  it('catches up, then follows live events, and equals a pure in-memory projection', async () => {
    for (let i = 0; i < 120; i++) await events.append(`s-${i % 7}`, [sample()]);
    await start();
    await events.append('other', [{ id: randomUUID(), type: 'Unrelated.Thing', data: {} }]);
    const last = await events.append('s-1', [sample('Sample.Flagged')]);
    expect(await runner.waitForPosition(last.position, 30_000)).toBe(true);
    expect(await store.dumpTables(streamStats)).toEqual(await project(streamStats, events.log));
    const [status] = await runner.status();
    expect(status).toMatchObject({
      name: 'stream_stats',
      state: 'running',
      position: last.position,
      ownedHere: true,
    });
    expect(status.lag).toEqual({ events: 0, eventsCapped: false, seconds: 0 });
  });

  it('reaches a position held by an event the projection does not read', async () => {
    await start();
    await events.append('s-1', [sample()]);
    const unrelated = await events.append('other', [{ id: randomUUID(), type: 'Unrelated.Thing', data: {} }]);
    expect(await runner.waitForPosition(unrelated.position, 30_000, ['stream_stats'])).toBe(true);
  });

  it("a position this process's runner committed is answered from memory, without reading the store", async () => {
    await start([streamStats]);
    const first = await events.append('s-1', [sample()]);
    expect(await runner.waitForPosition(first.position, 30_000)).toBe(true);
    const reads = jest.spyOn(store, 'listGenerations');
    const storeReads = jest.spyOn(events, 'readAll');
    const second = await events.append('s-1', [sample()]);
    await eventually('second committed', async () => (await runner.status())[0].position === second.position);
    reads.mockClear();
    storeReads.mockClear();
    expect(await runner.waitForPosition(first.position, 30_000)).toBe(true);
    expect(await runner.waitForPosition(second.position, 30_000)).toBe(true);
    expect(reads).not.toHaveBeenCalled();
    expect(storeReads).not.toHaveBeenCalled();
    // An event it does not read: the log is asked from the last commit, the generation records are not.
    const unrelated = await events.append('other', [{ id: randomUUID(), type: 'Unrelated.Thing', data: {} }]);
    expect(await runner.waitForPosition(unrelated.position, 30_000)).toBe(true);
    expect(reads).not.toHaveBeenCalled();
    expect(storeReads).toHaveBeenCalledWith(expect.objectContaining({ fromPosition: second.position }));
  });

  it('waitForPosition answers false on timeout for a projection that cannot get there', async () => {
    await start();
    const poison = await events.append('s-1', [sample('Sample.Poison')]);
    await eventually('fragile stopped', async () => (await runner.status())[1].state === 'stopped-on-error');
    expect(await runner.waitForPosition(poison.position, 50, ['fragile'])).toBe(false);
    expect(await runner.waitForPosition(poison.position, 30_000, ['stream_stats'])).toBe(true);
  });

  it('stops only the failing projection, recording the event; resume retries it', async () => {
    await start();
    await events.append('s-1', [sample()]);
    const poison = await events.append('s-2', [sample('Sample.Poison')]);
    const after = await events.append('s-3', [sample()]);
    expect(await runner.waitForPosition(after.position, 30_000, ['stream_stats'])).toBe(true);
    await eventually('fragile stopped', async () => (await runner.status())[1].state === 'stopped-on-error');
    const fragileStatus = (await runner.status())[1];
    expect(fragileStatus.error).toMatchObject({
      eventId: events.log[1].id,
      eventType: 'Sample.Poison',
      position: poison.position,
      message: 'Error: cannot handle poison',
    });
    // Events before the poison were committed; the checkpoint sits just before it.
    expect(fragileStatus.position).toBe(events.log[0].position);
    expect(fragileStatus.lag.events).toBe(2);
    expect((await store.listGenerations('fragile'))[0].error?.eventId).toBe(events.log[1].id);
    await runner.resume('fragile');
    // Carried out by the lease holder (here), then cleared: not a request left waiting.
    await eventually(
      'the resume carried out',
      async () => (await store.pendingRequests('fragile')).length === 0,
    );
    await eventually(
      'stopped again on the same event',
      async () => (await runner.status())[1].state === 'stopped-on-error',
    );
  });

  it('retries a batch whose row load failed (the store was down) from the checkpoint, blaming no event', async () => {
    for (let i = 0; i < 40; i++) await events.append(`s-${i % 5}`, [sample()]);
    const warnings: string[] = [];
    // streamStats reads its own rows: the first read fails as a dropped connection would.
    jest
      .spyOn(store, 'loadRow')
      .mockRejectedValueOnce(
        Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' }),
      );
    runner = new ProjectionRunner({
      eventStore: events,
      store,
      projections: [streamStats],
      batchSize: 10,
      retryBackoffMs: 20,
      logger: { ...silentLogger, warn: (_context, message) => warnings.push(message) },
    });
    await runner.start();
    const last = events.log[events.log.length - 1];
    await eventually('settled', async () =>
      ['running', 'stopped-on-error'].includes((await runner.status())[0].state),
    );
    const [status] = await runner.status();
    expect(status).toMatchObject({ state: 'running', error: null, position: last.position });
    expect((await store.listGenerations('stream_stats'))[0]).toMatchObject({ state: 'running', error: null });
    expect(warnings).toContain('transient error, retrying');
    expect(await store.dumpTables(streamStats)).toEqual(await project(streamStats, events.log));
  });

  it('a rebuild swapped in after the live generation stopped on an error leaves the projection running', async () => {
    const poisonous = { now: true };
    await start([touchy(poisonous)]);
    await events.append('s-1', [sample()]);
    await events.append('s-2', [sample('Sample.Poison')]);
    await eventually('stopped', async () => (await runner.status())[0].state === 'stopped-on-error');
    poisonous.now = false; // the fix is deployed; the operator asks for a rebuild
    const swapped = new Promise<void>((resolve) => runner.changes$.subscribe((c) => c.swapped && resolve()));
    await runner.rebuild('touchy');
    await swapped;
    const last = await events.append('s-3', [sample()]);
    expect(await runner.waitForPosition(last.position, 30_000)).toBe(true);
    await eventually('caught up', async () => (await runner.status())[0].state !== 'catching-up');
    expect((await runner.status())[0]).toMatchObject({
      state: 'running',
      generation: 2,
      error: null,
      rebuild: null,
    });
  });

  it('reports a rebuild that failed beside a healthy live generation, and a new request starts it again', async () => {
    const poisonous = { now: false };
    await start([touchy(poisonous)]);
    await events.append('s-1', [sample(), sample('Sample.Poison')]);
    const live = await events.append('s-2', [sample()]);
    expect(await runner.waitForPosition(live.position, 30_000)).toBe(true);
    poisonous.now = true; // a bug shipped: the live generation is past the event, a rebuild is not
    await runner.rebuild('touchy');
    await eventually('rebuild failed', async () => (await runner.status())[0].rebuild?.error != null);
    // The live generation still serves and follows: not 'rebuilding' for ever, not stopped either.
    expect((await runner.status())[0]).toMatchObject({
      state: 'running',
      generation: 1,
      error: null,
      rebuild: {
        generation: 2,
        position: events.log[0].position,
        error: expect.objectContaining({ eventId: events.log[1].id, eventType: 'Sample.Poison' }),
      },
    });
    poisonous.now = false; // fixed: a new request drops the failed generation and starts over
    const dropped = jest.spyOn(store, 'dropGeneration');
    await runner.rebuild('touchy');
    await eventually(
      'rebuilt anew and swapped in',
      async () => (await store.activeGeneration('touchy')) === 2,
    );
    expect(dropped.mock.calls).toEqual([
      ['touchy', 2], // the failed rebuild
      ['touchy', 1], // the generation it replaced
    ]);
    expect((await store.listGenerations('touchy')).map((g) => g.generation)).toEqual([2]);
    await eventually('running', async () => (await runner.status())[0].state === 'running');
    expect((await runner.status())[0]).toMatchObject({ generation: 2, error: null, rebuild: null });
    expect((await store.dumpTables(touchy(poisonous))).seen).toHaveLength(3);
  });

  it('a store error while starting a requested rebuild stops the running loops before starting again', async () => {
    const started: GenerationLoop[] = [];
    const start_ = GenerationLoop.prototype.start;
    jest.spyOn(GenerationLoop.prototype, 'start').mockImplementation(function (this: GenerationLoop) {
      if (!started.includes(this)) started.push(this);
      return start_.call(this);
    });
    await start([streamStats]);
    const first = await events.append('s-1', [sample()]);
    expect(await runner.waitForPosition(first.position, 30_000)).toBe(true);
    jest.spyOn(store, 'createGeneration').mockRejectedValueOnce(new Error('database is locked'));
    await runner.rebuild('stream_stats');
    await eventually('a loop started after the failure', () => started.length >= 2);
    // Never two loops on one generation: the first would keep running unreferenced beside the second.
    const running = started.filter((loop) => loop.exitReason === null).map((loop) => loop.generation);
    expect(new Set(running).size).toBe(running.length);
    // The request is not lost with the failure.
    await eventually(
      'rebuilt and swapped in',
      async () => (await store.activeGeneration('stream_stats')) === 2,
    );
    const last = await events.append('s-2', [sample()]);
    expect(await runner.waitForPosition(last.position, 30_000)).toBe(true);
    expect(started.filter((loop) => loop.exitReason === null).map((loop) => loop.generation)).toEqual([2]);
    expect(await store.dumpTables(streamStats)).toEqual(await project(streamStats, events.log));
  });

  it('a graceful stop does not read the rest of the backlog into memory', async () => {
    for (let i = 0; i < 20; i++)
      await events.append(
        `s-${i}`,
        Array.from({ length: 50 }, () => sample()),
      );
    let delivered = 0;
    const subscribe = events.subscribeToAll.bind(events);
    jest.spyOn(events, 'subscribeToAll').mockImplementation((options) => {
      const subscription = subscribe(options);
      return {
        close: () => subscription.close(),
        async *[Symbol.asyncIterator]() {
          for await (const message of subscription) {
            delivered++;
            yield message;
          }
        },
      };
    });
    // The first commit hangs until released: the stop comes while it is in flight.
    let release: (() => void) | undefined;
    let inFlight: string | undefined;
    const commit = store.commit.bind(store);
    jest.spyOn(store, 'commit').mockImplementationOnce(async (request) => {
      inFlight = request.position;
      await new Promise<void>((resolve) => (release = resolve));
      return commit(request);
    });
    runner = new ProjectionRunner({ eventStore: events, store, projections: [streamStats], batchSize: 10 });
    await runner.start();
    await eventually('first commit in flight', () => release !== undefined);
    const stopping = runner.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    release?.();
    await stopping;
    // One batch in flight, the queue's bound (2 × batchSize) and the message the pump held: not 1,000.
    expect(delivered).toBeLessThanOrEqual(40);
    // Graceful all the same: the batch in flight committed.
    expect((await store.listGenerations('stream_stats'))[0].position).toBe(inFlight);
  });

  it('publishes committed batches with the affected partner ids', async () => {
    await start([streamStats]);
    const seen: ProjectionChange[] = [];
    runner.changes$.subscribe((change) => seen.push(change));
    await events.append('s-1', [sample('Sample.Created', 'p7')]);
    const last = await events.append('s-2', [sample('Sample.Created', 'p8')]);
    await runner.waitForPosition(last.position, 30_000);
    await eventually('both notified', () => new Set(seen.flatMap((c) => c.partnerIds)).size === 2);
    expect(seen[seen.length - 1]).toMatchObject({ projection: 'stream_stats', position: last.position });
  });

  it.each([
    [0, 'one batch each (or nearly: a slow machine may pair two)'],
    [400, 'one batch'],
  ])('with a live batch window of %i ms, five events 20 ms apart commit in %s', async (window) => {
    runner = new ProjectionRunner({
      eventStore: events,
      store,
      projections: [streamStats],
      liveBatchWindowMs: window,
      retryBackoffMs: 20,
    });
    await runner.start();
    const first = await events.append('s-1', [sample()]);
    expect(await runner.waitForPosition(first.position, 30_000)).toBe(true);
    const seen: ProjectionChange[] = [];
    runner.changes$.subscribe((change) => seen.push(change));
    let last = first;
    for (let i = 0; i < 5; i++) {
      last = await events.append('s-1', [sample()]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await runner.waitForPosition(last.position, 30_000)).toBe(true);
    if (window === 0) expect(seen.length).toBeGreaterThanOrEqual(3);
    else expect(seen).toHaveLength(1);
    expect(seen[seen.length - 1].position).toBe(last.position);
    expect(await store.dumpTables(streamStats)).toEqual(await project(streamStats, events.log));
  });

  // Regression: the subscription hands events over one by one, and the loop used to wake on the first,
  // committing a batch of one event per transaction all through catch-up.
  it('catches up in full batches, not one transaction per event', async () => {
    for (let i = 0; i < 300; i++) await events.append(`s-${i % 7}`, [sample()]);
    runner = new ProjectionRunner({ eventStore: events, store, projections: [streamStats], batchSize: 100 });
    const seen: ProjectionChange[] = [];
    runner.changes$.subscribe((change) => seen.push(change));
    await runner.start();
    expect(await runner.waitForPosition(events.log[299].position, 30_000)).toBe(true);
    expect(seen.length).toBeLessThanOrEqual(6);
    expect(await store.dumpTables(streamStats)).toEqual(await project(streamStats, events.log));
  });

  it('rebuilds beside the live tables and swaps atomically, ending equal', async () => {
    for (let i = 0; i < 200; i++) await events.append(`s-${i % 13}`, [sample()]);
    await start([streamStats], 17);
    const before = await events.append('s-1', [sample()]);
    await runner.waitForPosition(before.position, 30_000);
    const live = await store.dumpTables(streamStats);
    const swapped = new Promise<ProjectionChange>((resolve) =>
      runner.changes$.subscribe((change) => change.swapped && resolve(change)),
    );
    await runner.rebuild('stream_stats');
    await swapped;
    expect(await store.activeGeneration('stream_stats')).toBe(2);
    expect((await store.listGenerations('stream_stats')).map((g) => g.generation)).toEqual([2]);
    expect(await store.dumpTables(streamStats)).toEqual(live);
    const tables = store.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'stream_stats%'")
      .all();
    expect(tables.map((t) => (t as { name: string }).name).sort()).toEqual([
      'stream_stats__streams__g2',
      'stream_stats__totals__g2',
    ]);
  });

  it('rebuilds automatically when the projection version changes', async () => {
    await events.append('s-1', [sample()]);
    await start([streamStats]);
    const first = await events.append('s-1', [sample()]);
    await runner.waitForPosition(first.position, 30_000);
    await runner.stop();
    const v2 = { ...streamStats, version: 2 };
    await start([v2]);
    await eventually('generation 2 active', async () => (await store.activeGeneration('stream_stats')) === 2);
    expect(await store.dumpTables(streamStats)).toEqual(await project(streamStats, events.log));
  });

  it('rebuildInto builds a scratch copy up to a position without touching live tables', async () => {
    for (let i = 0; i < 30; i++) await events.append(`s-${i % 4}`, [sample()]);
    const scratch = new SqliteReadModelStore({ path: ':memory:' });
    try {
      const upTo = events.log[9].position;
      const result = await rebuildInto(events, streamStats, scratch, { upToPosition: upTo, batchSize: 4 });
      expect(result).toMatchObject({ position: upTo, events: 10 });
      expect(await scratch.dumpTables(streamStats)).toEqual(
        await project(streamStats, events.log.slice(0, 10)),
      );
      expect(await store.activeGeneration('stream_stats')).toBeNull();
    } finally {
      await scratch.close();
    }
  });

  it('rebuildInto stops at the next batch once its signal is aborted, throwing the reason', async () => {
    for (let i = 0; i < 30; i++) await events.append(`s-${i % 4}`, [sample()]);
    const scratch = new SqliteReadModelStore({ path: ':memory:' });
    const controller = new AbortController();
    const gone = new Error('the auditor hung up');
    const readAll = events.readAll.bind(events);
    let reads = 0;
    jest.spyOn(events, 'readAll').mockImplementation(async (options) => {
      // The client goes away while the second batch is read.
      if (++reads === 2) controller.abort(gone);
      return readAll(options);
    });
    try {
      await expect(
        rebuildInto(events, streamStats, scratch, { batchSize: 4, signal: controller.signal }),
      ).rejects.toBe(gone);
      // The batch in flight was applied; no third read.
      expect(reads).toBe(2);
      expect(await scratch.dumpTables(streamStats)).toEqual(
        await project(streamStats, events.log.slice(0, 8)),
      );
      // Aborted before it starts: not a single read.
      reads = 0;
      await expect(rebuildInto(events, streamStats, scratch, { signal: controller.signal })).rejects.toBe(
        gone,
      );
      expect(reads).toBe(0);
    } finally {
      jest.restoreAllMocks();
      await scratch.close();
    }
  });
});
