import { Pool } from 'pg';
import type {
  IdempotencyRecord,
  IdempotencyStore,
  Reservation,
  ReserveOutcome,
  StoredResponse,
} from './idempotency-store';
import { ABANDONED_AT, PENDING, PENDING_RESPONSE } from './idempotency-store';

interface Row {
  service: string;
  key: string;
  request_hash: string;
  status: 'completed' | 'pending';
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
    // node-postgres lets the URL's `options` replace the config's: both are given here as one, the
    // URL's own (e.g. `-c statement_timeout=10000`) first, so neither loses the other.
    const { connectionString, options: given } = withoutOptions(url);
    const options = `${given ? `${given} ` : ''}-c search_path="${schema}"`;
    this.pool = new Pool({ connectionString, max: 5, options });
    // An idle client that errors (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    // Nor one lent out (the pool takes its own listener off meanwhile): its statement fails instead.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
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
    return row === undefined || row.status === PENDING ? null : fromRow(row);
  }

  async reserve(reservation: Reservation, staleBefore: string): Promise<ReserveOutcome> {
    await this.ensureSchema();
    const { service, key, requestHash, at } = reservation;
    // Each statement is atomic on its own; a row that changes between them (answered, released,
    // taken over) sends the loop round again.
    for (let round = 0; ; round++) {
      const inserted = await this.pool.query(
        `INSERT INTO idempotency_keys (service, key, request_hash, status, response_json, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (service, key) DO NOTHING RETURNING key`,
        [service, key, requestHash, PENDING, PENDING_RESPONSE, at],
      );
      if (inserted.rowCount === 1) return { kind: 'reserved' };
      // Only a stale reservation of this same request: a concurrent change to the row makes
      // PostgreSQL check the WHERE again against the row as changed, so two takeovers never both win.
      const takenOver = await this.pool.query(
        `UPDATE idempotency_keys SET created_at = $4
         WHERE service = $1 AND key = $2 AND status = $5 AND created_at < $6 AND request_hash = $3
         RETURNING key`,
        [service, key, requestHash, at, PENDING, staleBefore],
      );
      if (takenOver.rowCount === 1) return { kind: 'reserved' };
      const { rows } = await this.pool.query<Row>(
        'SELECT * FROM idempotency_keys WHERE service = $1 AND key = $2',
        [service, key],
      );
      const row = rows[0];
      if (row !== undefined && row.status !== PENDING) return { kind: 'completed', record: fromRow(row) };
      if (row !== undefined) {
        const since = row.created_at.toISOString();
        // Held by a live request, or by a dead one that is not this request (the key stays its).
        if (since >= staleBefore || row.request_hash !== requestHash) {
          return { kind: 'pending', requestHash: row.request_hash, since };
        }
      }
      // Gone (released), or a stale reservation of this request that appeared since the UPDATE: again.
      if (round >= 5) throw new Error(`Idempotency key '${key}' kept changing while it was reserved`);
    }
  }

  async complete(record: IdempotencyRecord): Promise<void> {
    await this.ensureSchema();
    const updated = await this.pool.query(
      `UPDATE idempotency_keys SET status = $3, response_json = $4, created_at = $5
       WHERE service = $1 AND key = $2 AND status = $6 AND request_hash = $7`,
      [
        record.service,
        record.key,
        record.status,
        JSON.stringify(record.response),
        record.createdAt,
        PENDING,
        record.requestHash,
      ],
    );
    // Matches a same-hash reservation that took this one over too (see IdempotencyStore.complete).
    // None (taken over under the request's other hash, released, or never made): store the answer if
    // the key has no row.
    if (updated.rowCount === 0) await this.save(record);
  }

  async abandon({ service, key, requestHash, at }: Reservation): Promise<void> {
    await this.ensureSchema();
    await this.pool.query(
      `UPDATE idempotency_keys SET created_at = $1
       WHERE service = $2 AND key = $3 AND status = $4 AND request_hash = $5 AND created_at = $6`,
      [ABANDONED_AT, service, key, PENDING, requestHash, at],
    );
  }

  async release({ service, key, requestHash, at }: Reservation): Promise<void> {
    await this.ensureSchema();
    // created_at names the reservation: one taken over since (a later `at`) is not the caller's.
    await this.pool.query(
      `DELETE FROM idempotency_keys
       WHERE service = $1 AND key = $2 AND status = $3 AND request_hash = $4 AND created_at = $5`,
      [service, key, PENDING, requestHash, at],
    );
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
    // Only answered rows come here (find and reserve leave reservations out).
    status: 'completed',
    response: row.response_json,
    createdAt: row.created_at.toISOString(),
  };
}

/** A PostgreSQL URL without its `options` parameter (server settings for each connection), and those. */
function withoutOptions(url: string): { connectionString: string; options: string | null } {
  try {
    const parsed = new URL(url);
    const options = parsed.searchParams.get('options');
    if (options === null) return { connectionString: url, options: null };
    parsed.searchParams.delete('options');
    return { connectionString: parsed.toString(), options };
  } catch {
    return { connectionString: url, options: null };
  }
}
