import { defineProjection, generationTableName, PostgresReadModelStore, upsert } from '@pc/projections';
import { eventually } from '@pc/projections/testing';
import { createTestSchema, pgUrl, withClient, type TestSchema } from '../support/postgres';

/**
 * The PostgreSQL read-model store vacuums and analyzes the tables it fills (autovacuum may be off,
 * and is a minute late at best): without statistics the planner took a big partner's rows for a few
 * dozen and sorted all of them instead of reading an index in page order, and without a visibility
 * map a count over them could not be an index-only scan.
 */
const items = defineProjection({
  name: 'stats_sample',
  version: 1,
  schema: {
    tables: {
      items: {
        columns: { partner_id: 'text', item_id: 'text', label: 'text' },
        primaryKey: ['partner_id', 'item_id'],
        indexes: { by_label: { columns: ['partner_id', 'label'] } },
      },
    },
  },
  apply: () => [],
});

describe('PostgreSQL read-model store statistics', () => {
  let schema: TestSchema;
  let store: PostgresReadModelStore;
  let position = 0;
  /** No maintenance on idleness unless a test asks: the counts below are exact only without it. */
  const open = (maintenanceIdleMs = 600_000) =>
    new PostgresReadModelStore({ url: pgUrl(), schema: schema.name, poolSize: 2, maintenanceIdleMs });

  beforeEach(async () => {
    schema = await createTestSchema('rm_stats');
    store = open();
    await store.init();
    await store.createGeneration(items, 1, { activate: true });
    position = 0;
  });
  afterEach(async () => {
    await store.close();
    await schema.drop();
  });

  const commitRows = async (target: PostgresReadModelStore, from: number, count: number): Promise<void> => {
    const expectedPosition = position === 0 ? null : String(position).padStart(20, '0');
    position += 1;
    await target.commit({
      projection: items,
      generation: 1,
      expectedPosition,
      position: String(position).padStart(20, '0'),
      recordedAt: null,
      changes: Array.from({ length: count }, (_, i) =>
        upsert('items', { partner_id: 'p1', item_id: `i${from + i}` }, { label: `label ${from + i}` }),
      ),
    });
  };

  /** pg_class.reltuples (-1 until the table is first analyzed or vacuumed) and relallvisible. */
  const pgClass = (): Promise<{ reltuples: number; relallvisible: number }> =>
    withClient(async (client) => {
      const table = generationTableName('stats_sample', 'items', 1);
      const result = await client.query<{ reltuples: number; relallvisible: number }>(
        `SELECT reltuples::float8 AS reltuples, relallvisible
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2`,
        [schema.name, table],
      );
      const row = result.rows[0];
      return { reltuples: Number(row?.reltuples), relallvisible: Number(row?.relallvisible) };
    });
  const reltuples = async (): Promise<number> => (await pgClass()).reltuples;

  it('vacuums and analyzes a table once 1,000 rows were written to it, and close() waits for it', async () => {
    await commitRows(store, 0, 400);
    await commitRows(store, 400, 400);
    expect(await pgClass()).toEqual({ reltuples: -1, relallvisible: 0 });
    await commitRows(store, 800, 400);
    await store.close();
    const after = await pgClass();
    expect(after.reltuples).toBe(1200);
    expect(after.relallvisible).toBeGreaterThan(0);
    store = open();
  });

  it('vacuums and analyzes again at each doubling of the rows written', async () => {
    await commitRows(store, 0, 1000);
    await eventually('the first VACUUM (ANALYZE)', async () => (await reltuples()) === 1000);
    await commitRows(store, 1000, 500);
    await commitRows(store, 1500, 400);
    // 1,900 rows written: not yet twice the 1,000 of the last VACUUM (ANALYZE).
    expect(await reltuples()).toBe(1000);
    await commitRows(store, 1900, 200);
    await store.close();
    expect(await reltuples()).toBe(2100);
    store = open();
  });

  it('vacuums and analyzes what was written since, once commits pause', async () => {
    await store.close();
    store = open(100);
    await commitRows(store, 0, 300);
    // Far below the 1,000 rows that trigger it while commits keep coming.
    await eventually('the VACUUM (ANALYZE) after the pause', async () => (await reltuples()) === 300);
    expect((await pgClass()).relallvisible).toBeGreaterThan(0);
    await commitRows(store, 300, 60);
    await commitRows(store, 360, 90);
    await eventually('the next one, 150 rows later', async () => (await reltuples()) === 450);
  });
});
