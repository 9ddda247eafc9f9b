import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventStore, Position } from '@pc/event-store';
import { Subject, type Observable } from 'rxjs';
import type { Projection } from '../definition/projection';
import type {
  GenerationRecord,
  LeaseManager,
  ProjectionFailure,
  ProjectionState,
  ReadModelStore,
} from '../store/read-model-store';
import { computeLag, type Lag } from './lag';
import { ProjectionWorker, type RunnerLogger, silentLogger } from './projection-worker';
import { PositionWaiter } from './wait';

/** Emitted after each committed batch of a live generation (and after a rebuild is swapped in). */
export interface ProjectionChange {
  projection: string;
  position: Position;
  /** Partners whose rows the batch touched (from `partnerIdColumn` columns and `partnerIds(event)`). */
  partnerIds: string[];
  /** True when a rebuilt generation replaced the live one: every dashboard of this projection is stale. */
  swapped?: boolean;
}

export interface ProjectionStatus {
  name: string;
  version: number;
  state: ProjectionState;
  /** True when this process holds the projection's lease and runs it. */
  ownedHere: boolean;
  generation: number | null;
  position: Position | null;
  head: Position | null;
  lag: Lag;
  error: ProjectionFailure | null;
  rebuild: { generation: number; position: Position | null; error: ProjectionFailure | null } | null;
}

export interface ProjectionRunnerOptions {
  eventStore: EventStore;
  store: ReadModelStore;
  projections: Projection[];
  /** Most events per transaction. Default 500. */
  batchSize?: number;
  /**
   * Live (caught-up) projections let events gather this long after the first arrives and commit
   * them as one batch: fewer transactions under load, at most this much added lag. Default 0.
   */
  liveBatchWindowMs?: number;
  /** Identifies this runner in leases. Default host:pid:random. */
  owner?: string;
  /** SQLite lease rows: how long a crashed holder blocks a takeover. Default 15 s. */
  leaseTtlMs?: number;
  /** How often a standby runner tries to take over. Default leaseTtlMs / 3. */
  leaseRetryMs?: number;
  /** Pause before retrying after an infrastructure error. Default 1 s. */
  retryBackoffMs?: number;
  /**
   * The longest pause between background tries to drop a retired generation a reader still held
   * (PROJECTION_DROP_RETRY_MAX_MS). Default 30 s.
   */
  maxDropRetryMs?: number;
  logger?: RunnerLogger;
}

/** What the API and the projector need of a runner, whichever thread it runs the projections on. */
export interface RunsProjections {
  /** Committed batches of live generations (and swaps), in commit order. */
  readonly changes$: Observable<ProjectionChange>;
  start(): Promise<void>;
  stop(): Promise<void>;
  waitForPosition(position: Position, timeoutMs: number, projectionNames?: string[]): Promise<boolean>;
  /** Whether this process holds the projection's lease and runs it (its commits come on changes$). */
  runsHere(projectionName: string): boolean;
  /** Records the request for the projection's lease holder (this process or another); see ProjectionWorker. */
  rebuild(projectionName: string): Promise<void>;
  resume(projectionName: string): Promise<void>;
  status(): Promise<ProjectionStatus[]>;
}

/**
 * Runs projections from the event store into a read-model store, one worker per projection, each
 * isolated: a projection stopped on an event it cannot handle does not hold the others back.
 */
export class ProjectionRunner implements RunsProjections {
  private readonly subject = new Subject<ProjectionChange>();
  /** Committed batches of live generations, for Server-Sent Events and read-your-writes wake-ups. */
  readonly changes$: Observable<ProjectionChange> = this.subject.asObservable();
  readonly leases: LeaseManager;
  private readonly workers: Map<string, ProjectionWorker>;
  private readonly waiter: PositionWaiter;
  private started = false;

  constructor(private readonly options: ProjectionRunnerOptions) {
    const names = new Set<string>();
    for (const projection of options.projections) {
      if (names.has(projection.name)) throw new Error(`Projection '${projection.name}' is registered twice`);
      names.add(projection.name);
    }
    const leaseTtlMs = options.leaseTtlMs ?? 15_000;
    const owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leases = options.store.leases(owner, leaseTtlMs);
    this.workers = new Map(
      options.projections.map((projection) => [
        projection.name,
        new ProjectionWorker(projection, {
          eventStore: options.eventStore,
          store: options.store,
          leases: this.leases,
          batchSize: options.batchSize ?? 500,
          liveBatchWindowMs: options.liveBatchWindowMs ?? 0,
          retryBackoffMs: options.retryBackoffMs ?? 1000,
          leaseRetryMs: options.leaseRetryMs ?? Math.max(100, Math.floor(leaseTtlMs / 3)),
          maxDropRetryMs: options.maxDropRetryMs,
          logger: options.logger ?? silentLogger,
          onCommitted: (name, batch) =>
            this.subject.next({
              projection: name,
              position: batch.position,
              partnerIds: batch.partnerIds,
              ...(batch.swapped ? { swapped: true } : {}),
            }),
        }),
      ]),
    );
    this.waiter = new PositionWaiter({
      eventStore: options.eventStore,
      store: options.store,
      projections: options.projections,
      commits: this.changes$,
      runsHere: (name) => this.runsHere(name),
    });
  }

  runsHere(projectionName: string): boolean {
    return this.workers.get(projectionName)?.ownsLease === true;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.options.store.init();
    for (const worker of this.workers.values()) worker.start();
  }

  /** Graceful: batches in flight commit with their checkpoints, leases are released. */
  async stop(): Promise<void> {
    await Promise.all([...this.workers.values()].map((worker) => worker.stop()));
    await this.leases.close();
    this.subject.complete();
  }

  waitForPosition(position: Position, timeoutMs: number, projectionNames?: string[]): Promise<boolean> {
    return this.waiter.waitForPosition(position, timeoutMs, projectionNames);
  }

  /** Rebuilds from position zero beside the live tables and swaps when caught up (run by the lease holder). */
  rebuild(projectionName: string): Promise<void> {
    return this.worker(projectionName).requestRebuild();
  }

  /** Has the projection's worker look at the recorded requests now (one recorded by another thread). */
  wake(projectionName: string): void {
    this.worker(projectionName).wake();
  }

  /** Retries a projection stopped on error from its checkpoint (after a fix is deployed). */
  resume(projectionName: string): Promise<void> {
    return this.worker(projectionName).resume();
  }

  async status(): Promise<ProjectionStatus[]> {
    const { eventStore, store } = this.options;
    const head = await eventStore.headPosition();
    const statuses: ProjectionStatus[] = [];
    for (const worker of this.workers.values()) {
      const projection = worker.projection;
      const generations = await store.listGenerations(projection.name);
      const active = await store.activeGeneration(projection.name);
      const live = generations.find((g) => g.generation === active);
      const building = generations.find((g) => g.status === 'building');
      const ownedHere = worker.ownsLease;
      const status = await statusFromRecords(eventStore, projection, head, live, building, {
        // Another process runs it: its persisted state is the best we know.
        state: ownedHere || worker.state === 'stopped' ? worker.state : (live?.state ?? 'standby'),
        ownedHere,
        generation: active,
      });
      // A failure whose recording failed (the store was down at that moment) is still known here.
      if (ownedHere && status.rebuild && status.rebuild.generation === worker.building?.generation)
        status.rebuild.error ??= worker.rebuildFailure;
      statuses.push(status);
    }
    return statuses;
  }

  private worker(name: string): ProjectionWorker {
    const worker = this.workers.get(name);
    if (!worker) throw new Error(`Unknown projection '${name}'`);
    return worker;
  }
}

/**
 * What the store records of each projection, for a process that does not run them (another process
 * or a projection thread being restarted holds or will take the leases): persisted state, checkpoint,
 * lag, error and rebuild in progress; `ownedHere` is false.
 */
export async function recordedStatuses(
  eventStore: EventStore,
  store: ReadModelStore,
  projections: Projection[],
): Promise<ProjectionStatus[]> {
  const head = await eventStore.headPosition();
  const generations = await store.listGenerations();
  return Promise.all(
    projections.map((projection) => {
      const own = generations.filter((g) => g.projection === projection.name);
      const live = own.find((g) => g.status === 'live');
      const building = own.find((g) => g.status === 'building');
      return recordedState(store, projection.name, live).then((state) =>
        statusFromRecords(eventStore, projection, head, live, building, {
          state,
          ownedHere: false,
          generation: live?.generation ?? null,
        }),
      );
    }),
  );
}

/**
 * The recorded state, unless it says the projection runs while no process holds its lease: a
 * projector killed outright (SIGKILL, a crash) never records that it stopped, and its last
 * 'running' kept /ready green while nothing followed the log. Then it is 'stopped'.
 */
async function recordedState(
  store: ReadModelStore,
  projection: string,
  live: GenerationRecord | undefined,
): Promise<ProjectionState> {
  const state = live?.state ?? 'standby';
  if (state === 'stopped' || state === 'stopped-on-error' || state === 'standby') return state;
  return (await store.leaseHeld(projection)) ? state : 'stopped';
}

/** A projection's status from its live and building generation records; `here` is what the caller knows itself. */
async function statusFromRecords(
  eventStore: EventStore,
  projection: Projection,
  head: Position | null,
  live: GenerationRecord | undefined,
  building: GenerationRecord | undefined,
  here: Pick<ProjectionStatus, 'state' | 'ownedHere' | 'generation'>,
): Promise<ProjectionStatus> {
  return {
    name: projection.name,
    version: projection.version,
    ...here,
    position: live?.position ?? null,
    head,
    lag: await computeLag(eventStore, projection, live?.position ?? null, live?.positionRecordedAt ?? null),
    error: live?.error ?? null,
    rebuild: building
      ? { generation: building.generation, position: building.position, error: building.error }
      : null,
  };
}
