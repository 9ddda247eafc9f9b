import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayCheck } from '@pc/audit';
import { appendChained, memoryStore, platformActor } from '@pc/audit/testing/fixtures';
import type { EventStore } from '@pc/event-store';
import {
  type Projection,
  type ReadModelStore,
  type Row,
  PostgresReadModelStore,
  SqliteReadModelStore,
  compareRowKeys,
  defineProjection,
  rebuildInto,
  upsert,
} from '@pc/projections';
import { createTestSchema, pgUrl, withClient } from '../support/postgres';

/**
 * readRows lists keys in one order on both dialects, whatever the database's collation, and
 * replayCheck's merge of a live store with its SQLite scratch copy relies on it: keys differing in
 * case, accents, scripts, and characters above U+FFFF (which JS's own string order puts before
 * U+E000–U+FFFF, and UTF-8 after).
 */
const TEXT_KEYS = [
  'a', 'A', 'b', 'B', 'Z', 'z', '', 'a b', 'a-b', 'ab', 'Ab',
  'e', 'é', 'É', 'f', 'ß', 'ss', 'Ø', 'o', 'ñ', 'n',
  '中', '日本', '～', '\u{E000}', '😀', '😀a', 'Ω',
]; // prettier-ignore

const ordered: Projection = defineProjection({
  name: 'ordered',
  version: 1,
  schema: {
    tables: {
      items: {
        columns: { k: 'text', n: 'integer', flag: 'boolean', label: 'text' },
        primaryKey: ['k', 'n', 'flag'],
      },
    },
  },
  eventTypePrefixes: ['Ordered.'],
  apply(event) {
    const { k, n, flag } = event.data as { k: string; n: number; flag: boolean };
    return [upsert('items', { k, n, flag }, { label: `label ${k}` })];
  },
});

/** Bytewise (UTF-8) text, then numbers, then false before true: an oracle independent of the code under test. */
function byBytes(a: Row, b: Row): number {
  return (
    Buffer.compare(Buffer.from(String(a.k), 'utf8'), Buffer.from(String(b.k), 'utf8')) ||
    Number(a.n) - Number(b.n) ||
    Number(a.flag) - Number(b.flag)
  );
}

const keysOf = (rows: Row[]) => rows.map((row) => [row.k, row.n, row.flag]);

interface Side {
  store: ReadModelStore;
  /** Runs a statement on the live table by hand (`$1`… placeholders), as someone with database access would. */
  exec(statement: (table: string) => string, params: unknown[]): Promise<void>;
  /** The keys as the database's own collation orders them. */
  collated(): Promise<string[]>;
  close(): Promise<void>;
}

async function sqliteSide(): Promise<Side> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-order-'));
  const store = new SqliteReadModelStore({ path: join(dir, 'read-models.sqlite') });
  await store.init();
  return {
    store,
    async exec(statement, params) {
      const text = statement(await store.tableName(ordered, 'items')).replace(/\$\d/g, '?');
      store.db.prepare(text).run(...params);
    },
    async collated() {
      const table = await store.tableName(ordered, 'items');
      return store.db
        .prepare(`SELECT DISTINCT k FROM ${table} ORDER BY k`)
        .all()
        .map((row) => String((row as Row).k));
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PostgreSQL with the key column in a locale collation (ICU), as in a database created with one. */
async function postgresSide(): Promise<Side> {
  const schema = await createTestSchema('pc_order');
  const store = new PostgresReadModelStore({ url: pgUrl(), schema: schema.name, poolSize: 3 });
  await store.init();
  return {
    store,
    async exec(statement, params) {
      const text = statement(await store.tableName(ordered, 'items'));
      await withClient((client) => client.query(text, params));
    },
    async collated() {
      const table = await store.tableName(ordered, 'items');
      const result = await withClient((client) => client.query(`SELECT DISTINCT k FROM ${table} ORDER BY k`));
      return result.rows.map((row: Row) => String(row.k));
    },
    async close() {
      await store.close();
      await schema.drop();
    },
  };
}

async function localeCollation(): Promise<string> {
  const found = await withClient((client) =>
    client.query(
      `SELECT collname FROM pg_collation WHERE collname IN ('en-x-icu', 'und-x-icu', 'en_US.utf8', 'en_US')
       ORDER BY collname = 'en-x-icu' DESC, collname = 'und-x-icu' DESC LIMIT 1`,
    ),
  );
  if (found.rows.length === 0)
    throw new Error('This PostgreSQL has no locale collation (ICU or en_US) to test with');
  return String(found.rows[0].collname);
}

describe.each([
  ['sqlite', sqliteSide],
  ['postgres', postgresSide],
] as const)('readRows key order and replayCheck over it (%s)', (name, open) => {
  let events: EventStore;
  let side: Side;
  let rows: Row[];
  let scratchDir: string;

  beforeAll(async () => {
    events = await memoryStore();
    const data = TEXT_KEYS.flatMap((k) => [
      { k, n: 10, flag: false },
      { k, n: 2, flag: true },
      { k, n: 2, flag: false },
    ]);
    await appendChained(
      events,
      'ordered-1',
      data.map((d) => ({ type: 'Ordered.Added', data: d })),
      platformActor,
      '2026-01-01T00:00:00Z',
    );
    side = await open();
    await rebuildInto(events, ordered, side.store);
    if (name === 'postgres') {
      const collation = await localeCollation();
      await side.exec((table) => `ALTER TABLE ${table} ALTER COLUMN k TYPE text COLLATE "${collation}"`, []);
    }
    rows = data.map((d) => ({ ...d, label: `label ${d.k}` }));
    scratchDir = mkdtempSync(join(tmpdir(), 'pc-order-scratch-'));
  });
  afterAll(async () => {
    await side?.close();
    await events?.close();
    rmSync(scratchDir, { recursive: true, force: true });
  });

  it('lists rows in pages, in bytewise key order, whatever the collation', async () => {
    const pages: Row[][] = [];
    for await (const page of side.store.readRows(ordered, 'items', { pageSize: 4 })) pages.push([...page]);
    expect(pages.every((page) => page.length > 0 && page.length <= 4)).toBe(true);
    const read = pages.flat();
    const expected = [...rows].sort(byBytes);
    expect(keysOf(read)).toEqual(keysOf(expected));
    expect(read).toEqual(expected);
    // The JS comparator the merge uses agrees with both databases.
    expect(keysOf([...rows].sort((a, b) => compareRowKeys(ordered.table('items'), a, b)))).toEqual(
      keysOf(expected),
    );
    if (name === 'postgres') {
      // Not vacuous: the column's own (locale) collation orders these keys otherwise.
      const distinct = [...new Set(expected.map((row) => String(row.k)))];
      expect(await side.collated()).not.toEqual(distinct);
    }
  });

  it('an early end releases the read (PostgreSQL: its connection), and a second read starts over', async () => {
    for (let i = 0; i < 5; i++) {
      for await (const page of side.store.readRows(ordered, 'items', { pageSize: 2 })) {
        expect(page).toHaveLength(2);
        break;
      }
    }
    let count = 0;
    for await (const page of side.store.readRows(ordered, 'items', { pageSize: 7 })) count += page.length;
    expect(count).toBe(rows.length);
  });

  it('replayCheck against a SQLite scratch copy: identical, then exactly the rows changed by hand', async () => {
    const check = () =>
      replayCheck({ eventStore: events, live: side.store, projections: [ordered], pageSize: 4, scratchDir });
    expect((await check()).projections[0]).toMatchObject({
      status: 'identical',
      eventsReplayed: rows.length,
    });

    await side.exec(
      (t) => `UPDATE ${t} SET label = $1 WHERE k = $2 AND n = 2 AND flag = $3`,
      ['by hand', '😀', name === 'postgres' ? true : 1],
    );
    await side.exec((t) => `DELETE FROM ${t} WHERE k = $1`, ['É']);
    await side.exec(
      (t) => `INSERT INTO ${t} (k, n, flag, label) VALUES ($1, 1, $2, 'x')`,
      ['Ä', name === 'postgres' ? false : 0],
    );
    const [result] = (await check()).projections;
    expect(result.status).toBe('different');
    expect(result.differences).toHaveLength(1);
    expect(result.differences[0]).toMatchObject({ changed: 1, missingInLive: 3, extraInLive: 1 });
    expect(result.differences[0].rows.map((row) => [row.kind, row.key])).toEqual([
      ['missing-in-live', { k: 'É', n: 2, flag: false }],
      ['missing-in-live', { k: 'É', n: 2, flag: true }],
      ['missing-in-live', { k: 'É', n: 10, flag: false }],
      ['changed', { k: '😀', n: 2, flag: true }],
      ['extra-in-live', { k: 'Ä', n: 1, flag: false }],
    ]);
    expect(result.differences[0].rows[3]).toMatchObject({ columns: ['label'], eventCount: 1 });
  });
});
