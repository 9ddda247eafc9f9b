import { createHash } from 'node:crypto';
import { Client } from 'pg';
import type { LeaseManager } from './read-model-store';

/** Two int32 keys for pg_advisory_lock: the schema (so test schemas never collide) and the projection. */
export function lockKey(schema: string, projection: string): [number, number] {
  const int32 = (text: string): number => createHash('sha256').update(text).digest().readInt32BE(0);
  return [int32(`pc-read-models:${schema}`), int32(projection)];
}

/**
 * PostgreSQL: a session advisory lock per projection, held on one dedicated connection (never a
 * pooled one, which would hand the session — and the lock — to unrelated queries). If that
 * connection drops, the server releases the locks; we mark them lost so the workers stop, and the
 * checkpoint compare-and-set in every commit covers the moment in between.
 */
export class PostgresLeaseManager implements LeaseManager {
  readonly mechanism = 'advisory-lock' as const;
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private readonly held = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly schema: string,
    readonly owner: string,
    readonly ttlMs: number,
  ) {}

  /**
   * One query at a time on the lease session: several projections acquire and release concurrently,
   * and a pg Client must not be handed a query while another is running (deprecated, an error in pg 9).
   */
  private queue: Promise<unknown> = Promise.resolve();
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private connection(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new Client({
        connectionString: this.url,
        application_name: `pc-projector:${this.owner}`,
      });
      const lost = () => {
        this.held.clear();
        if (this.client === client) this.client = null;
      };
      client.on('error', lost);
      client.on('end', lost);
      try {
        await client.connect();
      } finally {
        this.connecting = null;
      }
      this.client = client;
      return client;
    })();
    return this.connecting;
  }

  tryAcquire(projection: string): Promise<boolean> {
    return this.serial(async () => {
      if (this.held.has(projection)) return true;
      const client = await this.connection();
      const [classId, objectId] = lockKey(this.schema, projection);
      const result = await client.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [classId, objectId]);
      const ok = (result.rows[0] as { ok: boolean }).ok;
      if (ok) this.held.add(projection);
      return ok;
    });
  }

  isHeld(projection: string): boolean {
    return this.held.has(projection);
  }

  release(projection: string): Promise<void> {
    return this.serial(async () => {
      if (!this.held.delete(projection) || !this.client) return;
      const [classId, objectId] = lockKey(this.schema, projection);
      await this.client
        .query('SELECT pg_advisory_unlock($1, $2)', [classId, objectId])
        .catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    this.held.clear();
    const client = this.client;
    this.client = null;
    // Ending the session releases every advisory lock it held.
    if (client) await client.end().catch(() => undefined);
  }
}
