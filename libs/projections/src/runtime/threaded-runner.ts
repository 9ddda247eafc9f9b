import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { EventStore, EventStoreConfig, Position } from '@pc/event-store';
import { Subject, type Observable } from 'rxjs';
import type { Projection } from '../definition/projection';
import type { ProjectionThread, ReadModelStoreConfig } from '../store/config';
import type { ReadModelStore } from '../store/read-model-store';
import { type RunnerLogger, silentLogger } from './projection-worker';
import {
  type ProjectionChange,
  ProjectionRunner,
  recordedStatuses,
  type ProjectionStatus,
  type RunsProjections,
} from './runner';
import type {
  FromRunnerThread,
  ProjectionSource,
  RunnerThreadData,
  RunnerTuning,
  ToRunnerThread,
} from './thread-protocol';
import { PositionWaiter } from './wait';

export type { ProjectionSource } from './thread-protocol';

export interface ThreadedProjectionRunnerOptions extends RunnerTuning {
  /** This thread's event store: read-your-writes waits read the log through it. */
  eventStore: EventStore;
  /** This thread's read-model store: waits read generation records through it. */
  store: ReadModelStore;
  /** Settings the worker thread opens its own connections from (the same stores, other connections). */
  eventStoreConfig: EventStoreConfig;
  readModelStoreConfig: ReadModelStoreConfig;
  /** The projections, as this thread knows them (names, filters)... */
  projections: Projection[];
  /** ...and where the worker thread loads the very same ones (functions cannot cross threads). */
  source: ProjectionSource;
  /** How long to wait before starting a worker thread again after it died. Default 1 s. */
  restartBackoffMs?: number;
  logger?: RunnerLogger;
}

/** A stop that takes longer than this ends the thread forcibly (its open batch rolls back; nothing is lost). */
const STOP_TIMEOUT_MS = 30_000;
const STATUS_TIMEOUT_MS = 10_000;
const MAX_RESTART_BACKOFF_MS = 30_000;

export class ProjectionThreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectionThreadError';
  }
}

/**
 * Runs the projections in a worker thread of this process, so their work (applying events, writing
 * read-model rows) uses another core than the requests do. The same interface as ProjectionRunner:
 * committed batches arrive on `changes$` (for Server-Sent Events and read-your-writes), commands go
 * over the thread's port. The worker opens its own connections from the stores' settings; an SQLite
 * event store wakes it at every commit of this thread (SqliteEventStore's BroadcastChannel).
 *
 * A thread that dies (an uncaught error, a native crash of a driver) is started again after
 * `restartBackoffMs`; its projections resume from their committed checkpoints.
 */
export class ThreadedProjectionRunner implements RunsProjections {
  private readonly subject = new Subject<ProjectionChange>();
  readonly changes$: Observable<ProjectionChange> = this.subject.asObservable();
  private readonly waiter: PositionWaiter;
  private readonly names: Set<string>;
  private readonly owner: string;
  private readonly logger: RunnerLogger;
  /** Projections whose lease the worker thread holds, as it last reported. */
  private owned = new Set<string>();
  private worker: Worker | null = null;
  /** True between the thread's 'started' and its exit. */
  private running = false;
  /** Requests made while no thread was running, sent once one is. */
  private queued: ToRunnerThread[] = [];
  private stopping = false;
  private started = false;
  private nextRequest = 0;
  private readonly requests = new Map<
    number,
    { resolve: (statuses: ProjectionStatus[]) => void; reject: (error: Error) => void }
  >();
  private restartTimer: NodeJS.Timeout | null = null;
  /** The delay before the last restart (see the exit handler). */
  private lastBackoff = 0;

  constructor(private readonly options: ThreadedProjectionRunnerOptions) {
    this.names = new Set(options.projections.map((projection) => projection.name));
    if (this.names.size !== options.projections.length) throw new Error('A projection is registered twice');
    this.owner = `${hostname()}:${process.pid}:thread:${randomUUID().slice(0, 8)}`;
    this.logger = options.logger ?? silentLogger;
    this.waiter = new PositionWaiter({
      eventStore: options.eventStore,
      store: options.store,
      projections: options.projections,
      commits: this.changes$,
      runsHere: (name) => this.runsHere(name),
    });
  }

  /** Resolves once the worker thread runs the projections; rejects when it could not start them. */
  async start(): Promise<void> {
    if (this.stopping) throw new ProjectionThreadError('The projection runner has stopped');
    if (this.started) return;
    this.started = true;
    await this.spawn(true);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      const timer = setTimeout(() => {
        this.logger.warn(
          { timeoutMs: STOP_TIMEOUT_MS },
          'projection thread did not stop in time; terminated',
        );
        void worker.terminate();
      }, STOP_TIMEOUT_MS);
      worker.postMessage({ type: 'stop' } satisfies ToRunnerThread);
      await exited;
      clearTimeout(timer);
    }
    this.subject.complete();
  }

  waitForPosition(position: Position, timeoutMs: number, projectionNames?: string[]): Promise<boolean> {
    return this.waiter.waitForPosition(position, timeoutMs, projectionNames);
  }

  /** As the thread last reported (at each commit, and every few seconds between). */
  runsHere(projectionName: string): boolean {
    return this.owned.has(projectionName);
  }

  /**
   * Recorded from this thread (so the answer says whether the store took it, whatever the thread's
   * state), then the thread is told, to wake its worker when it holds the lease.
   */
  rebuild(projectionName: string): Promise<void> {
    return this.ask({ type: 'rebuild', name: this.known(projectionName) });
  }

  resume(projectionName: string): Promise<void> {
    return this.ask({ type: 'resume', name: this.known(projectionName) });
  }

  private async ask(message: Extract<ToRunnerThread, { type: 'rebuild' | 'resume' }>): Promise<void> {
    if (this.stopping) throw new ProjectionThreadError('The projection runner has stopped');
    await this.options.store.request(message.name, message.type);
    this.send(message);
  }

  /**
   * The thread's view. When no thread can answer (it is being started again, it exited with the
   * request outstanding, it did not answer in time, or the runner is stopping), what the store
   * records, with `ownedHere` false: a status request never fails because of the thread.
   */
  async status(): Promise<ProjectionStatus[]> {
    const recorded = () =>
      recordedStatuses(this.options.eventStore, this.options.store, this.options.projections);
    if (this.stopping || !this.running) return recorded();
    return this.askThread().catch((error: unknown) => {
      if (error instanceof ProjectionThreadError) return recorded();
      throw error;
    });
  }

  private askThread(): Promise<ProjectionStatus[]> {
    const id = this.nextRequest++;
    return new Promise<ProjectionStatus[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(id);
        reject(new ProjectionThreadError('The projection thread did not answer the status request'));
      }, STATUS_TIMEOUT_MS);
      this.requests.set(id, {
        resolve: (statuses) => (clearTimeout(timer), resolve(statuses)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.send({ type: 'status', id });
    });
  }

  private restartBase(): number {
    return Math.max(10, this.options.restartBackoffMs ?? 1000);
  }

  private known(name: string): string {
    if (!this.names.has(name)) throw new Error(`Unknown projection '${name}'`);
    return name;
  }

  /** Rebuild and resume requests wait for a thread being started again; after stop() they are refused. */
  private send(message: ToRunnerThread): void {
    if (this.stopping) throw new ProjectionThreadError('The projection runner has stopped');
    if (this.running) this.worker?.postMessage(message);
    else this.queued.push(message);
  }

  /** `first`: the start() call, which reports a failure to start; later (restarts) retry until stopped. */
  private spawn(first: boolean): Promise<void> {
    const o = this.options;
    const data: RunnerThreadData = {
      source: o.source,
      names: [...this.names],
      eventStore: o.eventStoreConfig,
      readModelStore: o.readModelStoreConfig,
      owner: this.owner,
      tuning: {
        batchSize: o.batchSize,
        liveBatchWindowMs: o.liveBatchWindowMs,
        leaseTtlMs: o.leaseTtlMs,
        leaseRetryMs: o.leaseRetryMs,
        retryBackoffMs: o.retryBackoffMs,
        maxDropRetryMs: o.maxDropRetryMs,
      },
    };
    const worker = newRunnerThread(data);
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        if (error) reject(error);
        else resolve();
      };
      worker.on('message', (message: FromRunnerThread) => {
        switch (message.type) {
          case 'started':
            this.running = true;
            for (const queued of this.queued.splice(0)) worker.postMessage(queued);
            this.logger.info({ threadId: worker.threadId, owner: this.owner }, 'projection thread started');
            settle();
            return;
          case 'start-failed':
            settle(new ProjectionThreadError(`The projection thread could not start: ${message.message}`));
            return;
          case 'changes':
            this.owned = new Set(message.owned);
            for (const change of message.changes) this.subject.next(change);
            return;
          case 'owned':
            this.owned = new Set(message.owned);
            return;
          case 'status': {
            const request = this.requests.get(message.id);
            this.requests.delete(message.id);
            if (message.statuses) request?.resolve(message.statuses);
            else request?.reject(new ProjectionThreadError(message.error ?? 'status failed'));
            return;
          }
          case 'log':
            this.logger[message.level](message.context, message.message);
            return;
          case 'stopped':
            return;
        }
      });
      worker.on('error', (error) => {
        this.logger.error({ error: String(error) }, 'projection thread failed');
        settle(new ProjectionThreadError(`The projection thread failed: ${String(error)}`));
      });
      worker.on('exit', (code) => {
        // One thread at a time: `running` is this one's.
        const ran = this.running;
        if (this.worker === worker) this.worker = null;
        this.running = false;
        this.owned = new Set();
        for (const request of this.requests.values())
          request.reject(new ProjectionThreadError('The projection thread exited'));
        this.requests.clear();
        settle(new ProjectionThreadError(`The projection thread exited (code ${code}) before it started`));
        // start() has reported the failure; the caller decides.
        if (this.stopping || (first && !ran)) return;
        // Died (while running, or while starting again): start it again; its projections resume from
        // their checkpoints.
        // Doubles with each start that fails, up to MAX_RESTART_BACKOFF_MS; a thread that ran resets it.
        const backoff = ran
          ? this.restartBase()
          : Math.min(Math.max(this.lastBackoff * 2, this.restartBase()), MAX_RESTART_BACKOFF_MS);
        this.lastBackoff = backoff;
        this.logger.error({ code, restartInMs: backoff }, 'projection thread exited; restarting it');
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null;
          if (this.stopping) return;
          this.spawn(false).catch((error: unknown) => {
            this.logger.error({ error: String(error) }, 'projection thread restart failed');
          });
        }, backoff);
      });
    });
  }
}

/**
 * The compiled build starts runner-thread.js; from TypeScript sources (tests, the bench, tools) the
 * thread registers @swc-node/register first, as those processes do.
 */
function newRunnerThread(workerData: RunnerThreadData): Worker {
  const entry = join(__dirname, `runner-thread${__filename.endsWith('.ts') ? '.ts' : '.js'}`);
  if (entry.endsWith('.js')) return new Worker(entry, { workerData });
  const script = `require('@swc-node/register'); require(${JSON.stringify(entry)});`;
  return new Worker(script, { eval: true, workerData });
}

/** Everything either runner needs, and which one to build. */
export interface ProjectionRunnerSetup extends ThreadedProjectionRunnerOptions {
  /** PROJECTIONS_THREAD: 'main' (the default) runs them on this thread, 'worker' on a worker thread. */
  thread: ProjectionThread;
}

/**
 * The runner the settings ask for. A store that only this thread can reach (an SQLite `:memory:`
 * database) keeps the projections on this thread whatever `thread` says.
 */
export function createProjectionRunner(setup: ProjectionRunnerSetup): RunsProjections {
  const { thread, ...options } = setup;
  const inMemory = [options.eventStoreConfig, options.readModelStoreConfig].some(
    (config) => config.kind === 'sqlite' && config.path === ':memory:',
  );
  return thread === 'main' || inMemory
    ? new ProjectionRunner(options)
    : new ThreadedProjectionRunner(options);
}
