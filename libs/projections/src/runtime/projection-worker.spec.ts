import { randomUUID } from 'node:crypto';
import type { Position } from '@pc/event-store';
import type { LeaseManager } from '../store/read-model-store';
import { SqliteReadModelStore } from '../store/sqlite-store';
import { eventually, InMemoryEventStore } from '../testing';
import { streamStats } from '../testing/sample-projections';
import { ProjectionWorker, type RunnerLogger, type WorkerOptions } from './projection-worker';

interface LogLine {
  level: 'info' | 'warn' | 'error';
  context: object;
  message: string;
}

/**
 * A retired generation whose drop could not happen (on PostgreSQL: a reader still held its tables and
 * the store gave up after its lock timeout) is dropped later, in the background, without holding the
 * projection back. The PostgreSQL store's own behaviour is in test/projections/retired-generation-drop.test.ts.
 */
describe('ProjectionWorker: dropping retired generations a reader holds', () => {
  let events: InMemoryEventStore;
  let store: SqliteReadModelStore;
  let leases: LeaseManager;
  let logs: LogLine[];
  const workers: ProjectionWorker[] = [];

  beforeEach(async () => {
    events = new InMemoryEventStore();
    store = new SqliteReadModelStore({ path: ':memory:' });
    await store.init();
    leases = store.leases('worker-spec', 1000);
    logs = [];
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await leases.close();
    await store.close();
    jest.restoreAllMocks();
  });

  const logger: RunnerLogger = {
    info: (context, message) => logs.push({ level: 'info', context, message }),
    warn: (context, message) => logs.push({ level: 'warn', context, message }),
    error: (context, message) => logs.push({ level: 'error', context, message }),
  };

  const start = (options: Partial<WorkerOptions> = {}) => {
    const worker = new ProjectionWorker(streamStats, {
      eventStore: events,
      store,
      leases,
      batchSize: 50,
      liveBatchWindowMs: 0,
      retryBackoffMs: 20,
      leaseRetryMs: 100,
      logger,
      onCommitted: () => undefined,
      maxDropRetryMs: 80,
      ...options,
    });
    workers.push(worker);
    worker.start();
    return worker;
  };

  /**
   * The store answers as PostgreSQL does while a reader holds a retired generation's tables:
   * `dropped: false`, the generation left as it was (or, with `fail`, the drop throws).
   */
  const holdRetired = (how: { fail?: boolean } = {}) => {
    const drop = store.dropGeneration.bind(store);
    const calls: number[] = [];
    let held = true;
    jest.spyOn(store, 'dropGeneration').mockImplementation(async (projection, generation) => {
      const record = (await store.listGenerations(projection)).find((g) => g.generation === generation);
      if (held && record?.status === 'retired') {
        calls.push(Date.now());
        if (how.fail) throw new Error('connection terminated');
        return { dropped: false };
      }
      return drop(projection, generation);
    });
    return {
      calls,
      release: () => {
        held = false;
      },
    };
  };

  const append = async (stream = 's-1'): Promise<Position> =>
    (await events.append(stream, [{ id: randomUUID(), type: 'Sample.Created', data: { partnerId: 'p1' } }]))
      .position;
  const checkpointOf = async (generation: number) =>
    (await store.listGenerations('stream_stats')).find((g) => g.generation === generation)?.position;
  const statuses = async () =>
    (await store.listGenerations('stream_stats')).map((g) => [g.generation, g.status]);

  it('after a swap: the new generation runs at once, the old one is dropped later with growing pauses', async () => {
    await append();
    const worker = start();
    await eventually('running', () => worker.state === 'running');
    const held = holdRetired();
    await worker.requestRebuild();
    await eventually('swapped', async () => (await store.activeGeneration('stream_stats')) === 2);
    const live = await append('s-2');
    await eventually('a live batch in the new generation', async () => (await checkpointOf(2)) === live);
    expect(await statuses()).toEqual([
      [1, 'retired'],
      [2, 'live'],
    ]);
    expect(logs).toContainEqual({
      level: 'info',
      context: { projection: 'stream_stats', generation: 1 },
      message: 'retired generation still read, dropping it later',
    });

    await eventually('a few retries', () => held.calls.length >= 5, 5000);
    // 20 ms, then twice as long each time up to maxDropRetryMs (timers may fire a little late, never
    // much early).
    const pauses = held.calls.slice(1).map((at, i) => at - held.calls[i]);
    pauses.forEach((pause, i) => expect(pause).toBeGreaterThanOrEqual(Math.min(20 * 2 ** i, 80) - 5));

    held.release();
    await eventually('generation 1 dropped', async () => (await statuses()).length === 1, 5000);
    expect(await statuses()).toEqual([[2, 'live']]);
    expect(logs).toContainEqual({
      level: 'info',
      context: { projection: 'stream_stats', generation: 1 },
      message: 'retired generation dropped',
    });
    expect(worker.state).toBe('running');
  });

  it('at start-up: one try at each retired generation, then it runs; the drop follows later', async () => {
    await store.createGeneration(streamStats, 1, { activate: true });
    await store.createGeneration(streamStats, 2, { activate: false });
    await store.activateGeneration('stream_stats', 2);
    const held = holdRetired();
    const worker = start();
    const live = await append();
    await eventually('a live batch', async () => (await checkpointOf(2)) === live);
    expect(worker.state).toBe('running');
    expect(await statuses()).toEqual([
      [1, 'retired'],
      [2, 'live'],
    ]);
    held.release();
    await eventually('generation 1 dropped', async () => (await statuses()).length === 1, 5000);
    expect(await statuses()).toEqual([[2, 'live']]);
  });

  it('a drop that fails is logged and tried again', async () => {
    await append();
    const worker = start();
    await eventually('running', () => worker.state === 'running');
    const held = holdRetired({ fail: true });
    await worker.requestRebuild();
    await eventually('a few failed tries', () => held.calls.length >= 2, 5000);
    expect(worker.state).toBe('running');
    expect(logs).toContainEqual({
      level: 'warn',
      context: { projection: 'stream_stats', generation: 1, error: 'Error: connection terminated' },
      message: 'dropping a retired generation failed, retrying later',
    });
    held.release();
    await eventually('generation 1 dropped', async () => (await statuses()).length === 1, 5000);
  });

  it('stopping the worker ends the retries at once, even in a long pause', async () => {
    await append();
    const worker = start({ retryBackoffMs: 60_000, maxDropRetryMs: 60_000 });
    await eventually('running', () => worker.state === 'running');
    const held = holdRetired();
    await worker.requestRebuild();
    await eventually('swapped', async () => (await store.activeGeneration('stream_stats')) === 2);
    await eventually('the first try', () => held.calls.length === 1);
    const stopping = Date.now();
    await worker.stop();
    expect(Date.now() - stopping).toBeLessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(held.calls).toHaveLength(1);
    expect(await statuses()).toEqual([
      [1, 'retired'],
      [2, 'live'],
    ]);
  });
});
