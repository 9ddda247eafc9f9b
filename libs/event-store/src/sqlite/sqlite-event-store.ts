import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import {
  EventStoreError,
  EventStoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../errors';
import { type AppendOutcome, type QueuedAppend, settleGroup } from '../shared/append-group';
import { PollingSubscription } from '../shared/polling-subscription';
import { formatSequence, parseSequence } from '../shared/position';
import {
  normaliseFilter,
  pinnedStartRevision,
  prepareAppend,
  satisfiesExpected,
  validateDirection,
  validateMaxCount,
  validateRevision,
  type NormalisedFilter,
  type PreparedEvent,
} from '../shared/validation';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  JsonObject,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreSubscription,
  SubscribeToAllOptions,
} from '../types';
import { RecentRows } from './recent-rows';
import { registerFilterFunction, SQL, SQLITE_SCHEMA, type EventRow } from './sqlite-schema';

export interface SqliteEventStoreOptions {
  /** Database file; its directory is created. Defaults to ./data/events.sqlite. */
  path?: string;
  /**
   * NORMAL (default): in WAL mode a commit survives an application crash, but the last few commits
   * may be lost on power failure / OS crash, because the WAL is fsynced at checkpoints rather than at
   * every commit. The file never corrupts. FULL fsyncs every commit: durable, but each append pays a disk flush.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a writer waits for another process holding the write lock before failing. */
  busyTimeoutMs?: number;
  /** Subscriptions re-check at least this often, to see events appended by other processes sharing the file. */
  pollIntervalMs?: number;
  /**
   * How many of this process's latest appended events are kept in memory to answer live
   * subscriptions' reads without SQL (default 4096; 0 turns it off). See RecentRows.
   */
  recentEvents?: number;
}

const NO_LIMIT = -1;
const MAX_INT64 = 9223372036854775807n;

/** The embedded default: one SQLite file, zero setup. */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  /** Wake-up for this store's subscriptions; other processes' appends are found by polling. */
  private readonly appended = new EventEmitter();
  /**
   * Tells stores on the same file in this process's other threads (a projection runner in a worker
   * thread) that this one committed, and hears theirs: they wake at once instead of at the next poll.
   * A BroadcastChannel never delivers a message to the object that posted it. Absent for `:memory:`.
   */
  private readonly neighbours: BroadcastChannel | null;
  private readonly subscriptions = new Set<PollingSubscription>();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly recent: RecentRows;
  private readonly existingStreams = new LRUCache<string, true>({ max: 100_000 });
  /**
   * The last revision of streams this connection wrote or read to their end, valid while no other
   * connection commits (`PRAGMA data_version`, checked before one is used): a read past it is empty
   * without a query. That is the pipeline's read of a cached stream, before every command.
   */
  private readonly streamHeads = new LRUCache<string, number>({ max: 100_000 });
  /** Rows of the append transaction in progress; kept once it commits. */
  private pendingRows: EventRow[] = [];
  /**
   * `PRAGMA data_version` when `recent` and `streamHeads` were last known complete; it moves when
   * another connection commits.
   */
  private seenDataVersion = -1;
  /** Appends waiting for the group commit at the end of this event-loop turn. */
  private queued: QueuedAppend[] = [];
  /**
   * Built once: db.transaction() wraps the function in fresh BEGIN/COMMIT/SAVEPOINT machinery on every
   * call, which showed up in the append profile.
   */
  private readonly appendTransaction: Database.Transaction<
    (streamName: string, events: PreparedEvent[], expected: ExpectedRevision) => AppendResult
  >;
  /** Several queued appends in one transaction, each in its own savepoint (appendTransaction nested). */
  private readonly groupTransaction: Database.Transaction<(group: QueuedAppend[]) => AppendOutcome[]>;

  constructor(private readonly options: SqliteEventStoreOptions = {}) {
    const path = options.path ?? './data/events.sqlite';
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.db.exec(SQLITE_SCHEMA);
    registerFilterFunction(this.db);
    this.appended.setMaxListeners(0);
    this.neighbours = path === ':memory:' ? null : new BroadcastChannel(appendChannelName(path));
    if (this.neighbours) {
      this.neighbours.onmessage = () => this.appended.emit('append');
      // Listening must not keep a process alive that has nothing else to do.
      this.neighbours.unref();
    }
    this.recent = new RecentRows(options.recentEvents ?? 4096);
    this.appendTransaction = this.db.transaction((streamName, events, expected) =>
      this.appendInTransaction(streamName, events, expected),
    );
    this.groupTransaction = this.db.transaction((group) =>
      group.map((item) => {
        const mark = this.pendingRows.length;
        try {
          // An append of one event that fails has written nothing (a refused expectation is checked
          // first; a failed INSERT undoes itself), so only longer ones need a savepoint to undo.
          return item.events.length === 1
            ? this.appendInTransaction(item.streamName, item.events, item.expected)
            : this.appendTransaction(item.streamName, item.events, item.expected);
        } catch (error) {
          // Only this append failed (rolled back to its savepoint), unless SQLite itself did.
          this.pendingRows.length = mark;
          if (error instanceof EventStoreError) return error;
          throw error;
        }
      }),
    );
  }

  /**
   * Group commit: appends made during one event-loop turn are written in one transaction at its end
   * (each in its own savepoint, so one refused append leaves the others alone), and each promise
   * settles once that transaction has committed — the durability of one transaction per append, with
   * one commit for all of them. Positions follow the order of the calls.
   */
  async append(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const prepared = prepareAppend(streamName, events, expected);
    return new Promise<AppendResult>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.commitQueued());
      this.queued.push({ streamName, events: prepared, expected, resolve, reject });
    });
  }

  private commitQueued(): void {
    const group = this.queued;
    this.queued = [];
    if (group.length === 0) return;
    let outcomes: AppendOutcome[];
    try {
      // IMMEDIATE takes the write lock up front, so the revisions we read cannot change before we insert.
      outcomes = this.guard(() =>
        group.length === 1
          ? [this.appendTransaction.immediate(group[0].streamName, group[0].events, group[0].expected)]
          : this.groupTransaction.immediate(group),
      );
    } catch (error) {
      this.pendingRows = [];
      for (const item of group) item.reject(error);
      return;
    }
    const written = this.pendingRows;
    this.pendingRows = [];
    for (const row of written) {
      this.recent.add(row);
      // Rows come in revision order per stream, and we held the write lock: each is its stream's head.
      this.streamHeads.set(row.stream_name, row.revision);
      this.existingStreams.set(row.stream_name, true);
    }
    settleGroup(group, outcomes);
    this.appended.emit('append');
    if (written.length > 0) this.neighbours?.postMessage(null);
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const direction = validateDirection(options.direction);
    const from = validateRevision(options.fromRevision);
    const limit = validateMaxCount(options.maxCount) ?? NO_LIMIT;
    // 'start' is revision 0 and 'end' is past every revision, whichever way we read.
    const bound =
      from === 'start'
        ? 0
        : from === 'end'
          ? MAX_INT64
          : (from ?? (direction === 'forwards' ? 0 : MAX_INT64));
    return this.guard(() => {
      const head = direction === 'forwards' ? this.streamHeads.get(streamName) : undefined;
      // Past the head we know, while no other connection has committed: nothing to read (and the
      // stream exists, it has a head). Only a remembered head costs the check; a read that must run
      // anyway goes straight to SQL (the pipeline's first read of a stream).
      if (head !== undefined && bound > head && !this.othersCommitted()) return [];
      const sql = direction === 'forwards' ? SQL.streamForwards : SQL.streamBackwards;
      const rows = this.all<EventRow>(sql, streamName, bound, limit);
      // Every adapter answers a read of a stream with no events with StreamNotFoundError, whatever the
      // starting revision (the contract suite checks it); the existence query only runs on empty reads.
      if (rows.length === 0 && !this.knownToExist(streamName)) throw new StreamNotFoundError(streamName);
      // A forwards read that stopped short of its limit ended at the stream's head. Remembered without
      // a check: should another connection commit after this read, the next check sees data_version
      // move and forgets every head (seenDataVersion never moves without that), so none outlives it.
      if (direction === 'forwards' && rows.length > 0 && (limit === NO_LIMIT || rows.length < limit))
        this.streamHeads.set(streamName, rows[rows.length - 1].revision);
      return rows.map(toRecordedEvent);
    });
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const direction = validateDirection(options.direction);
    const limit = validateMaxCount(options.maxCount) ?? NO_LIMIT;
    const filter = normaliseFilter(options.filter);
    const from =
      options.fromPosition !== undefined
        ? BigInt(parseSequence(options.fromPosition))
        : direction === 'forwards'
          ? 0n
          : MAX_INT64;
    const params = {
      from,
      limit,
      types: filter.eventTypePrefixes && JSON.stringify(filter.eventTypePrefixes),
      streams: filter.streamNamePrefixes && JSON.stringify(filter.streamNamePrefixes),
    };
    return this.guard(() => {
      const recent = direction === 'forwards' ? this.readRecent(from, limit, filter) : undefined;
      const rows =
        recent ?? this.all<EventRow>(direction === 'forwards' ? SQL.allForwards : SQL.allBackwards, params);
      return rows.map(toRecordedEvent);
    });
  }

  /** A forwards read answered from this process's latest appends, when they are known to be complete. */
  private readRecent(from: bigint, limit: number, filter: NormalisedFilter): EventRow[] | undefined {
    if (this.recent.first === null || from > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    if (this.othersCommitted()) return undefined;
    return this.recent.readForwards(Number(from), limit, filter);
  }

  /**
   * Whether another connection committed since we last looked. If so, its events may lie past ours
   * and stream heads may have moved, so what we remember of the log is dropped: only SQL knows it now.
   */
  private othersCommitted(): boolean {
    const version = this.get<{ data_version: number }>(SQL.dataVersion)?.data_version ?? -1;
    if (version === this.seenDataVersion) return false;
    this.recent.clear();
    this.streamHeads.clear();
    this.seenDataVersion = version;
    return true;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): StoreSubscription {
    const subscription = new PollingSubscription(
      {
        readAll: (readOptions) => this.readAll(readOptions),
        headPosition: () => this.headPosition(),
        onAppend: (listener) => {
          this.appended.on('append', listener);
          return () => this.appended.off('append', listener);
        },
      },
      options,
      { pollIntervalMs: this.options.pollIntervalMs ?? 250 },
    );
    this.subscriptions.add(subscription);
    subscription.onClose(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async headPosition(): Promise<Position | null> {
    return this.guard(() => {
      const row = this.get<{ position: number | null }>(SQL.head);
      return row?.position == null ? null : formatSequence(row.position);
    });
  }

  async ping(): Promise<void> {
    this.guard(() => this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    // Appends already accepted are committed, not dropped.
    if (this.db.open) this.commitQueued();
    this.neighbours?.close();
    if (this.db.open) this.db.close();
  }

  private appendInTransaction(
    streamName: string,
    events: PreparedEvent[],
    expected: ExpectedRevision,
  ): AppendResult {
    const current = this.get<{ revision: number }>(SQL.currentRevision, streamName)?.revision ?? null;
    const actual = current ?? 'no_stream';
    // The common case is a first attempt that satisfies its expectation, so we insert straight away and
    // let UNIQUE (stream_name, event_id) detect a retry, instead of looking the id up before every append.
    // A failed expectation may still be a retry (its original append moved the stream on), hence the lookup.
    if (!satisfiesExpected(expected, current)) {
      const retried = this.get<{ revision: number }>(SQL.findEventId, streamName, events[0].id);
      if (retried !== undefined)
        return this.idempotentResult(streamName, events, expected, actual, retried.revision);
      throw new WrongExpectedVersionError(streamName, expected, actual);
    }

    const recordedAt = new Date().toISOString();
    const insert = this.statement(SQL.insert);
    let lastPosition = 0;
    for (let index = 0; index < events.length; index += 1) {
      try {
        const revision = (current ?? -1) + 1 + index;
        const info = insert.run({ streamName, revision, recordedAt, ...events[index] });
        lastPosition = Number(info.lastInsertRowid);
        const { id, type, data, metadata } = events[index];
        this.pendingRows.push({
          global_position: lastPosition,
          stream_name: streamName,
          revision,
          event_id: id,
          type,
          data,
          metadata,
          recorded_at: recordedAt,
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // The revision cannot collide (we hold the write lock and read the head), so the id is taken.
        // At index 0 nothing was written yet: it may be a retry. Later it is a partial overlap, not a
        // retry; throwing rolls back the rows this batch already inserted.
        const retried =
          index === 0 ? this.get<{ revision: number }>(SQL.findEventId, streamName, events[0].id) : undefined;
        if (retried !== undefined)
          return this.idempotentResult(streamName, events, expected, actual, retried.revision);
        throw new WrongExpectedVersionError(streamName, expected, actual);
      }
    }
    return {
      nextExpectedRevision: (current ?? -1) + events.length,
      position: formatSequence(lastPosition),
      duplicate: false,
    };
  }

  /**
   * The first id is already in the stream. A genuine retry finds the whole batch stored consecutively
   * (and where its expectation put it); then the original result is returned and nothing is written.
   */
  private idempotentResult(
    streamName: string,
    events: PreparedEvent[],
    expected: ExpectedRevision,
    actual: number | 'no_stream',
    startRevision: number,
  ): AppendResult {
    const pinned = pinnedStartRevision(expected);
    const stored = this.all<{ event_id: string; revision: number; global_position: number }>(
      SQL.eventIdsFrom,
      streamName,
      startRevision,
      events.length,
    );
    const matches =
      (pinned === null || pinned === startRevision) &&
      stored.length === events.length &&
      stored.every((row, i) => row.event_id === events[i].id);
    if (!matches) throw new WrongExpectedVersionError(streamName, expected, actual);
    const last = stored[stored.length - 1];
    return {
      nextExpectedRevision: last.revision,
      position: formatSequence(last.global_position),
      duplicate: true,
    };
  }

  /**
   * Events are never deleted, so a stream once seen exists for good: the pipeline's read of a cached
   * stream (from its next revision, usually empty) then costs one query instead of two.
   */
  private knownToExist(streamName: string): boolean {
    if (this.existingStreams.has(streamName)) return true;
    if (this.get(SQL.streamExists, streamName) === undefined) return false;
    this.existingStreams.set(streamName, true);
    return true;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private all<T>(sql: string, ...params: unknown[]): T[] {
    return this.statement(sql).all(...params) as T[];
  }

  private get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.statement(sql).get(...params) as T | undefined;
  }

  /** Port errors pass through; anything else (busy, I/O, closed database) is the backend's failure. */
  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof EventStoreError) throw error;
      throw new EventStoreUnavailableError(`SQLite event store failed: ${(error as Error).message}`, error);
    }
  }
}

export async function createSqliteEventStore(
  options: SqliteEventStoreOptions = {},
): Promise<SqliteEventStore> {
  try {
    return new SqliteEventStore(options);
  } catch (error) {
    throw new EventStoreUnavailableError(
      `Cannot open SQLite event store: ${(error as Error).message}`,
      error,
    );
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    streamName: row.stream_name,
    revision: row.revision,
    position: formatSequence(row.global_position),
    data: JSON.parse(row.data) as JsonObject,
    metadata: JSON.parse(row.metadata) as JsonObject,
    recordedAt: row.recorded_at,
  };
}

/**
 * Checked structurally, not with `instanceof Database.SqliteError` (or even `instanceof Error`): the
 * native addon keeps the SqliteError class of the first module instance that loaded it, so in another
 * module registry or vm context (jest workers running several suites) instanceof fails.
 */
function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** One channel per database file (by absolute path), shared by every thread of the process. */
function appendChannelName(path: string): string {
  return `partner-center:sqlite-appends:${resolve(path)}`;
}
