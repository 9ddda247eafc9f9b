import { EventEmitter } from 'node:events';
import { Pool, type PoolClient, type PoolConfig } from 'pg';
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
import { PgNotificationListener } from './pg-notifications';
import {
  appendLockKeys,
  assertSchemaName,
  migrationLockKeys,
  notifyChannel,
  schemaSql,
  statements,
  type PgEventRow,
  type PostgresStatements,
} from './postgres-schema';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Defaults to `public`. Tables are created in it if missing. */
  schema?: string;
  /** Pool size; appends serialise on the append lock anyway, so more mostly helps readers. */
  maxConnections?: number;
  /** Subscriptions re-check at least this often in case a notification was missed. */
  pollIntervalMs?: number;
}

const MAX_BIGINT = '9223372036854775807';

/**
 * Opens a write transaction holding advisory lock (namespace, key), in one round trip. READ COMMITTED
 * whatever the server's default: see ISOLATION on the class.
 */
function beginLocked(namespace: number, key: number): string {
  return `BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(${namespace}, ${key});`;
}

/**
 * PostgreSQL adapter.
 *
 * GAP SAFETY. A reader that has seen position N must never later discover an event below N, or a
 * position-driven subscription would skip it for good. With a plain sequence that can happen: a slow
 * transaction takes 41, a fast one takes 42 and commits, a reader sees 42, then 41 commits. So each
 * append takes a transaction-scoped advisory lock (one key per schema) before it reads the head and
 * assigns positions, and holds it until commit; PostgreSQL makes a commit visible before it releases
 * the transaction's locks. Hence positions are handed out in commit order, and when N is visible every
 * position below it is too. The cost: appends to one schema serialise (one at a time, a few round
 * trips each); reads never take the lock. The lock also serialises the revision check, so there is no
 * SELECT ... FOR UPDATE; the UNIQUE constraints remain as a backstop and map to WrongExpectedVersion.
 *
 * ISOLATION. All of this needs READ COMMITTED: the head and the stream's revision must be read with
 * a snapshot taken AFTER the lock was granted, so they include what the previous holder committed.
 * Under REPEATABLE READ or SERIALIZABLE the snapshot is taken by the transaction's first statement —
 * the one that waits for the lock — and is stale once it is granted: contended appends would reuse a
 * position or revision and fail (or a retry would not find its events). So write transactions say
 * READ COMMITTED explicitly (`beginLocked`) rather than inherit `default_transaction_isolation`, which
 * a database or role may set to something stricter.
 */
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  private readonly sql: PostgresStatements;
  private readonly lockSql: string;
  private readonly channel: string;
  private readonly local = new EventEmitter();
  private readonly listener: PgNotificationListener;
  private readonly subscriptions = new Set<PollingSubscription>();
  /** Appends waiting for the writer's next transaction. */
  private queued: QueuedAppend[] = [];
  /** The writer draining `queued`, while it runs. */
  private writer: Promise<void> | null = null;

  private constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly options: PostgresEventStoreOptions,
  ) {
    this.sql = statements(schema);
    const [namespace, key] = appendLockKeys(schema);
    this.lockSql = beginLocked(namespace, key);
    this.channel = notifyChannel(schema);
    this.listener = new PgNotificationListener({ connectionString: options.connectionString }, this.channel);
    this.local.setMaxListeners(0);
  }

  /** Connects, creates the schema objects if missing (idempotent, safe to race) and returns the store. */
  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const schema = options.schema ?? 'public';
    assertSchemaName(schema);
    const config: PoolConfig = {
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 5000,
    };
    const pool = new Pool(config);
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    // Nor one lent out between two statements (the pool takes its own listener off while a client is
    // lent): a server shutting down under load killed the process. The statement in flight, or the
    // next one, fails instead, and the transaction releases the client as broken.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const store = new PostgresEventStore(pool, schema, options);
    try {
      await store.migrate();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw toStoreError(error, 'Cannot initialise the PostgreSQL event store');
    }
    return store;
  }

  /**
   * Appends of this process go through one writer: while its transaction holds the append lock, the
   * appends that arrive queue up, and the next transaction writes them all (group commit: one lock,
   * one commit, instead of every caller holding a pooled connection while it waits for the lock). Each
   * promise settles after its transaction committed; each append succeeds or fails on its own.
   */
  async append(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const prepared = prepareAppend(streamName, events, expected);
    return new Promise<AppendResult>((resolve, reject) => {
      this.queued.push({ streamName, events: prepared, expected, resolve, reject });
      if (this.writer === null) this.writer = this.writeQueued();
    });
  }

  private async writeQueued(): Promise<void> {
    try {
      while (this.queued.length > 0) await this.writeGroup(this.queued.splice(0, MAX_GROUP));
    } finally {
      this.writer = null;
    }
  }

  private async writeGroup(group: QueuedAppend[]): Promise<void> {
    let outcomes: AppendOutcome[];
    try {
      outcomes = await this.inTransaction(this.lockSql, async (client) => {
        const results: AppendOutcome[] = [];
        for (const item of group) results.push(await this.appendInGroup(client, item, group.length > 1));
        return results;
      });
    } catch (error) {
      if (group.length === 1) {
        group[0].reject(error);
        return;
      }
      // One append broke the shared transaction (an error PostgreSQL aborts a transaction for):
      // each one again on its own, so that only the guilty one fails.
      for (const item of group) await this.writeGroup([item]);
      return;
    }
    settleGroup(group, outcomes);
    this.local.emit('append');
  }

  /**
   * One append of a group. A refused expectation writes nothing and leaves the transaction usable; an
   * append of several events gets a savepoint, as a later event's id may already be stored.
   */
  private async appendInGroup(
    client: PoolClient,
    item: QueuedAppend,
    shared: boolean,
  ): Promise<AppendOutcome> {
    const savepoint = shared && item.events.length > 1;
    if (savepoint) await client.query('SAVEPOINT append');
    try {
      const result = await this.appendLocked(client, item.streamName, item.events, item.expected);
      if (savepoint) await client.query('RELEASE SAVEPOINT append');
      return result;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError && shared) return error;
      if (!(savepoint && error instanceof UniqueViolation)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT append');
      return (await this.translateAppendError(error, client)) as EventStoreError;
    }
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const direction = validateDirection(options.direction);
    const from = validateRevision(options.fromRevision);
    const limit = validateMaxCount(options.maxCount) ?? null;
    const bound =
      from === 'start'
        ? 0
        : from === 'end'
          ? MAX_BIGINT
          : (from ?? (direction === 'forwards' ? 0 : MAX_BIGINT));
    const sql = direction === 'forwards' ? this.sql.streamForwards : this.sql.streamBackwards;
    const rows = await this.query<PgEventRow>(sql, [streamName, bound, limit]);
    if (rows.length === 0 && (await this.query(this.sql.streamExists, [streamName])).length === 0) {
      throw new StreamNotFoundError(streamName);
    }
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const direction = validateDirection(options.direction);
    const limit = validateMaxCount(options.maxCount) ?? null;
    const filter = normaliseFilter(options.filter);
    const from =
      options.fromPosition !== undefined
        ? parseSequence(options.fromPosition)
        : direction === 'forwards'
          ? '0'
          : MAX_BIGINT;
    const sql = direction === 'forwards' ? this.sql.allForwards : this.sql.allBackwards;
    const rows = await this.query<PgEventRow>(sql, [
      from,
      filter.eventTypePrefixes,
      filter.streamNamePrefixes,
      limit,
    ]);
    return rows.map(toRecordedEvent);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): StoreSubscription {
    const subscription = new PollingSubscription(
      {
        readAll: (readOptions) => this.readAll(readOptions),
        headPosition: () => this.headPosition(),
        // Local appends wake at once; appends by other processes arrive through LISTEN/NOTIFY.
        onAppend: (wake) => {
          this.local.on('append', wake);
          const stopListening = this.listener.listen(wake);
          return () => {
            this.local.off('append', wake);
            stopListening();
          };
        },
      },
      options,
      { pollIntervalMs: this.options.pollIntervalMs ?? 500 },
    );
    this.subscriptions.add(subscription);
    subscription.onClose(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async headPosition(): Promise<Position | null> {
    const [row] = await this.query<{ position: string | null }>(this.sql.head, []);
    return row?.position == null ? null : formatSequence(row.position);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', []);
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    // Appends already accepted are written, not dropped.
    await this.writer;
    await this.listener.stop();
    await this.pool.end().catch(() => undefined);
  }

  private async migrate(): Promise<void> {
    // Several processes may start at once; the lock makes CREATE ... IF NOT EXISTS race-free.
    const [namespace, key] = migrationLockKeys(this.schema);
    await this.inTransaction(beginLocked(namespace, key), async (client) => {
      await client.query(schemaSql(this.schema));
    });
  }

  /** Runs with the append lock held (see the class comment). */
  private async appendLocked(
    client: PoolClient,
    streamName: string,
    events: PreparedEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const state = await client.query<{ current: string | null; retried: string | null; head: string | null }>(
      this.sql.state,
      [streamName, events[0].id],
    );
    const { current: currentText, retried, head } = state.rows[0];
    const current = currentText === null ? null : Number(currentText);
    const actual = current ?? 'no_stream';
    if (retried !== null) {
      return this.idempotentResult(client, streamName, events, expected, actual, Number(retried));
    }
    if (!satisfiesExpected(expected, current))
      throw new WrongExpectedVersionError(streamName, expected, actual);

    // WITH ORDINALITY numbers the batch from 1, so position = head + n and revision = current + n.
    const base = head ?? '0';
    try {
      await client.query(this.sql.insert, [
        base,
        streamName,
        current ?? -1,
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => e.data),
        events.map((e) => e.metadata),
        this.channel,
      ]);
    } catch (error) {
      // A later id of the batch is already in the stream (a partial overlap), or the stream moved.
      if (isPgUniqueViolation(error)) throw new UniqueViolation(streamName, expected);
      throw error;
    }
    return {
      nextExpectedRevision: (current ?? -1) + events.length,
      position: formatSequence(BigInt(base) + BigInt(events.length)),
      duplicate: false,
    };
  }

  /** The first id is already stored: a genuine retry finds the whole batch there, in order, where expected. */
  private async idempotentResult(
    client: PoolClient,
    streamName: string,
    events: PreparedEvent[],
    expected: ExpectedRevision,
    actual: number | 'no_stream',
    startRevision: number,
  ): Promise<AppendResult> {
    const pinned = pinnedStartRevision(expected);
    const stored = await client.query<{ event_id: string; revision: string; global_position: string }>(
      this.sql.eventIdsFrom,
      [streamName, startRevision, events.length],
    );
    const rows = stored.rows;
    const matches =
      (pinned === null || pinned === startRevision) &&
      rows.length === events.length &&
      rows.every((row, i) => row.event_id === events[i].id);
    if (!matches) throw new WrongExpectedVersionError(streamName, expected, actual);
    const last = rows[rows.length - 1];
    return {
      nextExpectedRevision: Number(last.revision),
      position: formatSequence(last.global_position),
      duplicate: true,
    };
  }

  /** BEGIN (+ lock) as one round trip, the work, COMMIT; any failure rolls back and is mapped to a port error. */
  private async inTransaction<T>(begin: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw toStoreError(error, 'Cannot reach PostgreSQL');
    });
    let broken = false;
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw await this.translateAppendError(error, client);
    } finally {
      // A client whose connection failed is destroyed rather than returned to the pool.
      client.release(broken);
    }
  }

  /**
   * A unique violation means a partial overlap of ids or (only if some writer bypassed the append lock)
   * a concurrent append: either way a version conflict, reported with the stream's actual revision.
   */
  private async translateAppendError(error: unknown, client: PoolClient): Promise<Error> {
    if (error instanceof UniqueViolation) {
      const { streamName, expected } = error;
      const rows = await client
        .query<{ current: string | null }>(this.sql.currentRevision, [streamName])
        .catch(() => null);
      const current = rows?.rows[0]?.current ?? null;
      return new WrongExpectedVersionError(
        streamName,
        expected,
        current === null ? 'no_stream' : Number(current),
      );
    }
    return toStoreError(error, 'PostgreSQL event store failed');
  }

  private async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    try {
      const result = await this.pool.query(sql, params);
      return result.rows as T[];
    } catch (error) {
      throw toStoreError(error, 'PostgreSQL event store failed');
    }
  }
}

export async function createPostgresEventStore(
  options: PostgresEventStoreOptions,
): Promise<PostgresEventStore> {
  return PostgresEventStore.connect(options);
}

function toRecordedEvent(row: PgEventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    streamName: row.stream_name,
    revision: Number(row.revision),
    position: formatSequence(row.global_position),
    data: row.data as JsonObject,
    metadata: row.metadata as JsonObject,
    recordedAt: row.recorded_at.toISOString(),
  };
}

/** Port errors pass through; everything else is the backend's failure, not the caller's. */
function toStoreError(error: unknown, context: string): Error {
  if (error instanceof EventStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new EventStoreUnavailableError(`${context}: ${message}`, error);
}

/** Most appends in one transaction of the writer. */
const MAX_GROUP = 256;

/** Carries the facts a unique violation needs to become a WrongExpectedVersionError. */
class UniqueViolation extends Error {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
  ) {
    super(`unique violation on stream ${streamName}`);
  }
}

function isPgUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
