import { randomUUID } from 'node:crypto';
import type { EventStore, Position } from '@pc/event-store';
import {
  generationTableName,
  PostgresReadModelStore,
  ProjectionRunner,
  recordedStatuses,
  sql,
  upsert,
  type Projection,
  type ReadModelStore,
  type Row,
} from '@pc/projections';
import { eventually } from '@pc/projections/testing';
import { createTestSchema, pgUrl, type TestSchema } from '../support/postgres';
import { postgresBackend, type Backend } from './fixtures/backends';
import { streamStats } from './fixtures/sample-projections';

/**
 * Dropping a retired generation never waits for its readers. On PostgreSQL a paged `readRows`
 * (replay-check) holds its table in a read-only transaction until the read is over, and `DROP TABLE`
 * waits for that: a swap that waited for the drop stalled the projection (no live batches) all that
 * time, and so did a start-up sweep of retired generations.
 */

/** A paged read left open after its first page, as the auditor's replay-check leaves it between pages. */
interface HeldRead {
  first: Row[];
  /** Reads the rest of the pages (the same snapshot) and ends the read. */
  finish(): Promise<Row[]>;
  /** Ends the read early (cleanup). */
  abandon(): Promise<void>;
}

async function holdRead(
  store: ReadModelStore,
  projection: Projection,
  table: string,
  generation?: number,
): Promise<HeldRead> {
  const pages = store.readRows(projection, table, { pageSize: 1, generation })[Symbol.asyncIterator]();
  const first = await pages.next();
  if (first.done) throw new Error(`No row in ${table} to hold the read on`);
  let over = false;
  return {
    first: first.value,
    async finish() {
      const rows: Row[] = [];
      for (let page = await pages.next(); !page.done; page = await pages.next()) rows.push(...page.value);
      over = true;
      return rows;
    },
    async abandon() {
      if (!over) await pages.return?.();
      over = true;
    },
  };
}

/** Fails (rather than hangs) when `promise` takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

const statusesOf = async (store: ReadModelStore, name: string) =>
  (await store.listGenerations(name)).map((g) => [g.generation, g.status]);

const tableExists = async (
  store: PostgresReadModelStore,
  name: string,
  table: string,
  generation: number,
) => {
  const qualified = store.sqlDialect.qualify(generationTableName(name, table, generation));
  const result = await store.pool.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
    qualified,
  ]);
  return result.rows[0].found !== null;
};

describe('PostgreSQL store: dropping a generation a reader holds', () => {
  let schema: TestSchema;
  let store: PostgresReadModelStore;
  let readerStore: PostgresReadModelStore;
  const reads: HeldRead[] = [];

  beforeEach(async () => {
    schema = await createTestSchema('rm_drop');
    store = new PostgresReadModelStore({
      url: pgUrl(),
      schema: schema.name,
      poolSize: 3,
      dropLockTimeoutMs: 100,
    });
    readerStore = new PostgresReadModelStore({ url: pgUrl(), schema: schema.name, poolSize: 2 });
    await store.init();
  });
  afterEach(async () => {
    await Promise.all(reads.splice(0).map((read) => read.abandon()));
    await Promise.all([store.close(), readerStore.close()]);
    await schema.drop();
  });

  const fill = async (generation: number, streams: number) => {
    await store.commit({
      projection: streamStats,
      generation,
      expectedPosition: null,
      position: '00000000000000000001',
      recordedAt: null,
      changes: Array.from({ length: streams }, (_, i) =>
        upsert('streams', { stream: `s-${i}` }, { events: 1, last_revision: 0, last_type: 'Sample.Created' }),
      ),
    });
  };

  it('a retired generation: gives up at once, leaving it retired and whole; dropped once the read ends', async () => {
    await store.createGeneration(streamStats, 1, { activate: true });
    await fill(1, 5);
    await store.createGeneration(streamStats, 2, { activate: false });
    await store.activateGeneration('stream_stats', 2);
    const read = await holdRead(readerStore, streamStats, 'streams', 1);
    reads.push(read);

    expect(await within(store.dropGeneration('stream_stats', 1), 10_000, 'the drop')).toEqual({
      dropped: false,
    });
    expect(await statusesOf(store, 'stream_stats')).toEqual([
      [1, 'retired'],
      [2, 'live'],
    ]);
    expect(await store.activeGeneration('stream_stats')).toBe(2);
    expect((await store.dumpTables(streamStats, 1)).streams).toHaveLength(5);
    expect(await tableExists(store, 'stream_stats', 'totals', 1)).toBe(true);

    // The reader goes on with its snapshot, undisturbed.
    expect([...read.first, ...(await read.finish())].map((row) => row.stream)).toEqual([
      's-0',
      's-1',
      's-2',
      's-3',
      's-4',
    ]);
    expect(await store.dropGeneration('stream_stats', 1)).toEqual({ dropped: true });
    expect(await statusesOf(store, 'stream_stats')).toEqual([[2, 'live']]);
    expect(await tableExists(store, 'stream_stats', 'streams', 1)).toBe(false);
    expect(await tableExists(store, 'stream_stats', 'totals', 1)).toBe(false);
    // Gone already: nothing left to drop.
    expect(await store.dropGeneration('stream_stats', 1)).toEqual({ dropped: true });
  });

  it('any other generation (a failed or outdated rebuild, which nothing reads) is dropped once its readers end', async () => {
    await store.createGeneration(streamStats, 1, { activate: true });
    await store.createGeneration(streamStats, 2, { activate: false });
    await fill(2, 3);
    const read = await holdRead(readerStore, streamStats, 'streams', 2);
    reads.push(read);
    let settled = false;
    const drop = store.dropGeneration('stream_stats', 2).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(settled).toBe(false);
    await read.finish();
    expect(await drop).toEqual({ dropped: true });
    expect(await statusesOf(store, 'stream_stats')).toEqual([[1, 'live']]);
  });

  it('refuses a lock timeout that is not a positive integer (0 would mean: wait for ever)', () => {
    expect(
      () => new PostgresReadModelStore({ url: pgUrl(), schema: schema.name, dropLockTimeoutMs: 0 }),
    ).toThrow(RangeError);
  });
});

describe('PostgreSQL runner: a rebuild swapped in while a reader pages through the live tables', () => {
  let backend: Backend;
  let store: ReadModelStore;
  let readerStore: ReadModelStore;
  const runners: ProjectionRunner[] = [];
  const reads: HeldRead[] = [];

  beforeEach(async () => {
    backend = await postgresBackend();
    store = await backend.openStore();
    readerStore = await backend.openStore();
  });
  afterEach(async () => {
    // First the reads: a runner waiting for one to end could not stop.
    await Promise.all(reads.splice(0).map((read) => read.abandon()));
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await backend.cleanup();
  });

  const startRunner = async () => {
    const runner = new ProjectionRunner({
      eventStore: backend.eventStore,
      store,
      projections: [streamStats],
      batchSize: 100,
      leaseTtlMs: 1000,
      retryBackoffMs: 50,
    });
    runners.push(runner);
    await runner.start();
    return runner;
  };
  const append = async (eventStore: EventStore, stream: string): Promise<Position> =>
    (
      await eventStore.append(stream, [
        { id: randomUUID(), type: 'Sample.Created', data: { partnerId: 'p1' } },
      ])
    ).position;
  const streamCount = async () =>
    Number(
      (
        await store.query<{ n: number }>(streamStats, (t) => sql`SELECT count(*) AS n FROM ${t('streams')}`)
      )[0].n,
    );

  it('swaps and serves live batches meanwhile, then drops the old generation once the read is over', async () => {
    let last = '';
    for (let i = 0; i < 6; i++) last = await append(backend.eventStore, `s-${i}`);
    const runner = await startRunner();
    expect(await runner.waitForPosition(last, 20_000)).toBe(true);
    const read = await holdRead(readerStore, streamStats, 'streams');
    reads.push(read);

    const swapped = new Promise<void>((resolve) => runner.changes$.subscribe((c) => c.swapped && resolve()));
    await runner.rebuild('stream_stats');
    await within(swapped, 20_000, 'the swap');
    const live = await append(backend.eventStore, 's-live');
    expect(await runner.waitForPosition(live, 20_000)).toBe(true);
    expect(await streamCount()).toBe(7);
    // The retired generation is left in place, neither served nor reported.
    expect(await statusesOf(store, 'stream_stats')).toEqual([
      [1, 'retired'],
      [2, 'live'],
    ]);
    await eventually('running', async () => (await runner.status())[0].state === 'running');
    expect((await runner.status())[0]).toMatchObject({
      generation: 2,
      position: live,
      rebuild: null,
      error: null,
    });
    const [recorded] = await recordedStatuses(backend.eventStore, readerStore, [streamStats]);
    expect(recorded).toMatchObject({ generation: 2, position: live, rebuild: null, error: null });

    // Another process takes over meanwhile: its start-up sweep tries the retired generation once
    // and goes on to serve live batches.
    await runner.stop();
    const next = await startRunner();
    const later = await append(backend.eventStore, 's-later');
    expect(await next.waitForPosition(later, 20_000)).toBe(true);
    expect(await streamCount()).toBe(8);
    expect(await statusesOf(store, 'stream_stats')).toEqual([
      [1, 'retired'],
      [2, 'live'],
    ]);

    // The reader still had its cursor all along: the rest of generation 1, as it was.
    const rows = [...read.first, ...(await read.finish())];
    expect(rows.map((row) => row.stream)).toEqual(['s-0', 's-1', 's-2', 's-3', 's-4', 's-5']);
    await eventually(
      'generation 1 dropped',
      async () => (await store.listGenerations('stream_stats')).length === 1,
    );
    expect(await statusesOf(store, 'stream_stats')).toEqual([[2, 'live']]);
  });

  it("a start-up sweep does not wait for a reader of a retired generation's tables", async () => {
    // Left by a process that stopped after its swap while the read went on.
    await store.createGeneration(streamStats, 1, { activate: true });
    await store.commit({
      projection: streamStats,
      generation: 1,
      expectedPosition: null,
      position: '00000000000000000001',
      recordedAt: null,
      changes: [
        upsert('streams', { stream: 'old' }, { events: 1, last_revision: 0, last_type: 'Sample.Created' }),
      ],
    });
    await store.createGeneration(streamStats, 2, { activate: false });
    await store.activateGeneration('stream_stats', 2);
    const read = await holdRead(readerStore, streamStats, 'streams', 1);
    reads.push(read);

    const runner = await startRunner();
    const live = await append(backend.eventStore, 's-live');
    expect(await runner.waitForPosition(live, 20_000)).toBe(true);
    expect(await streamCount()).toBe(1);
    expect(await statusesOf(store, 'stream_stats')).toEqual([
      [1, 'retired'],
      [2, 'live'],
    ]);
    expect(await read.finish()).toEqual([]);
    await eventually(
      'generation 1 dropped',
      async () => (await store.listGenerations('stream_stats')).length === 1,
    );
  });
});
