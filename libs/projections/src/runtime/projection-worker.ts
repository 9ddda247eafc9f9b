import type { EventStore } from '@pc/event-store';
import type { Projection } from '../definition/projection';
import type {
  GenerationRecord,
  LeaseManager,
  PendingRequest,
  ProjectionFailure,
  ProjectionRequest,
  ProjectionState,
  ReadModelStore,
} from '../store/read-model-store';
import { GenerationLoop, type CommittedBatch } from './generation-loop';
import { sleep } from './message-queue';

export interface RunnerLogger {
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

/** Logs nothing: the runners' default. */
export const silentLogger: RunnerLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export interface WorkerOptions {
  eventStore: EventStore;
  store: ReadModelStore;
  leases: LeaseManager;
  batchSize: number;
  liveBatchWindowMs: number;
  retryBackoffMs: number;
  leaseRetryMs: number;
  logger: RunnerLogger;
  onCommitted: (projection: string, batch: CommittedBatch & { swapped?: boolean }) => void;
  /**
   * A retired generation a reader still holds is dropped later, in the background: first after
   * retryBackoffMs, then after twice as long each time, up to this. Default 30 s.
   */
  maxDropRetryMs?: number;
}

const DEFAULT_MAX_DROP_RETRY_MS = 30_000;

/**
 * Everything about one projection in this process: wins (or waits for) the lease, keeps the live
 * generation running, runs a rebuild beside it when asked or when the definition changed, and swaps
 * the rebuilt generation in once it has caught up.
 */
export class ProjectionWorker {
  state: ProjectionState = 'standby';
  live: GenerationLoop | null = null;
  building: GenerationLoop | null = null;
  failure: ProjectionFailure | null = null;
  rebuildFailure: ProjectionFailure | null = null;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  /** Wakes the owning worker's control loop (resume, rebuild request, stop). */
  private wakeIdle: (() => void) | null = null;
  /** Retired generations whose drop is to be tried again (a reader held them), and the loop retrying. */
  private readonly retiredToDrop = new Set<number>();
  private dropRetries: Promise<void> | null = null;

  constructor(
    readonly projection: Projection,
    private readonly options: WorkerOptions,
  ) {}

  get ownsLease(): boolean {
    return this.options.leases.isHeld(this.projection.name);
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wakeIdle?.();
    await Promise.all([this.live?.stop(), this.building?.stop()]);
    await this.running;
    // Wakes from its pause at once; a drop in flight gives up within the store's lock timeout.
    await this.dropRetries;
    this.state = 'stopped';
  }

  /**
   * Asks for a rebuild beside the live tables. The request is recorded in the store, and the lease
   * holder carries it out: this process at once when it holds the lease, another one (a replica, a
   * projector) at its next look, within `leaseRetryMs`. Kept in memory on a standby, it used to run
   * whenever this process took the lease over, maybe days later, and never where the lease was.
   */
  requestRebuild(): Promise<void> {
    return this.ask('rebuild');
  }

  /** After a stop on error (e.g. once the fix is deployed): retry from the checkpoint. As requestRebuild. */
  resume(): Promise<void> {
    return this.ask('resume');
  }

  private async ask(action: ProjectionRequest): Promise<void> {
    await this.options.store.request(this.projection.name, action);
    this.wakeIdle?.();
  }

  /** Looks at the recorded requests now, if this worker holds the lease (else at its next look). */
  wake(): void {
    this.wakeIdle?.();
  }

  /**
   * The requests recorded for this projection, for the lease holder to carry out, with when each was
   * (last) asked: it is cleared only if not asked again meanwhile. A store that fails to answer is
   * logged and skipped (the requests stay recorded for the next look): it used to end the owned loop,
   * whose restart cleared a projection's stop on error.
   */
  private async pickUpRequests(): Promise<Partial<Record<ProjectionRequest, string>>> {
    const asked: Partial<Record<ProjectionRequest, string>> = {};
    let pending: PendingRequest[];
    try {
      pending = await this.options.store.pendingRequests(this.projection.name);
    } catch (error) {
      this.options.logger.warn(
        { projection: this.projection.name, error: String(error) },
        'could not read the projection requests; trying again at the next look',
      );
      return asked;
    }
    for (const { action, requestedAt } of pending) asked[action] = requestedAt;
    return asked;
  }

  /** The generations this worker runs now: the live one (unless frozen) and a rebuild. */
  private loops(): GenerationLoop[] {
    return [this.live, this.building].filter((loop): loop is GenerationLoop => loop !== null);
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    const name = this.projection.name;
    while (!this.stopping) {
      try {
        if (!(await this.options.leases.tryAcquire(name))) {
          this.state = 'standby';
          await sleep(this.options.leaseRetryMs, this.abort.signal);
          continue;
        }
        this.options.logger.info(
          { projection: name, owner: this.options.leases.owner },
          'projection lease acquired',
        );
        await this.runOwned();
      } catch (error) {
        this.options.logger.warn(
          { projection: name, error: String(error) },
          'projection worker error, retrying',
        );
        await sleep(this.options.retryBackoffMs, this.abort.signal);
      } finally {
        if (this.stopping) await this.options.leases.release(name).catch(() => undefined);
      }
    }
  }

  private async runOwned(): Promise<void> {
    const { store } = this.options;
    const name = this.projection.name;
    // What a former hold of the lease picked up and did not carry out is still recorded. A resume is
    // left to the loop below, which looks again.
    const rebuildAsked = (await this.pickUpRequests()).rebuild;
    let generations = await store.listGenerations(name);
    for (const retired of generations.filter((g) => g.status === 'retired')) {
      // Left by a crash between a swap and its drop, or still held by a reader: one try each, the
      // generations a reader holds are left to the background retries.
      if (!this.retiredToDrop.has(retired.generation)) await this.dropRetired(retired.generation);
    }
    let active = await store.activeGeneration(name);
    if (active === null) {
      active = nextGeneration(generations);
      await store.createGeneration(this.projection, active, { activate: true });
      generations = await store.listGenerations(name);
    }
    const live = generations.find((g) => g.generation === active) as GenerationRecord;
    const stale = live.version !== this.projection.version || live.schemaHash !== this.projection.schemaHash;
    let building = generations.find((g) => g.status === 'building');
    if (
      building &&
      (building.version !== this.projection.version ||
        building.schemaHash !== this.projection.schemaHash ||
        // A rebuild asked for again after it stopped on an error starts over.
        (rebuildAsked !== undefined && (building.error !== null || building.state === 'stopped-on-error')))
    ) {
      await store.dropGeneration(name, building.generation);
      building = undefined;
    }
    if (!building && (stale || rebuildAsked !== undefined)) {
      const generation = nextGeneration(await store.listGenerations(name));
      await store.createGeneration(this.projection, generation, { activate: false });
      building = (await store.listGenerations(name)).find((g) => g.generation === generation);
    }
    if (rebuildAsked !== undefined) await store.clearRequest(name, 'rebuild', rebuildAsked);
    // With a changed schema the old tables no longer fit this code: they keep serving, frozen, until the swap.
    const frozen = stale && live.schemaHash !== this.projection.schemaHash;
    this.live = frozen ? null : this.loop(live);
    this.building = building ? this.loop(building) : null;
    this.failure = null;
    this.rebuildFailure = null;
    this.refreshState();
    await store.updateState(name, live.generation, this.live ? 'catching-up' : 'rebuilding', null);
    if (building) await store.updateState(name, building.generation, 'catching-up', null);

    try {
      for (;;) {
        if (this.stopping) break;
        // A holder that lost its lease (a frozen process that thawed) must not act on requests the
        // new holder also sees: checked before them.
        if (!this.ownsLease || this.loops().some((loop) => loop.exitReason === 'lease-lost')) break;
        // Each request is cleared once carried out: after a store error here, run() comes back to it.
        const asked = await this.pickUpRequests();
        if (asked.resume !== undefined) {
          await this.restartFailed();
          await store.clearRequest(name, 'resume', asked.resume);
        }
        if (asked.rebuild !== undefined) {
          await this.rebuildOnRequest();
          await store.clearRequest(name, 'rebuild', asked.rebuild);
        }
        const loops = this.loops();
        const wake = new Promise<void>((resolve) => (this.wakeIdle = resolve));
        // Also wakes now and then to notice a lost lease while the loops idle waiting for events.
        const tick = sleep(this.options.leaseRetryMs, this.abort.signal);
        await Promise.race([
          wake,
          tick,
          ...loops.filter((loop) => loop.exitReason === null).map((loop) => loop.start()),
        ]);
        this.wakeIdle = null;
      }
    } finally {
      // Also when a store call above threw: run() then starts new loops, and these must not go on
      // unreferenced beside them (two loops on one generation).
      await Promise.all([this.live?.stop(), this.building?.stop()]);
    }
    if (this.stopping) {
      if (this.state !== 'stopped-on-error') {
        await store.updateState(name, this.live?.generation ?? active, 'stopped').catch(() => undefined);
      }
      this.state = 'stopped';
    } else {
      this.live = null;
      this.building = null;
      this.state = 'standby';
      this.options.logger.warn({ projection: name }, 'projection lease lost');
    }
  }

  private async restartFailed(): Promise<void> {
    const { store } = this.options;
    const name = this.projection.name;
    if (this.live?.exitReason === 'failed') {
      // The recorded error goes too: it would otherwise stay in the status while the loop retries.
      await store.updateState(name, this.live.generation, 'catching-up', null);
      this.failure = null;
      this.live = this.loop(await this.record(this.live.generation));
    }
    if (this.building?.exitReason === 'failed') {
      await store.updateState(name, this.building.generation, 'catching-up', null);
      this.rebuildFailure = null;
      this.building = this.loop(await this.record(this.building.generation));
    }
    this.refreshState();
  }

  /**
   * A rebuild request: starts one, or starts over one that stopped on an error (its generation is
   * dropped: the request usually follows a fix). A rebuild in progress goes on.
   */
  private async rebuildOnRequest(): Promise<void> {
    const failed = this.building;
    if (failed && failed.exitReason !== 'failed') return;
    if (failed) {
      this.building = null;
      this.rebuildFailure = null;
      this.refreshState();
      await this.options.store.dropGeneration(this.projection.name, failed.generation);
    }
    await this.beginRebuild();
  }

  private async beginRebuild(): Promise<void> {
    const generation = nextGeneration(await this.options.store.listGenerations(this.projection.name));
    await this.options.store.createGeneration(this.projection, generation, { activate: false });
    this.building = this.loop(await this.record(generation));
    this.refreshState();
  }

  private async record(generation: number): Promise<GenerationRecord> {
    const found = (await this.options.store.listGenerations(this.projection.name)).find(
      (g) => g.generation === generation,
    );
    if (!found) throw new Error(`Generation ${generation} of '${this.projection.name}' vanished`);
    return found;
  }

  private loop(record: GenerationRecord): GenerationLoop {
    const { store, eventStore, leases, logger } = this.options;
    const name = this.projection.name;
    const loop: GenerationLoop = new GenerationLoop(
      {
        eventStore,
        store,
        projection: this.projection,
        generation: record.generation,
        batchSize: this.options.batchSize,
        liveBatchWindowMs: this.options.liveBatchWindowMs,
        retryBackoffMs: this.options.retryBackoffMs,
        lease: leases.mechanism === 'lease-row' ? { owner: leases.owner, ttlMs: leases.ttlMs } : undefined,
        isLeaseHeld: () => leases.isHeld(name),
        onCommitted: (batch) => {
          if (loop === this.live) this.options.onCommitted(name, batch);
        },
        onCaughtUp: async () => {
          if (loop === this.building) await this.swap(loop);
          else if (loop === this.live) {
            const wasCatchingUp = this.state === 'catching-up';
            this.refreshState();
            if (wasCatchingUp && this.state === 'running')
              await store.updateState(name, loop.generation, 'running');
          }
        },
        onFailure: (failure) => {
          if (loop === this.building) this.rebuildFailure = failure;
          else this.failure = failure;
          this.refreshState();
          logger.error(
            { projection: name, generation: loop.generation, ...failure },
            'projection stopped on error',
          );
        },
        onTransientError: (error) =>
          logger.warn(
            { projection: name, generation: loop.generation, error: String(error) },
            'transient error, retrying',
          ),
      },
      { position: record.position, recordedAt: record.positionRecordedAt },
    );
    return loop;
  }

  /**
   * The rebuilt generation has caught up: make it the live one in one transaction, then drop the old
   * one, or leave it to the background retries when a reader still holds it.
   */
  private async swap(rebuilt: GenerationLoop): Promise<void> {
    const { store, logger } = this.options;
    const name = this.projection.name;
    const previous = this.live;
    // Stop the old loop first so no batch lands in tables about to be dropped.
    await previous?.stop();
    const old = await store.activeGeneration(name);
    await store.activateGeneration(name, rebuilt.generation);
    this.live = rebuilt;
    this.building = null;
    // The failure of the replaced live generation went with it (the usual way out of a stop on error).
    this.failure = null;
    this.rebuildFailure = null;
    this.refreshState();
    await store.updateState(name, rebuilt.generation, 'running', null);
    // Never waits for a reader of the old tables (at most the store's short lock timeout).
    const replacedDropped = old !== null && old !== rebuilt.generation && (await this.dropRetired(old));
    logger.info(
      { projection: name, generation: rebuilt.generation, replaced: old, replacedDropped },
      'rebuilt projection swapped in',
    );
    if (rebuilt.position !== null) {
      this.options.onCommitted(name, {
        position: rebuilt.position,
        events: 0,
        partnerIds: [],
        swapped: true,
      });
    }
  }

  /**
   * One try at dropping a retired generation, which gives up at once when a reader still holds its
   * tables (a paged replay-check read begun before the swap). Then, or on an error, the drop is left
   * to the background retries: the projection goes on meanwhile. True when dropped.
   */
  private async dropRetired(generation: number): Promise<boolean> {
    const outcome = await this.tryDrop(generation);
    if (outcome === 'dropped') return true;
    if (outcome === 'held') {
      this.options.logger.info(
        { projection: this.projection.name, generation },
        'retired generation still read, dropping it later',
      );
    }
    this.retiredToDrop.add(generation);
    this.scheduleDropRetries();
    return false;
  }

  /** One drop of a retired generation: dropped, held by a reader, or failed (logged). */
  private async tryDrop(generation: number): Promise<'dropped' | 'held' | 'failed'> {
    const name = this.projection.name;
    try {
      return (await this.options.store.dropGeneration(name, generation)).dropped ? 'dropped' : 'held';
    } catch (error) {
      this.options.logger.warn(
        { projection: name, generation, error: String(error) },
        'dropping a retired generation failed, retrying later',
      );
      return 'failed';
    }
  }

  private scheduleDropRetries(): void {
    if (this.dropRetries || this.stopping) return;
    this.dropRetries = this.retryDrops().finally(() => {
      this.dropRetries = null;
      // One added while the last round was ending.
      if (this.retiredToDrop.size > 0) this.scheduleDropRetries();
    });
  }

  /**
   * Tries the retired generations left over again, pausing twice as long after each round (from
   * retryBackoffMs up to maxDropRetryMs), until all are dropped, the worker stops or the lease goes
   * (its next holder's start-up sweep takes them over).
   */
  private async retryDrops(): Promise<void> {
    const { logger } = this.options;
    const maxPause = Math.max(this.options.maxDropRetryMs ?? DEFAULT_MAX_DROP_RETRY_MS, 1);
    let pause = Math.min(Math.max(this.options.retryBackoffMs, 1), maxPause);
    while (this.retiredToDrop.size > 0) {
      await sleep(pause, this.abort.signal);
      if (this.stopping || !this.ownsLease) {
        this.retiredToDrop.clear();
        return;
      }
      for (const generation of [...this.retiredToDrop]) {
        if (this.stopping) break;
        if ((await this.tryDrop(generation)) !== 'dropped') continue;
        this.retiredToDrop.delete(generation);
        logger.info({ projection: this.projection.name, generation }, 'retired generation dropped');
      }
      pause = Math.min(pause * 2, maxPause);
    }
  }

  /**
   * A rebuild that stopped on an error beside a live generation leaves the state to the live one
   * (it still serves and follows the log; the status reports the failure as `rebuild.error`).
   */
  refreshState(): void {
    if (this.stopping) this.state = 'stopped';
    else if (this.failure || (!this.live && this.rebuildFailure)) this.state = 'stopped-on-error';
    else if (this.building && !this.rebuildFailure) this.state = 'rebuilding';
    else if (this.live) this.state = this.live.caughtUp ? 'running' : 'catching-up';
    else this.state = 'standby';
  }
}

function nextGeneration(generations: GenerationRecord[]): number {
  return generations.reduce((max, g) => Math.max(max, g.generation), 0) + 1;
}
