import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { Client, Pool } from 'pg';
import {
  type Actor,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type NewEvent,
  createEventStore,
} from '@pc/event-store';
import { type Catalog, createDomainCommands } from '@pc/domain';
import { createCommandPipeline } from '@pc/pipeline';
import type { BackendRun } from './backend';
import type { World } from './generator';
import { elapsedMs, forEachLimited } from './stats';

interface RecordedAppend {
  stream: string;
  firstRevision: number;
  /** Global position of the append's first event: an append's events take consecutive positions. */
  firstPosition: bigint;
  events: NewEvent[];
}

/** Delegates to the real store and remembers every append, so the raw baseline writes the same rows. */
class RecordingStore implements EventStore {
  readonly appends: RecordedAppend[] = [];
  recording = false;
  constructor(private readonly inner: EventStore) {}
  get kind() {
    return this.inner.kind;
  }
  async append(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    const result = await this.inner.append(streamName, events, options);
    if (this.recording) {
      this.appends.push({
        stream: streamName,
        firstRevision: result.nextExpectedRevision - events.length + 1,
        // The SQL adapters' positions are the global sequence in decimal.
        firstPosition: BigInt(result.position) - BigInt(events.length) + 1n,
        events,
      });
    }
    return result;
  }
  readStream: EventStore['readStream'] = (name, options) => this.inner.readStream(name, options);
  readAll: EventStore['readAll'] = (options) => this.inner.readAll(options);
  subscribeToAll: EventStore['subscribeToAll'] = (options) => this.inner.subscribeToAll(options);
  headPosition: EventStore['headPosition'] = () => this.inner.headPosition();
  ping: EventStore['ping'] = () => this.inner.ping();
  close: EventStore['close'] = () => this.inner.close();
}

export interface PipelineBenchResult {
  commands: number;
  appends: number;
  events: number;
  concurrency: number;
  pipelineSeconds: number;
  pipelineCommandsPerSecond: number;
  rawSeconds: number;
  rawCommandsPerSecond: number;
  rawRowsPerSecond: number;
  ratio: number;
  refused: number;
}

interface Job {
  type: string;
  payload: Record<string, unknown>;
  actor: Actor;
}

/** The same mix as the HTTP benchmark (40 % UpdatePartnerUser, 20 % AssignAdminRole, 40 % ChangeLicenseCount). */
function* jobs(world: World, count: number, offset: number): Iterable<Job> {
  const partners = world.partners.filter((p) => p.userIds.length > 0);
  const subs = world.paid.slice(0, 5000);
  const roles = new Map<string, string>();
  const licenses = subs.map((s) => s.licenses);
  for (let k = 0; k < count; k++) {
    const n = k + offset;
    const slot = n % 10;
    if (slot < 6 || subs.length === 0) {
      const p = partners[n % partners.length];
      const userId = p.userIds[Math.floor(n / partners.length) % p.userIds.length];
      const actor: Actor = { kind: 'partner-user', id: p.adminId, partnerId: p.partnerId };
      if (slot < 4 || subs.length === 0) {
        yield {
          type: 'UpdatePartnerUser',
          payload: { partnerId: p.partnerId, userId, displayName: `P ${n}` },
          actor,
        };
        continue;
      }
      const key = `${p.partnerId}/${userId}`;
      const role = roles.get(key) === 'full' ? 'limited' : 'full';
      roles.set(key, role);
      yield {
        type: 'AssignAdminRole',
        payload: { partnerId: p.partnerId, userId, scope: 'customers', role },
        actor,
      };
      continue;
    }
    const i = n % subs.length;
    const s = subs[i];
    const value = licenses[i] === s.minLicenses + 1 ? s.minLicenses + 2 : s.minLicenses + 1;
    licenses[i] = value;
    yield {
      type: 'ChangeLicenseCount',
      payload: { customerId: s.customerId, subscriptionId: s.subscriptionId, licenses: value },
      actor: { kind: 'customer-user', id: s.adminUserId, customerId: s.customerId },
    };
  }
}

/**
 * Measurement (2): the in-process pipeline (load → fold → decide → append, stream cache warm after a
 * warm-up of 10 %) on the generated store, recording every append; then the raw baseline writes exactly
 * those rows again, in the same place: the pipeline's rows are deleted and re-inserted (same stream,
 * revision, event id, type, data, metadata and global position, in commit order), one transaction per
 * append as the adapter's durability gives each append, through the same driver with the same settings
 * (SQLite: WAL, synchronous=NORMAL, SQLite's default checkpoint interval as in the adapter; PostgreSQL:
 * default synchronous_commit, pool of 10). So both write the same index pages of the same store; data
 * and metadata are serialised before the clock starts. Both phases start right after a checkpoint
 * (PostgreSQL: after VACUUM removed the deleted rows' index entries too). (Until fix 30 the raw rows went to new `raw-…` streams, whose index entries all sat
 * together in a few hot pages: a flattering baseline.)
 */
export async function runPipelineBench(options: {
  backend: BackendRun;
  world: World;
  catalog: Catalog;
  commands: number;
  concurrency: number;
}): Promise<PipelineBenchResult> {
  const config = options.backend.eventStore;
  const inner = await createEventStore(config);
  const store = new RecordingStore(inner);
  const pipeline = createCommandPipeline({ store, commands: createDomainCommands(options.catalog) });
  let refused = 0;
  let seq = 0;
  const execute = async (job: Job) => {
    const n = seq++;
    try {
      await pipeline.execute(job.type, job.payload, {
        commandId: randomUUID(),
        correlationId: `pipeline-bench-${n}`,
        actor: job.actor,
        service: { kind: 'service', id: 'bench' },
        now: new Date().toISOString(),
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === undefined) throw error;
      refused++;
    }
  };
  const warmup = Math.max(100, Math.floor(options.commands / 10));
  await forEachLimited(jobs(options.world, warmup, 0), options.concurrency, execute);
  refused = 0;
  const head = await store.headPosition();
  const mark = head === null ? 0n : BigInt(head);
  if (config.kind === 'sqlite') checkpointSqlite(config.path);
  else if (config.kind === 'postgres') await checkpointPostgres(config.url);
  store.recording = true;
  const started = process.hrtime.bigint();
  await forEachLimited(jobs(options.world, options.commands, warmup), options.concurrency, execute);
  const pipelineSeconds = elapsedMs(started) / 1000;
  store.recording = false;
  await store.close();

  const rows = store.appends
    .slice()
    .sort((a, b) => (a.firstPosition < b.firstPosition ? -1 : 1))
    .map((a) => ({
      stream: a.stream,
      firstRevision: a.firstRevision,
      firstPosition: a.firstPosition,
      events: a.events.map((e) => ({
        id: e.id,
        type: e.type,
        data: JSON.stringify(e.data),
        metadata: JSON.stringify(e.metadata ?? {}),
      })),
    }));
  const events = rows.reduce((n, r) => n + r.events.length, 0);
  let rawSeconds: number;
  if (config.kind === 'sqlite') {
    const db = new Database(config.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    const removed = db.prepare('DELETE FROM events WHERE global_position > ?').run(mark).changes;
    if (removed !== events) throw new Error(`expected to remove ${events} rows, removed ${removed}`);
    // SQLite deletes in place: the inserts below reuse the freed pages and the same index leaves.
    restartWal(db);
    const insert = db.prepare(
      `INSERT INTO events (global_position, stream_name, revision, event_id, type, data, metadata, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const write = db.transaction((row: (typeof rows)[number], recordedAt: string) => {
      row.events.forEach((e, i) =>
        insert.run(
          row.firstPosition + BigInt(i),
          row.stream,
          row.firstRevision + i,
          e.id,
          e.type,
          e.data,
          e.metadata,
          recordedAt,
        ),
      );
    });
    const t = process.hrtime.bigint();
    for (const row of rows) write.immediate(row, new Date().toISOString());
    rawSeconds = elapsedMs(t) / 1000;
    db.close();
  } else {
    if (config.kind !== 'postgres') throw new Error('unsupported backend');
    const pool = new Pool({ connectionString: config.url, max: 10 });
    const table = `"${config.schema}".events`;
    const removed = await pool.query(`DELETE FROM ${table} WHERE global_position > $1`, [String(mark)]);
    if (removed.rowCount !== events)
      throw new Error(`expected to remove ${events} rows, removed ${removed.rowCount}`);
    // PostgreSQL's DELETE leaves dead tuples whose index entries hold the very keys inserted again,
    // which the unique checks would visit: VACUUM removes them, then the same checkpoint as before the
    // pipeline phase.
    await pool.query(`VACUUM ${table}`);
    await checkpointPostgres(config.url);
    const t = process.hrtime.bigint();
    await forEachLimited(rows, 10, async (row) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO ${table} (global_position, stream_name, revision, event_id, type, data, metadata, recorded_at)
           SELECT $1::bigint + e.n - 1, $2, $3::bigint + e.n - 1, e.id, e.type, e.data, e.metadata, statement_timestamp()
           FROM unnest($4::uuid[], $5::text[], $6::json[], $7::json[]) WITH ORDINALITY AS e(id, type, data, metadata, n)`,
          [
            String(row.firstPosition),
            row.stream,
            row.firstRevision,
            row.events.map((e) => e.id),
            row.events.map((e) => e.type),
            row.events.map((e) => e.data),
            row.events.map((e) => e.metadata),
          ],
        );
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    });
    rawSeconds = elapsedMs(t) / 1000;
    await pool.end();
  }
  const pipelineCommandsPerSecond = options.commands / pipelineSeconds;
  const rawCommandsPerSecond = options.commands / rawSeconds;
  return {
    commands: options.commands,
    appends: rows.length,
    events,
    concurrency: options.concurrency,
    pipelineSeconds,
    pipelineCommandsPerSecond,
    rawSeconds,
    rawCommandsPerSecond,
    rawRowsPerSecond: events / rawSeconds,
    ratio: pipelineCommandsPerSecond / rawCommandsPerSecond,
    refused,
  };
}

/** Copies the WAL into the database file, so the next writer starts it again from its beginning (the store's connection is idle here). */
function checkpointSqlite(path: string): void {
  const db = new Database(path);
  try {
    restartWal(db);
  } finally {
    db.close();
  }
}

/** A complete checkpoint, or the run stops: both phases are meant to start right after one. */
function restartWal(db: Database.Database): void {
  const [result] = db.pragma('wal_checkpoint(RESTART)') as { busy: number }[];
  if (result.busy !== 0) throw new Error('wal_checkpoint(RESTART) was blocked by another connection');
}

/** PostgreSQL's CHECKPOINT (superuser or pg_checkpoint): both phases start with no dirty buffers left behind. */
async function checkpointPostgres(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}
