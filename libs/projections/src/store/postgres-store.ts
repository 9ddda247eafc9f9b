import { Pool, types, type CustomTypesConfig, type PoolClient } from 'pg';
import { validateChange } from '../definition/apply-change';
import type { Projection } from '../definition/projection';
import type { Row, RowKey, TableDump } from '../definition/rows';
import { changeStatement } from '../sql/change-sql';
import { generationDdl, generationTableName } from '../sql/ddl';
import { postgresDialect, quote, type Dialect } from '../sql/dialect';
import { renderSql, type SqlFragment } from '../sql/sql';
import {
  metaStatements,
  migrationsTableDdl,
  MIGRATIONS,
  ownedTables,
  toGenerationRecord,
  toPendingRequest,
  META,
} from './meta-sql';
import { PostgresLeaseManager, lockKey } from './postgres-leases';
import {
  CheckpointConflictError,
  type CommitRequest,
  type DropResult,
  type GenerationRecord,
  type LeaseManager,
  type ProjectionFailure,
  type PendingRequest,
  type ProjectionRequest,
  ProjectionNotReadyError,
  type ProjectionState,
  type ReadModelStore,
  type ReadRowsOptions,
  type TableRef,
} from './read-model-store';
import { primaryKeyExpressions } from './row-order';
import {
  checkPageSize,
  decodeRow,
  decodeRows,
  dumpFrom,
  isMissingTable,
  nowIso,
  projectionName,
  selectByKey,
  tableRef,
} from './shared';

export interface PostgresReadModelStoreOptions {
  url: string;
  /** Every read-model table and the bookkeeping live in this schema (created if missing). */
  schema: string;
  poolSize?: number;
  /**
   * How long without a commit before the tables written since their last VACUUM (ANALYZE) get one
   * (see maintainGrowing). Default 500 ms.
   */
  maintenanceIdleMs?: number;
  /**
   * How long dropping a retired generation waits for the lock on its tables (`lock_timeout` of the
   * drop's transaction) before giving up and leaving it for a later try: a reader that began before
   * the swap (a paged `readRows`) may hold it for minutes. A positive integer; default 300 ms.
   */
  dropLockTimeoutMs?: number;
}

const DEFAULT_DROP_LOCK_TIMEOUT_MS = 300;

type RawRow = Record<string, unknown>;

/**
 * Rows written to a table before its first VACUUM (ANALYZE) while commits keep coming; later ones
 * follow each doubling of the rows written (2,000, 4,000, ...), so a table built from zero is
 * vacuumed about log2(rows / 1,000) times.
 */
const ANALYZE_AFTER_WRITES = 1000;
/** When commits pause: rows written since the last VACUUM (ANALYZE), at least this many and 10 %. */
const IDLE_ANALYZE_AFTER_WRITES = 100;

interface TableGrowth {
  /** Rows changed through this store since it opened. */
  written: number;
  /** `written` when the last VACUUM (ANALYZE) started. */
  analyzedAt: number;
  running: boolean;
}

/** 55P03 lock_not_available: the lock was not granted within `lock_timeout`. */
function isLockNotAvailable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '55P03';
}

// bigint columns come back as JS numbers (counts and amounts stay far below 2^53).
const parseTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8
      ? (value: string) => Number(value)
      : types.getTypeParser(oid, format ?? 'text')) as CustomTypesConfig['getTypeParser'],
};

export class PostgresReadModelStore implements ReadModelStore {
  readonly dialect = 'postgres' as const;
  readonly sqlDialect: Dialect;
  readonly pool: Pool;
  private readonly meta: ReturnType<typeof metaStatements>;
  /** Per physical table of a generation this store writes. */
  private readonly growth = new Map<string, TableGrowth>();
  private readonly analyzing = new Set<Promise<void>>();
  /** The last maintenance queued: one VACUUM at a time, so it never takes more than one core. */
  private maintenance: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | null = null;
  /** No commit since the idle timer fired. */
  private idle = false;
  private closed = false;
  private readonly dropLockTimeoutMs: number;

  constructor(readonly options: PostgresReadModelStoreOptions) {
    this.dropLockTimeoutMs = options.dropLockTimeoutMs ?? DEFAULT_DROP_LOCK_TIMEOUT_MS;
    if (!Number.isSafeInteger(this.dropLockTimeoutMs) || this.dropLockTimeoutMs < 1) {
      throw new RangeError(`dropLockTimeoutMs must be a positive integer, got ${options.dropLockTimeoutMs}`);
    }
    this.sqlDialect = postgresDialect(options.schema);
    this.meta = metaStatements(this.sqlDialect);
    this.pool = new Pool({ connectionString: options.url, max: options.poolSize ?? 10, types: parseTypes });
    // An idle client dropping (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    // Nor one lent out to a transaction between two statements: its next statement fails instead.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  private async all(text: string, params: unknown[] = []): Promise<RawRow[]> {
    return (await this.pool.query(text, params)).rows as RawRow[];
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      // A client whose connection failed is destroyed rather than returned to the pool.
      client.release(broken);
    }
  }

  /** Serialises DDL of several processes starting at once (CREATE ... IF NOT EXISTS still races in PostgreSQL). */
  private lockDdl(client: PoolClient): Promise<unknown> {
    const [classId, objectId] = lockKey(this.options.schema, '$ddl');
    return client.query('SELECT pg_advisory_xact_lock($1, $2)', [classId, objectId]);
  }

  async init(): Promise<void> {
    await this.transaction(async (client) => {
      await this.lockDdl(client);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(this.options.schema)}`);
      await client.query(migrationsTableDdl(this.sqlDialect));
      const applied = await client.query(`SELECT version FROM ${this.sqlDialect.qualify(META.migrations)}`);
      const versions = new Set(applied.rows.map((row: RawRow) => Number(row.version)));
      for (const migration of MIGRATIONS) {
        if (versions.has(migration.version)) continue;
        for (const statement of migration.statements(this.sqlDialect)) await client.query(statement);
        await client.query(
          `INSERT INTO ${this.sqlDialect.qualify(META.migrations)} (version, name, applied_at) VALUES ($1, $2, $3)`,
          [migration.version, migration.name, nowIso()],
        );
      }
    });
  }

  async listGenerations(projection?: string): Promise<GenerationRecord[]> {
    const rows = projection
      ? await this.all(this.meta.selectGenerationsOf, [projection])
      : await this.all(this.meta.selectGenerations);
    return rows.map(toGenerationRecord);
  }

  async activeGeneration(projection: string): Promise<number | null> {
    const row = (await this.all(this.meta.selectActive, [projection]))[0];
    return row && row.active_generation !== null ? Number(row.active_generation) : null;
  }

  async createGeneration(
    projection: Projection,
    generation: number,
    options: { activate: boolean },
  ): Promise<void> {
    const ddl = generationDdl(this.sqlDialect, projection, generation);
    await this.transaction(async (client) => {
      await this.lockDdl(client);
      for (const statement of ddl.statements) await client.query(statement);
      const now = nowIso();
      await client.query(this.meta.insertGeneration, [
        projection.name,
        generation,
        projection.version,
        projection.schemaHash,
        options.activate ? 'live' : 'building',
        JSON.stringify(ddl.ownedTables),
        now,
      ]);
      if (options.activate) await client.query(this.meta.upsertActive, [projection.name, generation, now]);
    });
  }

  async activateGeneration(projection: string, generation: number): Promise<void> {
    await this.transaction(async (client) => {
      const now = nowIso();
      await client.query(this.meta.retireOthers, [projection, generation, now]);
      await client.query(this.meta.setStatus, [projection, generation, 'live', now]);
      await client.query(this.meta.upsertActive, [projection, generation, now]);
    });
  }

  /**
   * `DROP TABLE` takes an ACCESS EXCLUSIVE lock, which waits for every reader of the table to end (a
   * `readRows` cursor holds its table until the whole read is over). For a retired generation the
   * transaction sets a short `lock_timeout`: not granted in time (55P03), it rolls back, leaving the
   * generation retired with all its tables, and answers `dropped: false`.
   */
  async dropGeneration(projection: string, generation: number): Promise<DropResult> {
    let tables: string[] = [];
    try {
      await this.transaction(async (client) => {
        // FOR UPDATE: its status cannot change before the drop commits (or rolls back).
        const row = (await client.query(`${this.meta.selectGeneration} FOR UPDATE`, [projection, generation]))
          .rows[0] as RawRow | undefined;
        tables = row ? ownedTables(row) : [];
        if (row?.status === 'retired')
          await client.query(`SET LOCAL lock_timeout = ${this.dropLockTimeoutMs}`);
        for (const table of tables) {
          await client.query(`DROP TABLE IF EXISTS ${this.sqlDialect.qualify(table)} CASCADE`);
        }
        await client.query(this.meta.deleteGeneration, [projection, generation]);
        await client.query(this.meta.clearActiveIf, [projection, generation, nowIso()]);
      });
    } catch (error) {
      if (!isLockNotAvailable(error)) throw error;
      return { dropped: false };
    } finally {
      // Nothing writes to a generation being dropped: no VACUUM is due (a later write counts anew).
      for (const table of tables) this.growth.delete(table);
    }
    return { dropped: true };
  }

  async updateState(
    projection: string,
    generation: number,
    state: ProjectionState,
    error?: ProjectionFailure | null,
  ): Promise<void> {
    if (error === undefined)
      await this.all(this.meta.setStateKeepError, [projection, generation, state, nowIso()]);
    else {
      await this.all(this.meta.setState, [
        projection,
        generation,
        state,
        error ? JSON.stringify(error) : null,
        nowIso(),
      ]);
    }
  }

  async loadRow(
    projection: Projection,
    generation: number,
    tableName: string,
    key: RowKey,
  ): Promise<Row | undefined> {
    const table = projection.table(tableName);
    const query = selectByKey(
      this.sqlDialect,
      generationTableName(projection.name, tableName, generation),
      table,
      key,
    );
    const raw = (await this.all(query.text, query.params))[0];
    return raw ? decodeRow(this.sqlDialect, table, raw) : undefined;
  }

  async commit(request: CommitRequest): Promise<void> {
    const { projection, generation } = request;
    const written = new Map<string, number>();
    const statements = request.changes.map((change) => {
      const table = validateChange(projection, change);
      const physical = generationTableName(projection.name, table.name, generation);
      written.set(physical, (written.get(physical) ?? 0) + 1);
      return changeStatement(this.sqlDialect, physical, table, change);
    });
    await this.transaction(async (client) => {
      for (const statement of statements) if (statement) await client.query(statement.text, statement.params);
      const moved = await client.query(this.meta.advanceCheckpoint, [
        projection.name,
        generation,
        request.position,
        request.recordedAt,
        nowIso(),
        request.expectedPosition,
      ]);
      if (moved.rowCount === 0) {
        throw new CheckpointConflictError(
          projection.name,
          generation,
          'the checkpoint moved under this batch',
        );
      }
    });
    this.maintainGrowing(written);
  }

  /**
   * Keeps the planner's statistics and the visibility map of the tables this store fills. A
   * generation's tables start empty, and without statistics PostgreSQL estimates a partner's rows at
   * a few dozen: it then reads all 20,000 rows of a big partner through a bitmap and sorts them
   * rather than walking the index in page order (client list p50 4 ms instead of 0.1 ms, POR inbox
   * 8 ms instead of 0.2 ms). Statistics alone turn a count over a big partner's rows into a sequential
   * scan (8 ms for 6,000 of 30,000 notifications) while its pages are not marked all-visible; the
   * VACUUM marks them, and the count becomes an index-only scan. It also merges the GIN indexes'
   * pending lists. Autovacuum would do all this a minute later at best, and may be off.
   *
   * While commits keep coming (a rebuild, a busy live projection) a table is vacuumed at each
   * doubling of the rows written; once they pause (a rebuild caught up, a burst over) every table
   * written 10 % since its last VACUUM (ANALYZE) gets one, so a finished rebuild serves fresh
   * statistics. It costs about what ANALYZE alone does (both read the table; the VACUUM skips pages
   * already all-visible), runs beside the projection (it takes no lock that blocks writes or reads),
   * one table at a time, and is not awaited by the commit.
   */
  private maintainGrowing(written: Map<string, number>): void {
    for (const [table, rows] of written) {
      let growth = this.growth.get(table);
      if (!growth) {
        growth = { written: 0, analyzedAt: 0, running: false };
        this.growth.set(table, growth);
      }
      growth.written += rows;
      if (growth.written >= Math.max(ANALYZE_AFTER_WRITES, 2 * growth.analyzedAt)) this.vacuum(table, growth);
    }
    this.idle = false;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      this.idle = true;
      this.vacuumIdle();
    }, this.options.maintenanceIdleMs ?? 500);
    this.idleTimer.unref();
  }

  private vacuumIdle(): void {
    for (const [table, growth] of this.growth) {
      const since = growth.written - growth.analyzedAt;
      if (since >= Math.max(IDLE_ANALYZE_AFTER_WRITES, growth.analyzedAt / 10)) this.vacuum(table, growth);
    }
  }

  private vacuum(table: string, growth: TableGrowth): void {
    if (growth.running) return;
    growth.running = true;
    growth.analyzedAt = growth.written;
    const run: Promise<void> = this.maintenance
      .then(() => this.pool.query(`VACUUM (ANALYZE) ${this.sqlDialect.qualify(table)}`))
      // A generation dropped meanwhile, or a server going away: the next trigger tries again.
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        growth.running = false;
        this.analyzing.delete(run);
        // Commits paused while it ran: what they wrote meanwhile is not left waiting for the next.
        if (this.idle && !this.closed) this.vacuumIdle();
      });
    this.analyzing.add(run);
    this.maintenance = run;
  }

  leases(owner: string, ttlMs: number): LeaseManager {
    return new PostgresLeaseManager(this.options.url, this.options.schema, owner, ttlMs);
  }

  async leaseHeld(projection: string): Promise<boolean> {
    // pg_locks shows the two int4 keys of an advisory lock as oids (unsigned), with objsubid 2.
    const [classId, objectId] = lockKey(this.options.schema, projection);
    const rows = await this.all(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND classid = $1::bigint::oid AND objid = $2::bigint::oid`,
      [classId >>> 0, objectId >>> 0],
    );
    return rows.length > 0;
  }

  async request(projection: string, action: ProjectionRequest): Promise<void> {
    await this.all(this.meta.insertRequest, [projection, action, nowIso()]);
  }

  async pendingRequests(projection: string): Promise<PendingRequest[]> {
    const rows = await this.all(this.meta.selectRequests, [projection]);
    return rows.map(toPendingRequest);
  }

  async clearRequest(projection: string, action: ProjectionRequest, requestedAt: string): Promise<void> {
    await this.all(this.meta.deleteRequest, [projection, action, requestedAt]);
  }

  private async requireActive(name: string): Promise<number> {
    const generation = await this.activeGeneration(name);
    if (generation === null) throw new ProjectionNotReadyError(name);
    return generation;
  }

  async tableName(projection: Projection | string, table: string): Promise<string> {
    const name = projectionName(projection);
    return this.sqlDialect.qualify(generationTableName(name, table, await this.requireActive(name)));
  }

  async query<R extends object = Record<string, unknown>>(
    projection: Projection | string,
    build: (t: TableRef) => SqlFragment,
  ): Promise<R[]> {
    const name = projectionName(projection);
    const attempt = async (): Promise<R[]> => {
      const rendered = renderSql(
        build(tableRef(this.sqlDialect, name, await this.requireActive(name))),
        this.sqlDialect,
      );
      return (await this.pool.query(rendered.text, rendered.params)).rows as R[];
    };
    try {
      return await attempt();
    } catch (error) {
      // The generation was swapped and dropped between the lookup and the read: look it up again.
      if (!isMissingTable(error)) throw error;
      return attempt();
    }
  }

  async dumpTables(projection: Projection, generation?: number): Promise<TableDump> {
    const target = generation ?? (await this.requireActive(projection.name));
    return dumpFrom(this.sqlDialect, projection, target, (table) => this.all(`SELECT * FROM ${table}`));
  }

  /**
   * One cursor in a read-only transaction, fetched `pageSize` rows at a time: one snapshot of the
   * table and one sort for the whole read. Keyset pages would not do here: `ORDER BY k COLLATE "C"`
   * cannot use the primary key's index (built with the database's collation), so each page would
   * scan and sort the whole table again; the cursor's single sort spills to disk past work_mem.
   */
  async *readRows(
    projection: Projection,
    tableName: string,
    options: ReadRowsOptions,
  ): AsyncGenerator<Row[]> {
    const table = projection.table(tableName);
    const limit = checkPageSize(options.pageSize);
    const generation = options.generation ?? (await this.requireActive(projection.name));
    const physical = this.sqlDialect.qualify(generationTableName(projection.name, table.name, generation));
    const order = primaryKeyExpressions(this.sqlDialect, table).join(', ');
    const client = await this.pool.connect();
    let failure: Error | undefined;
    let open = false;
    try {
      await client.query('BEGIN READ ONLY');
      open = true;
      await client.query(
        `DECLARE pc_read_rows NO SCROLL CURSOR FOR SELECT * FROM ${physical} ORDER BY ${order}`,
      );
      for (;;) {
        const result = await client.query(`FETCH FORWARD ${limit} FROM pc_read_rows`);
        const rows = decodeRows(this.sqlDialect, table, result.rows as RawRow[]);
        if (rows.length > 0) yield rows;
        if (rows.length < limit) break;
      }
      await client.query('COMMIT');
      open = false;
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // Also when the caller stopped early (return() at a yield): end the transaction, closing the cursor.
      if (open && !failure) {
        await client.query('ROLLBACK').catch((error: unknown) => {
          failure = error instanceof Error ? error : new Error(String(error));
        });
      }
      // A connection whose query failed may be in any state: it is discarded, not returned to the pool.
      client.release(failure ?? false);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    while (this.analyzing.size > 0) await Promise.all([...this.analyzing]);
    await this.pool.end();
  }
}
