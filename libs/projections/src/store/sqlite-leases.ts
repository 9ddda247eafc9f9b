import { metaStatements } from './meta-sql';
import type { LeaseManager } from './read-model-store';
import type { SqliteReadModelStore } from './sqlite-store';
import { sqliteDialect } from '../sql/dialect';

/**
 * SQLite has no session locks that survive across processes sharing a file, so a projection is
 * owned through an expiring lease row. The holder renews it on every commit (inside the commit's
 * transaction, which is the fence) and on a heartbeat while idle; a crashed holder's lease lapses
 * after `ttlMs` and another process takes over.
 */
export class SqliteLeaseManager implements LeaseManager {
  readonly mechanism = 'lease-row' as const;
  private readonly meta = metaStatements(sqliteDialect);
  private readonly held = new Set<string>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly store: SqliteReadModelStore,
    readonly owner: string,
    readonly ttlMs: number,
  ) {
    this.heartbeat = setInterval(() => this.renewAll(), Math.max(50, Math.floor(ttlMs / 3)));
    this.heartbeat.unref();
  }

  async tryAcquire(projection: string): Promise<boolean> {
    const now = Date.now();
    this.store.run(this.meta.acquireLease, [projection, this.owner, now + this.ttlMs, now]);
    const row = this.store.all(this.meta.selectLease, [projection])[0];
    const ok = row?.owner === this.owner;
    if (ok) this.held.add(projection);
    return ok;
  }

  isHeld(projection: string): boolean {
    return this.held.has(projection);
  }

  async release(projection: string): Promise<void> {
    this.held.delete(projection);
    if (this.store.db.open) this.store.run(this.meta.releaseLease, [projection, this.owner]);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const projection of [...this.held]) await this.release(projection);
  }

  private renewAll(): void {
    if (!this.store.db.open) return;
    const now = Date.now();
    for (const projection of this.held) {
      try {
        const renewed = this.store.run(this.meta.renewLease, [projection, this.owner, now + this.ttlMs]);
        if (renewed === 0) this.held.delete(projection);
      } catch {
        // SQLITE_BUSY under a long writer: the next beat (or the next commit) renews instead.
      }
    }
  }
}
