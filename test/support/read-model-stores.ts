import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresReadModelStore, type ReadModelStore, SqliteReadModelStore } from '@pc/projections';
import { createTestSchema, pgUrl } from './postgres';

/** A read-model store of its own for one test file; `cleanup` removes it (close the store first). */
export interface FreshReadModelStore {
  store: ReadModelStore;
  cleanup(): Promise<void>;
}

/**
 * A read-model store, initialised: SQLite in a new temporary directory, or PostgreSQL in a new schema
 * of the test database (pool of 2).
 */
export async function freshReadModelStore(
  dialect: 'sqlite' | 'postgres',
  prefix: string,
): Promise<FreshReadModelStore> {
  let fresh: FreshReadModelStore;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `pc-${prefix}-`));
    fresh = {
      store: new SqliteReadModelStore({ path: join(dir, 'read-models.sqlite') }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  } else {
    const schema = await createTestSchema(prefix.replace(/-/g, '_'));
    fresh = {
      store: new PostgresReadModelStore({ url: pgUrl(), schema: schema.name, poolSize: 2 }),
      cleanup: () => schema.drop(),
    };
  }
  await fresh.store.init();
  return fresh;
}
