import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
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
  response_json: string;
  created_at: string;
}

export class SqliteIdempotencyStore implements IdempotencyStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly selectStatement: Database.Statement<[string, string], Row>;
  private readonly insertStatement: Database.Statement<[string, string, string, string, string, string]>;
  private readonly takeOverStatement: Database.Statement<[string, string, string, string]>;
  private readonly completeStatement: Database.Statement<
    [string, string, string, string, string, string, string]
  >;
  private readonly releaseStatement: Database.Statement<[string, string, string, string, string]>;
  private readonly abandonStatement: Database.Statement<[string, string, string, string, string, string]>;
  private readonly reserveTransaction: (reservation: Reservation, staleBefore: string) => ReserveOutcome;

  /**
   * `adoptFrom`: a database file that may still hold an `idempotency_keys` table from before the keys
   * had a file of their own (the read models' file): its records are moved here once.
   */
  constructor(path: string, options: { adoptFrom?: string } = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // WAL lets the projector and the API share the file; busy_timeout rides out its short write locks.
    this.db.pragma('journal_mode = WAL');
    // Without it every record was an fsync (~5 % of a command's CPU in the bench). A record lost to a
    // power failure only turns a byte-identical replay into a re-run that the pipeline answers as
    // replayed (the command id comes from the key), as for any unrecorded key.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS idempotency_keys (
      service TEXT NOT NULL,
      key TEXT NOT NULL,
      request_hash TEXT NOT NULL,
      status TEXT NOT NULL,
      response_json TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (service, key)
    )`);
    const { adoptFrom } = options;
    if (adoptFrom && path !== ':memory:' && resolve(adoptFrom) !== resolve(path) && existsSync(adoptFrom))
      this.adoptKeys(adoptFrom);
    this.selectStatement = this.db.prepare('SELECT * FROM idempotency_keys WHERE service = ? AND key = ?');
    this.insertStatement = this.db.prepare(
      `INSERT INTO idempotency_keys (service, key, request_hash, status, response_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (service, key) DO NOTHING RETURNING key`,
    );
    this.takeOverStatement = this.db.prepare(
      'UPDATE idempotency_keys SET request_hash = ?, created_at = ? WHERE service = ? AND key = ?',
    );
    this.completeStatement = this.db.prepare(
      `UPDATE idempotency_keys SET status = ?, response_json = ?, created_at = ?
       WHERE service = ? AND key = ? AND status = ? AND request_hash = ?`,
    );
    // created_at names the reservation: one taken over since (a later `at`) is not the caller's.
    this.releaseStatement = this.db.prepare(
      `DELETE FROM idempotency_keys
       WHERE service = ? AND key = ? AND status = ? AND request_hash = ? AND created_at = ?`,
    );
    this.abandonStatement = this.db.prepare(
      `UPDATE idempotency_keys SET created_at = ?
       WHERE service = ? AND key = ? AND status = ? AND request_hash = ? AND created_at = ?`,
    );
    // One transaction: reading a held key and taking it over cannot interleave with another process.
    const reserve = this.db.transaction(
      ({ service, key, requestHash, at }: Reservation, staleBefore: string) => {
        const row = this.selectStatement.get(service, key);
        if (row === undefined) {
          this.insertStatement.get(service, key, requestHash, PENDING, PENDING_RESPONSE, at);
          return { kind: 'reserved' } as const;
        }
        if (row.status !== PENDING) return { kind: 'completed', record: fromRow(row) } as const;
        // Held: by a live request, or by a dead one that is not this request (the key stays its).
        if (row.created_at >= staleBefore || row.request_hash !== requestHash) {
          return { kind: 'pending', requestHash: row.request_hash, since: row.created_at } as const;
        }
        this.takeOverStatement.run(requestHash, at, service, key);
        return { kind: 'reserved' } as const;
      },
    );
    this.reserveTransaction = (reservation, staleBefore) => reserve.immediate(reservation, staleBefore);
  }

  /**
   * Copies the records of an older file's table, then drops it there. WAL mode does not make the two
   * files commit as one: after a crash in between, the next start copies again (INSERT OR IGNORE) and
   * drops; at worst the old records are lost, which only turns a replay of an old key into a re-run
   * that the pipeline answers as replayed (the command id comes from the key).
   */
  private adoptKeys(file: string): void {
    this.db.prepare('ATTACH DATABASE ? AS previous').run(file);
    try {
      const found = this.db
        .prepare("SELECT 1 FROM previous.sqlite_master WHERE type = 'table' AND name = 'idempotency_keys'")
        .get();
      if (!found) return;
      this.db.exec(`INSERT OR IGNORE INTO main.idempotency_keys
        (service, key, request_hash, status, response_json, created_at)
        SELECT service, key, request_hash, status, response_json, created_at FROM previous.idempotency_keys`);
      this.db.exec('DROP TABLE previous.idempotency_keys');
    } finally {
      this.db.exec('DETACH DATABASE previous');
    }
  }

  async find(service: string, key: string): Promise<IdempotencyRecord | null> {
    const row = this.selectStatement.get(service, key);
    return row === undefined || row.status === PENDING ? null : fromRow(row);
  }

  async reserve(reservation: Reservation, staleBefore: string): Promise<ReserveOutcome> {
    return this.reserveTransaction(reservation, staleBefore);
  }

  async complete(record: IdempotencyRecord): Promise<void> {
    const { service, key, requestHash, status, response, createdAt } = record;
    const updated = this.completeStatement.run(
      status,
      JSON.stringify(response),
      createdAt,
      service,
      key,
      PENDING,
      requestHash,
    ).changes;
    // Matches a same-hash reservation that took this one over too (see IdempotencyStore.complete).
    // None (taken over under the request's other hash, released, or never made): store the answer if
    // the key has no row.
    if (updated === 0) await this.save(record);
  }

  async abandon({ service, key, requestHash, at }: Reservation): Promise<void> {
    this.abandonStatement.run(ABANDONED_AT, service, key, PENDING, requestHash, at);
  }

  async release({ service, key, requestHash, at }: Reservation): Promise<void> {
    this.releaseStatement.run(service, key, PENDING, requestHash, at);
  }

  async save(record: IdempotencyRecord): Promise<IdempotencyRecord> {
    const { service, key, requestHash, status, response, createdAt } = record;
    const inserted = this.insertStatement.get(
      service,
      key,
      requestHash,
      status,
      JSON.stringify(response),
      createdAt,
    );
    // Nothing returned: a concurrent request stored this key first, and its record is the one that counts.
    return inserted !== undefined ? record : ((await this.find(service, key)) ?? record);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function fromRow(row: Row): IdempotencyRecord {
  return {
    service: row.service,
    key: row.key,
    requestHash: row.request_hash,
    // Only answered rows come here (find and reserve leave reservations out).
    status: 'completed',
    response: JSON.parse(row.response_json) as StoredResponse,
    createdAt: row.created_at,
  };
}
