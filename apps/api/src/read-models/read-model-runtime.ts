import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { EventStore } from '@pc/event-store';
import {
  createProjectionRunner,
  createReadModelStore,
  PositionWaiter,
  projectionCatalog,
  projectionCatalogSource,
  type ProjectionStatus as RunnerStatus,
  type ReadModelStore,
  recordedStatuses,
  type RunsProjections,
  ThreadedProjectionRunner,
} from '@pc/projections';
import { map, merge, type Observable, Subject } from 'rxjs';
import {
  API_CONFIG,
  type ApiConfig,
  EVENT_STORE,
  MetricsService,
  ProblemException,
  type ProjectionStatus,
  type ProjectionStatusProvider,
  ProjectionStatusRegistry,
} from '../platform';
import { PolledChanges, type ReadModelChange } from './read-model-changes';
import { READ_MODELS_CONFIG, type ReadModelsConfig } from './read-models.config';

const HEALTH_STATE: Record<RunnerStatus['state'], ProjectionStatus['state']> = {
  'catching-up': 'catching-up',
  running: 'live',
  rebuilding: 'rebuilding',
  'stopped-on-error': 'failed',
  stopped: 'stopped',
  // Another process holds the lease and runs it: nothing is wrong here.
  standby: 'live',
};

/** How often projection lag is pushed into the Prometheus gauges (also on every status call). */
const LAG_METRICS_INTERVAL_MS = 15_000;

/**
 * The read side's runtime in the API: the read-model store the queries read, and either the
 * projection runner over the product catalog (PROJECTIONS_IN_PROCESS=true, the default; on a worker
 * thread with PROJECTIONS_THREAD=worker) or, when apps/projector runs them, a PositionWaiter and
 * polled change notifications.
 *
 * Shutdown order (Nest: onModuleDestroy → beforeApplicationShutdown → HTTP server closes →
 * onApplicationShutdown): update streams end first (an open SSE response would hold the server's
 * close), then the runner stops — its batch in flight commits while the event store (closed by the
 * platform in onApplicationShutdown) is still open — and the store closes last, after in-flight
 * queries have drained.
 */
@Injectable()
export class ReadModelRuntime
  implements
    ProjectionStatusProvider,
    OnModuleInit,
    OnModuleDestroy,
    BeforeApplicationShutdown,
    OnApplicationShutdown
{
  private readonly logger = new Logger('ReadModels');
  private readonly closing = new Subject<void>();
  /** Emits once when the app starts shutting down: long-lived responses end on it. */
  readonly closing$: Observable<void> = this.closing.asObservable();
  private storeHandle: ReadModelStore | undefined;
  private runner: RunsProjections | undefined;
  private waiter: PositionWaiter | undefined;
  private polled: PolledChanges | undefined;
  private metricsTimer: NodeJS.Timeout | undefined;
  readonly projections = projectionCatalog;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(API_CONFIG) private readonly api: ApiConfig,
    @Inject(READ_MODELS_CONFIG) readonly config: ReadModelsConfig,
    private readonly registry: ProjectionStatusRegistry,
    private readonly metrics: MetricsService,
  ) {}

  async onModuleInit(): Promise<void> {
    const store = await createReadModelStore(this.api.readModelStore);
    this.storeHandle = store;
    if (this.config.inProcess) {
      this.runner = createProjectionRunner({
        thread: this.config.thread,
        eventStore: this.eventStore,
        eventStoreConfig: this.api.eventStore,
        store,
        readModelStoreConfig: this.api.readModelStore,
        projections: this.projections,
        source: projectionCatalogSource,
        batchSize: this.config.batchSize,
        liveBatchWindowMs: this.config.liveBatchWindowMs,
        leaseTtlMs: this.config.leaseTtlMs,
        maxDropRetryMs: this.config.maxDropRetryMs,
        logger: {
          info: (context, message) => this.logger.log(context, message),
          warn: (context, message) => this.logger.warn(context, message),
          error: (context, message) => this.logger.error(context, message),
        },
      });
      await this.runner.start();
    } else {
      this.waiter = new PositionWaiter({ eventStore: this.eventStore, store, projections: this.projections });
    }
    // The projections another process runs (a separate projector, or the replica holding their
    // leases) commit nothing here: dashboards learn of their moves from the store.
    const runner = this.runner;
    this.polled = new PolledChanges(
      store,
      this.projections.map((p) => p.name),
      this.config.pollMs,
      runner && ((name) => !runner.runsHere(name)),
    );
    await this.polled.start();
    this.registry.register(this);
    this.metricsTimer = setInterval(
      () => void this.statuses().catch(() => undefined),
      LAG_METRICS_INTERVAL_MS,
    );
    this.metricsTimer.unref();
  }

  onModuleDestroy(): void {
    this.closing.next();
    this.closing.complete();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    this.polled?.stop();
    await this.runner?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.storeHandle?.close();
  }

  get store(): ReadModelStore {
    if (!this.storeHandle) throw new Error('The read-model store is not open yet');
    return this.storeHandle;
  }

  /** Readiness: the read-model store answers a read of its own bookkeeping. */
  async pingStore(): Promise<void> {
    await this.store.listGenerations();
  }

  get runsProjections(): boolean {
    return this.runner !== undefined;
  }

  /** The thread this process runs the projections on; null when they run elsewhere. */
  get projectionThread(): 'main' | 'worker' | null {
    if (!this.runner) return null;
    return this.runner instanceof ThreadedProjectionRunner ? 'worker' : 'main';
  }

  /**
   * Committed changes of the read models: each batch of the projections this process runs, and the
   * polled checkpoints of those another process runs (all of them when the projector runs elsewhere).
   */
  get changes$(): Observable<ReadModelChange> {
    if (!this.polled) throw new Error('The read-model runtime has not started');
    if (this.runner) {
      const committed = this.runner.changes$.pipe(
        map((change): ReadModelChange => ({
          projection: change.projection,
          position: change.position,
          partnerIds: change.swapped ? 'all' : change.partnerIds,
        })),
      );
      return merge(committed, this.polled.changes$);
    }
    return this.polled.changes$;
  }

  /** True once every named projection reflects `position`; false when `timeoutMs` passed first. */
  waitFor(position: string, projections: string[], timeoutMs: number): Promise<boolean> {
    if (this.runner) return this.runner.waitForPosition(position, timeoutMs, projections);
    if (this.waiter) return this.waiter.waitForPosition(position, timeoutMs, projections);
    return Promise.resolve(false);
  }

  async rebuild(name: string): Promise<void> {
    if (!this.runner) {
      throw new ProblemException(
        409,
        'projections-run-elsewhere',
        'Projections run elsewhere',
        'This API does not run the projections (PROJECTIONS_IN_PROCESS=false); rebuild them through apps/projector.',
        { projection: name },
      );
    }
    await this.runner.rebuild(name);
  }

  /** The runner's view of every projection (or, when they run elsewhere, what the store records). */
  async status(): Promise<RunnerStatus[]> {
    if (this.runner) return this.runner.status();
    return recordedStatuses(this.eventStore, this.store, this.projections);
  }

  /**
   * For readiness (/ready) and the lag gauges. One read at a time, shared by the callers that come
   * meanwhile: probes and scrapes that gave up on a database that stopped answering each left one
   * more read queued, to burst when it came back.
   */
  statuses(): Promise<ProjectionStatus[]> {
    this.statusesInFlight ??= this.readStatuses().finally(() => {
      this.statusesInFlight = undefined;
    });
    return this.statusesInFlight;
  }

  private statusesInFlight: Promise<ProjectionStatus[]> | undefined;

  private async readStatuses(): Promise<ProjectionStatus[]> {
    const statuses = await this.status();
    for (const s of statuses) this.metrics.setProjectionLag(s.name, s.lag.events, s.lag.seconds);
    return statuses.map((s) => ({
      name: s.name,
      state: HEALTH_STATE[s.state],
      checkpoint: s.position,
      lagEvents: s.lag.events,
      lagSeconds: s.lag.seconds,
      ...(s.error ? { lastError: s.error.message } : {}),
    }));
  }
}
