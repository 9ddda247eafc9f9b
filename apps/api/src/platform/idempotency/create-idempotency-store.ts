import { extname } from 'node:path';
import type { ReadModelStoreConfig } from '../config';
import type { IdempotencyStore } from './idempotency-store';
import { PostgresIdempotencyStore } from './postgres-idempotency-store';
import { SqliteIdempotencyStore } from './sqlite-idempotency-store';

/**
 * The idempotency table lives with the read models (READ_MODEL_STORE): in their PostgreSQL schema, or
 * in an SQLite file of its own beside theirs (see sqliteIdempotencyPath).
 */
export function createIdempotencyStore(config: ReadModelStoreConfig): IdempotencyStore {
  return config.kind === 'postgres'
    ? new PostgresIdempotencyStore(config.url, config.schema)
    : // Keys kept in the read models' own file by earlier versions move to their new file at first start.
      new SqliteIdempotencyStore(sqliteIdempotencyPath(config.path), { adoptFrom: config.path });
}

/**
 * `read-models.sqlite` → `read-models.idempotency.sqlite`. Not the read models' own file: SQLite lets
 * one connection write at a time, and a command's key record waiting behind a projection's commit
 * (another thread or process) blocked the request thread for the busy handler's sleeps (1 ms and up).
 */
export function sqliteIdempotencyPath(readModelPath: string): string {
  if (readModelPath === ':memory:') return readModelPath;
  const extension = extname(readModelPath);
  const base = extension ? readModelPath.slice(0, -extension.length) : readModelPath;
  return `${base}.idempotency${extension || '.sqlite'}`;
}
