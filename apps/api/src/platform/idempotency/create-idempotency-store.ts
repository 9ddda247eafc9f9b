import type { ReadModelStoreConfig } from '../config';
import type { IdempotencyStore } from './idempotency-store';
import { PostgresIdempotencyStore } from './postgres-idempotency-store';
import { SqliteIdempotencyStore } from './sqlite-idempotency-store';

/** The idempotency table lives in the read-model database (READ_MODEL_STORE), beside but apart from read models. */
export function createIdempotencyStore(config: ReadModelStoreConfig): IdempotencyStore {
  return config.kind === 'postgres'
    ? new PostgresIdempotencyStore(config.url, config.schema)
    : new SqliteIdempotencyStore(config.path);
}
