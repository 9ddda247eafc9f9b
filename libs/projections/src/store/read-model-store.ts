import type { Position } from '@pc/event-store';
import type { Change } from '../definition/changes';
import type { Projection } from '../definition/projection';
import type { Row, RowKey, TableDump } from '../definition/rows';
import type { DialectName } from '../sql/dialect';
import type { RawSql, SqlFragment } from '../sql/sql';
import type { PendingRequest, ProjectionRequest } from './meta-sql';

export type { PendingRequest, ProjectionRequest } from './meta-sql';

export type ProjectionState =
  'catching-up' | 'running' | 'stopped-on-error' | 'rebuilding' | 'stopped' | 'standby';

/** live: serves reads. building: a rebuild in progress beside the live one. retired: swapped out, to drop. */
export type GenerationStatus = 'live' | 'building' | 'retired';

export interface ProjectionFailure {
  eventId: string;
  eventType: string;
  position: Position;
  message: string;
  at: string;
}

export interface GenerationRecord {
  projection: string;
  generation: number;
  version: number;
  schemaHash: string;
  status: GenerationStatus;
  state: ProjectionState;
  /** Checkpoint: every event up to and including this position is reflected in the tables. */
  position: Position | null;
  /** recordedAt of the checkpoint event, for "seconds behind the head". */
  positionRecordedAt: string | null;
  error: ProjectionFailure | null;
  createdAt: string;
  updatedAt: string;
}

export interface CommitRequest {
  projection: Projection;
  generation: number;
  /** The checkpoint the batch was read from; the commit fails unless it is still the stored one. */
  expectedPosition: Position | null;
  position: Position;
  recordedAt: string | null;
  changes: Change[];
  /** SQLite leases: the commit also renews the lease and fails if this owner no longer holds it. */
  lease?: { owner: string; ttlMs: number };
}

/** Another writer moved the checkpoint (or took the lease): the batch is rolled back, not applied twice. */
export class CheckpointConflictError extends Error {
  readonly code = 'checkpoint-conflict';
  constructor(
    readonly projection: string,
    readonly generation: number,
    reason: string,
  ) {
    super(`Projection '${projection}' generation ${generation}: ${reason}`);
    this.name = 'CheckpointConflictError';
  }
}

/**
 * A read of a projection that has no live generation yet: its tables are still being created (just
 * after the service starts, or before a separate projector first ran). A temporary state, not a bug:
 * the HTTP layer answers it 503 `read-model-not-ready` with Retry-After.
 */
export class ProjectionNotReadyError extends Error {
  readonly code = 'read-model-not-ready';
  constructor(readonly projection: string) {
    super(`Projection '${projection}' has no active generation yet`);
    this.name = 'ProjectionNotReadyError';
  }
}

export interface DropResult {
  /** False only for a retired generation a reader still held: it stays, recorded as retired. */
  dropped: boolean;
}

export interface ReadRowsOptions {
  /** Rows per page, a positive integer: at most this many rows are read and handed out at a time. */
  pageSize: number;
  /** Default: the active generation, resolved once when the read starts. */
  generation?: number;
}

/** Names the active generation's tables inside `store.query(...)`: `t('clients')`, `t.object('clients_fts')`. */
export interface TableRef {
  (table: string): RawSql;
  object(name: string): RawSql;
}

/** At most one runner per projection across processes. */
export interface LeaseManager {
  readonly owner: string;
  /** 'advisory-lock' (PostgreSQL, held by a dedicated connection) or 'lease-row' (SQLite, expiring). */
  readonly mechanism: 'advisory-lock' | 'lease-row';
  readonly ttlMs: number;
  tryAcquire(projection: string): Promise<boolean>;
  isHeld(projection: string): boolean;
  release(projection: string): Promise<void>;
  /** Releases everything and closes the dedicated connection / heartbeat. */
  close(): Promise<void>;
}

export interface ReadModelStore {
  readonly dialect: DialectName;
  /** Creates or migrates the store's own bookkeeping tables. Idempotent; safe from several processes. */
  init(): Promise<void>;

  listGenerations(projection?: string): Promise<GenerationRecord[]>;
  activeGeneration(projection: string): Promise<number | null>;
  /** Creates the generation's tables (idempotent) and its bookkeeping row; `activate` also makes it serve reads. */
  createGeneration(projection: Projection, generation: number, options: { activate: boolean }): Promise<void>;
  /** The atomic swap: one transaction makes `generation` live and retires the previous one. */
  activateGeneration(projection: string, generation: number): Promise<void>;
  /**
   * Drops the generation's tables and forgets it (`dropped: true`, also when it was gone already).
   *
   * A `retired` generation never makes the caller wait for its readers: when one still holds a table
   * (on PostgreSQL a `readRows` begun before the swap keeps its cursor, and `DROP TABLE` needs the lock
   * that excludes it), the store gives up after a short lock timeout and leaves the generation as it
   * was, recorded as retired with its tables intact: `dropped: false`, try again later. A retired
   * generation is never served nor reported (reads follow the active generation, statuses the live
   * one). Any other generation (building, live) waits for its readers, if any (nothing reads a
   * building generation: replay-check reads the live one).
   */
  dropGeneration(projection: string, generation: number): Promise<DropResult>;
  updateState(
    projection: string,
    generation: number,
    state: ProjectionState,
    error?: ProjectionFailure | null,
  ): Promise<void>;

  loadRow(projection: Projection, generation: number, table: string, key: RowKey): Promise<Row | undefined>;
  /** Writes the changes and the new checkpoint in one transaction. */
  commit(request: CommitRequest): Promise<void>;

  leases(owner: string, ttlMs: number): LeaseManager;
  /**
   * Whether any process holds the projection's lease now (a lease row not expired; on PostgreSQL, the
   * advisory lock granted to some session): what tells a projection nobody runs from one another
   * process runs, when a projector killed outright left its state recorded as running.
   */
  leaseHeld(projection: string): Promise<boolean>;
  /**
   * Records an operator's request for whichever process holds the projection's lease (this one or
   * another replica's), which reads it with `pendingRequests`, carries it out and clears it.
   */
  request(projection: string, action: ProjectionRequest): Promise<void>;
  /** The requests waiting for the projection (each once, however often it was asked). */
  pendingRequests(projection: string): Promise<PendingRequest[]>;
  /**
   * Removes a request once it has been carried out (not before: a crash in between leaves it asked),
   * unless it was asked again after `requestedAt` (as pendingRequests gave it).
   */
  clearRequest(projection: string, action: ProjectionRequest, requestedAt: string): Promise<void>;

  /** Physical, quoted and qualified name of a table of the projection's active generation. */
  tableName(projection: Projection | string, table: string): Promise<string>;
  /**
   * Runs dialect-specific SQL against the active generation. Values interpolated in the `sql` tag
   * are bound parameters. Rows come back as the driver returns them (see `decodeRow`).
   */
  query<R extends object = Record<string, unknown>>(
    projection: Projection | string,
    build: (t: TableRef) => SqlFragment,
  ): Promise<R[]>;
  /**
   * Every row of every table of the projection, decoded and in primary-key order (for comparisons).
   * All in memory at once: for tests and small stores; `readRows` reads a table of any size.
   */
  dumpTables(projection: Projection, generation?: number): Promise<TableDump>;
  /**
   * Every row of one table, decoded as `dumpTables` decodes them (every column, json canonical), in
   * pages of at most `pageSize` rows, in primary-key order as `compareRowKeys` defines it: integers
   * numerically, false before true, text by its UTF-8 bytes whatever the database's collation, so
   * two stores (SQLite and PostgreSQL alike) list the same keys in the same order. Only the page
   * being handed out is held in memory.
   *
   * Not one snapshot: SQLite reads each page on its own (keyset), PostgreSQL reads one snapshot per
   * call (a cursor in a read-only transaction), and a commit may land between pages or calls; callers
   * that need a stable picture check the checkpoint around the read. Run the iteration to its end or
   * end it early (`break`, `return()`): PostgreSQL holds a pooled connection until then, and the
   * table with it (a rebuild swapped in meanwhile cannot drop the generation it replaced).
   */
  readRows(projection: Projection, table: string, options: ReadRowsOptions): AsyncIterable<Row[]>;
  close(): Promise<void>;
}
