import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '@pc/event-store';
import {
  type Projection,
  type ReadModelStore,
  type ReadRowsOptions,
  type Row,
  SqliteReadModelStore,
  defineProjection,
  generationTableName,
  rebuildInto,
  upsert,
} from '@pc/projections';
import { replayCheck } from './replay-check';
import { appendChained, memoryStore, platformActor } from './testing/fixtures';

/** One row per event, under a two-column key (text, integer): many rows from a short history. */
const keyed: Projection = defineProjection({
  name: 'keyed',
  version: 1,
  schema: {
    tables: {
      items: { columns: { k: 'text', n: 'integer', label: 'text' }, primaryKey: ['k', 'n'] },
      notes: { columns: { id: 'text', text: 'text' }, primaryKey: ['id'] },
    },
  },
  eventTypePrefixes: ['Keyed.'],
  apply(event) {
    const { k, n } = event.data as { k: string; n: number };
    return [upsert('items', { k, n }, { label: `label ${k}` })];
  },
});

const ROWS = 50;
const PAGE = 5;
const key = (i: number) => ({ k: `key-${String(i).padStart(3, '0')}`, n: i % 3 });
const items = generationTableName('keyed', 'items', 1);

/** The object with some of its methods replaced (the others still bound to it). */
function intercept<T extends object>(target: T, overrides: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.prototype.hasOwnProperty.call(overrides, property)) {
        return overrides[property as keyof T];
      }
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** Counts what a store hands out, and empties each page once the next is asked for. */
interface Watch {
  dumps: number;
  pages: { side: string; table: string; rows: number; pageSize: number }[];
  /** Rows handed out so far by side and table. */
  handed: Map<string, number>;
  /** The largest gap between the two sides' rows handed out for one table, seen at a page request. */
  maxSkew: number;
}

const newWatch = (): Watch => ({ dumps: 0, pages: [], handed: new Map(), maxSkew: 0 });

function watched(store: ReadModelStore, side: 'live' | 'scratch', watch: Watch): ReadModelStore {
  async function* counted(projection: Projection, table: string, options: ReadRowsOptions) {
    let previous: Row[] | undefined;
    try {
      for await (const page of store.readRows(projection, table, options)) {
        // The consumer asked for this page, so it is done with the previous one: a comparison that
        // kept pages (to compare whole tables) would now see them empty and report wrong results.
        previous?.splice(0);
        const other = side === 'live' ? 'scratch' : 'live';
        const mine = watch.handed.get(`${side}:${table}`) ?? 0;
        const theirs = watch.handed.get(`${other}:${table}`) ?? 0;
        watch.maxSkew = Math.max(watch.maxSkew, Math.abs(mine - theirs));
        watch.handed.set(`${side}:${table}`, mine + page.length);
        watch.pages.push({ side, table, rows: page.length, pageSize: options.pageSize });
        previous = page;
        yield page;
      }
    } finally {
      previous?.splice(0);
    }
  }
  return intercept(store, {
    dumpTables: (...args: Parameters<ReadModelStore['dumpTables']>) => {
      watch.dumps++;
      return store.dumpTables(...args);
    },
    readRows: counted,
  });
}

describe('replayCheck over tables larger than a page', () => {
  let events: EventStore;
  let live: SqliteReadModelStore;
  let scratchDir: string;

  beforeEach(async () => {
    events = await memoryStore();
    await appendChained(
      events,
      'keyed-1',
      Array.from({ length: ROWS }, (_, i) => ({ type: 'Keyed.Added', data: key(ROWS - 1 - i) })),
      platformActor,
      '2026-01-01T00:00:00Z',
    );
    live = new SqliteReadModelStore({ path: ':memory:' });
    await rebuildInto(events, keyed, live);
    scratchDir = mkdtempSync(join(tmpdir(), 'pc-replay-spec-'));
  });
  afterEach(async () => {
    await live.close();
    await events.close();
    rmSync(scratchDir, { recursive: true, force: true });
  });

  const check = (store: ReadModelStore = live, more: Partial<Parameters<typeof replayCheck>[0]> = {}) =>
    replayCheck({
      eventStore: events,
      live: store,
      projections: [keyed],
      pageSize: PAGE,
      scratchDir,
      ...more,
    });
  const run = (statement: string, ...params: unknown[]) => live.db.prepare(statement).run(...params);

  it('identical over many pages, the row count a multiple of the page size', async () => {
    const report = await check();
    expect(report).toMatchObject({
      ok: true,
      projections: [{ status: 'identical', eventsReplayed: ROWS, differences: [] }],
    });
  });

  it('finds changes in the first page, the middle and the last row, and rows on one side only at both ends', async () => {
    const label = (i: number, value: string) =>
      run(`UPDATE "${items}" SET label = ? WHERE k = ? AND n = ?`, value, key(i).k, key(i).n);
    label(1, 'first page');
    label(26, 'middle');
    label(ROWS - 1, 'last row');
    run(`INSERT INTO "${items}" (k, n, label) VALUES ('a-before-all', 0, 'x'), ('zz-after-all', 0, 'y')`);

    const [result] = (await check()).projections;
    expect(result).toMatchObject({ status: 'different', eventsReplayed: ROWS });
    expect(result.differences).toHaveLength(1);
    const [difference] = result.differences;
    expect(difference).toMatchObject({ table: 'items', changed: 3, missingInLive: 0, extraInLive: 2 });
    // As a comparison of whole dumps reports it: missing and changed rows in key order, then extra ones.
    expect(difference.rows.map((row) => [row.kind, row.key, row.columns])).toEqual([
      ['changed', key(1), ['label']],
      ['changed', key(26), ['label']],
      ['changed', key(ROWS - 1), ['label']],
      ['extra-in-live', { k: 'a-before-all', n: 0 }, []],
      ['extra-in-live', { k: 'zz-after-all', n: 0 }, []],
    ]);
    expect(difference.exampleKeys).toEqual([
      JSON.stringify([key(1).k, key(1).n]),
      JSON.stringify([key(26).k, key(26).n]),
      JSON.stringify([key(ROWS - 1).k, key(ROWS - 1).n]),
      '["a-before-all",0]',
      '["zz-after-all",0]',
    ]);
    expect(difference.rows[1]).toMatchObject({
      live: { ...key(26), label: 'middle' },
      rebuilt: { ...key(26), label: `label ${key(26).k}` },
      eventCount: 1,
      events: [expect.objectContaining({ streamName: 'keyed-1', revision: ROWS - 1 - 26 })],
    });
    expect(difference.rows[3]).toMatchObject({ live: { label: 'x' }, rebuilt: null, eventCount: 0 });
  });

  it('rows missing in live at both ends and in the middle; counts beyond the examples kept', async () => {
    const remove = (i: number) => run(`DELETE FROM "${items}" WHERE k = ? AND n = ?`, key(i).k, key(i).n);
    [0, 24, 25, ROWS - 1].forEach(remove);
    run(`UPDATE "${items}" SET label = 'all of the third page' WHERE k >= ? AND k < ?`, key(10).k, key(15).k);

    const [result] = (await check()).projections;
    const [difference] = result.differences;
    expect(difference).toMatchObject({ changed: 5, missingInLive: 4, extraInLive: 0 });
    expect(difference.rows.map((row) => [row.kind, row.key])).toEqual([
      ['missing-in-live', key(0)],
      ['changed', key(10)],
      ['changed', key(11)],
      ['changed', key(12)],
      ['changed', key(13)],
    ]);
    expect(difference.rows[0]).toMatchObject({ live: null, eventCount: 1 });
  });

  it('never holds more than a page per side: readRows page by page, both sides in step, no dumpTables', async () => {
    run(`UPDATE "${items}" SET label = 'changed' WHERE k = ?`, key(33).k);
    run(`DELETE FROM "${items}" WHERE k = ?`, key(7).k);
    run(`INSERT INTO "${items}" (k, n, label) VALUES ('key-040-extra', 1, 'x')`);
    const watch = newWatch();
    const report = await check(watched(live, 'live', watch), {
      scratch: () => watched(new SqliteReadModelStore({ path: ':memory:' }), 'scratch', watch),
    });

    expect(watch.dumps).toBe(0);
    expect(watch.pages.length).toBeGreaterThanOrEqual(2 * (ROWS / PAGE));
    for (const page of watch.pages) {
      expect(page.pageSize).toBe(PAGE);
      expect(page.rows).toBeLessThanOrEqual(PAGE);
    }
    // Each side is read once, in step with the other (a merge, not one side read whole first).
    expect(watch.handed.get('live:items')).toBe(ROWS);
    expect(watch.handed.get('scratch:items')).toBe(ROWS);
    expect(watch.maxSkew).toBeLessThanOrEqual(PAGE + 2);
    // And the pages emptied behind the reader changed nothing in the report.
    expect(report.projections[0].differences).toEqual([
      expect.objectContaining({ table: 'items', changed: 1, missingInLive: 1, extraInLive: 1 }),
    ]);
    expect(report.projections[0].differences[0].rows.map((row) => [row.kind, row.key])).toEqual([
      ['missing-in-live', key(7)],
      ['changed', key(33)],
      ['extra-in-live', { k: 'key-040-extra', n: 1 }],
    ]);
  });

  it('replays into a file under scratchDir, removed afterwards, also when the check fails', async () => {
    const seen: string[][] = [];
    const spy = intercept(live, {
      readRows: (...args: Parameters<ReadModelStore['readRows']>) => {
        seen.push(readdirSync(scratchDir).flatMap((dir) => readdirSync(join(scratchDir, dir))));
        return live.readRows(...args);
      },
    });
    expect((await check(spy)).ok).toBe(true);
    expect(seen[0]).toContain('replay.sqlite');
    expect(readdirSync(scratchDir)).toEqual([]);

    const failing = intercept(live, {
      readRows: () => {
        throw new Error('read failed');
      },
    });
    await expect(check(failing)).rejects.toThrow('read failed');
    expect(readdirSync(scratchDir)).toEqual([]);
  });

  it('the live checkpoint moving during the paged read: read again, the scratch caught up, not rebuilt', async () => {
    let moves = 1;
    let lastPosition: string | null = null;
    const moving = intercept(live, {
      readRows: async function* (...args: Parameters<ReadModelStore['readRows']>) {
        let first = true;
        for await (const page of live.readRows(...args)) {
          yield page;
          if (!first || moves === 0) continue;
          // The runner commits one more event between two pages of the read.
          moves--;
          first = false;
          await appendChained(
            events,
            `keyed-late-${moves}`,
            [{ type: 'Keyed.Added', data: { k: `late-${moves}`, n: 0 } }],
            platformActor,
            '2026-01-02T00:00:00Z',
          );
          const [event] = await events.readAll({ direction: 'backwards', maxCount: 1 });
          lastPosition = event.position;
          const [generation] = await live.listGenerations('keyed');
          await live.commit({
            projection: keyed,
            generation: 1,
            expectedPosition: generation.position,
            position: event.position,
            recordedAt: event.recordedAt,
            changes: [upsert('items', { k: `late-${moves}`, n: 0 }, { label: `label late-${moves}` })],
          });
        }
      },
    });
    let fromZero = 0;
    const counting = intercept(events, {
      readAll: (options?: Parameters<EventStore['readAll']>[0]) => {
        if (options?.fromPosition === undefined) fromZero++;
        return events.readAll(options);
      },
    });
    const report = await check(moving, { eventStore: counting });
    expect(fromZero).toBe(1);
    expect(report.projections[0]).toMatchObject({
      status: 'identical',
      position: lastPosition,
      eventsReplayed: ROWS + 1,
    });

    // A checkpoint that moves during every read: unstable after maxAttempts reads.
    moves = 3;
    expect((await check(moving, { maxAttempts: 3 })).projections[0]).toMatchObject({
      status: 'unstable',
      position: null,
    });
  });

  it('the live generation swapped and dropped during the read: the new one is read, another failure is not retried', async () => {
    let swaps = 1;
    const swapping = intercept(live, {
      readRows: async function* (...args: Parameters<ReadModelStore['readRows']>) {
        for await (const page of live.readRows(...args)) {
          yield page;
          if (swaps === 0) continue;
          // A rebuild finishing: generation 2 (same rows, same checkpoint) goes live, generation 1 is dropped.
          swaps--;
          const [old] = await live.listGenerations('keyed');
          await live.createGeneration(keyed, 2, { activate: false });
          run(`INSERT INTO "${generationTableName('keyed', 'items', 2)}" SELECT * FROM "${items}"`);
          const event = (await events.readAll({ maxCount: ROWS })).find((e) => e.position === old.position);
          await live.commit({
            projection: keyed,
            generation: 2,
            expectedPosition: null,
            position: old.position as string,
            recordedAt: event?.recordedAt ?? null,
            changes: [],
          });
          await live.activateGeneration('keyed', 2);
          await live.dropGeneration('keyed', 1);
        }
      },
    });
    const [result] = (await check(swapping)).projections;
    expect(result).toMatchObject({ status: 'identical', eventsReplayed: ROWS });
    expect(await live.activeGeneration('keyed')).toBe(2);

    // The same "no such table" with the generation still live is the store's failure: it is thrown.
    const broken = intercept(live, {
      readRows: async function* () {
        yield* [];
        throw new Error('no such table: keyed__items__g2');
      },
    });
    await expect(check(broken)).rejects.toThrow('no such table');
  });
});
