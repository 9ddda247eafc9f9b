import { Pool } from 'pg';
import type { IdempotencyRecord, IdempotencyStore, StoredResponse } from './idempotency-store';

interface Row {
  service: string;
  key: string;
  request_hash: string;
  status: 'completed';
  response_json: StoredResponse;
  created_at: Date;
}

export class PostgresIdempotencyStore implements IdempotencyStore {
  readonly kind = 'postgres';
  private readonly pool: Pool;
  private ready: Promise<void> | undefined;
  private closed = false;

  /** `schema` is validated by the config loader (a plain identifier), so quoting it is enough. */
  constructor(
    url: string,
    private readonly schema = 'read_models',
  ) {
    this.pool = new Pool({ connectionString: url, max: 5, options: `-c search_path="${schema}"` });
    // An idle client that errors (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** Creates the table on first use; idempotent, so several instances may race it safely. */
  private ensureSchema(): Promise<void> {
    this.ready ??= this.pool
      .query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`)
      .then(() =>
        this.pool.query(
          `CREATE TABLE IF NOT EXISTS idempotency_keys (
          service TEXT NOT NULL,
          key TEXT NOT NULL,
          request_hash TEXT NOT NULL,
          status TEXT NOT NULL,
          response_json JSONB NOT NULL,
          created_at TIMESTAMPTZ NOT NULL,
          PRIMARY KEY (service, key)
        )`,
        ),
      )
      .then(() => undefined)
      .catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
    return this.ready;
  }

  async find(service: string, key: string): Promise<IdempotencyRecord | null> {
    await this.ensureSchema();
    const result = await this.pool.query<Row>(
      'SELECT * FROM idempotency_keys WHERE service = $1 AND key = $2',
      [service, key],
    );
    const row = result.rows[0];
    return row === undefined ? null : fromRow(row);
  }

  async save(record: IdempotencyRecord): Promise<IdempotencyRecord> {
    await this.ensureSchema();
    await this.pool.query(
      `INSERT INTO idempotency_keys (service, key, request_hash, status, response_json, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (service, key) DO NOTHING`,
      [
        record.service,
        record.key,
        record.requestHash,
        record.status,
        JSON.stringify(record.response),
        record.createdAt,
      ],
    );
    return (await this.find(record.service, record.key)) ?? record;
  }

  async ping(): Promise<void> {
    await this.ensureSchema();
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

function fromRow(row: Row): IdempotencyRecord {
  return {
    service: row.service,
    key: row.key,
    requestHash: row.request_hash,
    status: row.status,
    response: row.response_json,
    createdAt: row.created_at.toISOString(),
  };
}
