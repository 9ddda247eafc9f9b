import type { EventStore, Position, RecordedEvent, SubscriptionMessage } from '@pc/event-store';
import type { Projection } from '../definition/projection';
import {
  CheckpointConflictError,
  type ProjectionFailure,
  type ReadModelStore,
} from '../store/read-model-store';
import { applyEvents } from './batch';
import { describeError, isDeterministicFailure } from './errors';
import { MessageQueue, sleep } from './message-queue';

export interface CommittedBatch {
  position: Position;
  events: number;
  partnerIds: string[];
}

export type LoopExit = 'stopped' | 'failed' | 'lease-lost';

export interface GenerationLoopOptions {
  eventStore: EventStore;
  store: ReadModelStore;
  projection: Projection;
  generation: number;
  batchSize: number;
  /**
   * Once caught up, how long to let events gather after the first one arrives before applying them,
   * so a busy live projection commits one transaction per window instead of one per event. 0 = none.
   */
  liveBatchWindowMs?: number;
  retryBackoffMs: number;
  /** Set for SQLite lease rows: every commit renews (and fences) the lease. */
  lease?: { owner: string; ttlMs: number };
  isLeaseHeld: () => boolean;
  onCommitted?: (batch: CommittedBatch) => void;
  /** Called (and awaited, pausing the loop) each time the loop has applied everything in the store. */
  onCaughtUp?: () => Promise<void> | void;
  onFailure?: (failure: ProjectionFailure) => void;
  onTransientError?: (error: unknown) => void;
}

/**
 * Keeps one generation of one projection up to date: subscribe from the checkpoint, apply what
 * arrived as one batch, commit the batch's changes with the new checkpoint in one transaction,
 * repeat. A crash anywhere loses nothing (the transaction either committed with its checkpoint or
 * not at all) and applies nothing twice (the next run starts after the committed checkpoint).
 */
export class GenerationLoop {
  position: Position | null;
  recordedAt: string | null;
  caughtUp = false;
  failure: ProjectionFailure | null = null;
  private readonly abort = new AbortController();
  private queue: MessageQueue<SubscriptionMessage> | null = null;
  private exit: Promise<LoopExit> | null = null;

  constructor(
    private readonly options: GenerationLoopOptions,
    start: { position: Position | null; recordedAt: string | null },
  ) {
    this.position = start.position;
    this.recordedAt = start.recordedAt;
  }

  get generation(): number {
    return this.options.generation;
  }

  /** Why the loop ended; null while it runs. */
  exitReason: LoopExit | null = null;

  start(): Promise<LoopExit> {
    this.exit ??= this.run().then((reason) => (this.exitReason = reason));
    return this.exit;
  }

  /** Graceful: the batch in flight commits (with its checkpoint), then the loop ends. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.queue?.abort();
    await this.exit;
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<LoopExit> {
    while (!this.stopping) {
      try {
        const exit = await this.runSubscription();
        if (exit) return exit;
      } catch (error) {
        if (error instanceof CheckpointConflictError) return 'lease-lost';
        // The store or the event store is unavailable: resume from the committed checkpoint later.
        this.options.onTransientError?.(error);
        await sleep(this.options.retryBackoffMs, this.abort.signal);
      }
    }
    return 'stopped';
  }

  private async runSubscription(): Promise<LoopExit | null> {
    const { eventStore, projection, batchSize, liveBatchWindowMs = 0 } = this.options;
    const subscription = eventStore.subscribeToAll({
      fromPosition: this.position ?? undefined,
      filter: projection.filter,
    });
    const queue = new MessageQueue<SubscriptionMessage>(batchSize * 2);
    this.queue = queue;
    if (this.stopping) queue.abort();
    const pump = (async () => {
      try {
        for await (const message of subscription) if (!(await queue.push(message))) break;
        queue.end();
      } catch (error) {
        queue.fail(error);
      }
    })();
    try {
      for (;;) {
        if (this.stopping) return 'stopped';
        if (!this.options.isLeaseHeld()) return 'lease-lost';
        await queue.waitForItems();
        if (!this.caughtUp) {
          // The subscription hands over a read's events one by one; waking on the first made a batch
          // of one event, one transaction per event all through catch-up (2.3× slower). The rest of
          // this turn of the event loop delivers the others. Live, that extra turn would only add lag.
          await new Promise<void>((resolve) => setImmediate(resolve));
        } else if (liveBatchWindowMs > 0) {
          await sleep(liveBatchWindowMs, this.abort.signal);
        }
        const messages = await queue.take(batchSize, (message) => message.type === 'caught-up');
        if (messages.length === 0) return this.stopping ? 'stopped' : null;
        const events: RecordedEvent[] = [];
        for (const message of messages) if (message.type === 'event') events.push(message.event);
        if (events.length > 0 && !(await this.processBatch(events))) return 'failed';
        if (messages[messages.length - 1].type === 'caught-up') {
          this.caughtUp = true;
          await this.options.onCaughtUp?.();
        }
      }
    } finally {
      await subscription.close().catch(() => undefined);
      queue.abort();
      // The pump ends once the subscription is closed; not awaited beyond that, as a stuck adapter must not block shutdown.
      void pump;
    }
  }

  /**
   * Returns false when the projection stopped on an event it cannot handle. Throws on an
   * infrastructure error (a row that could not be loaded, a commit that failed for the database's
   * reasons): run() retries from the committed checkpoint.
   */
  private async processBatch(events: RecordedEvent[]): Promise<boolean> {
    const { store, projection, generation } = this.options;
    const applied = await applyEvents(projection, events, (table, key) =>
      store.loadRow(projection, generation, table, key),
    );
    if (applied.last) {
      try {
        await store.commit({
          projection,
          generation,
          expectedPosition: this.position,
          position: applied.last.position,
          recordedAt: applied.last.recordedAt,
          changes: applied.changes,
          lease: this.options.lease,
        });
      } catch (error) {
        if (!isDeterministicFailure(error)) throw error;
        if (events.length > 1) return this.singleStep(events);
        return this.fail(events[0], error);
      }
      this.position = applied.last.position;
      this.recordedAt = applied.last.recordedAt;
      this.options.onCommitted?.({
        position: applied.last.position,
        events: applied.applied,
        partnerIds: [...applied.partnerIds],
      });
    }
    if (applied.failure) return this.fail(applied.failure.event, applied.failure.error);
    return true;
  }

  /** A batch the database refused: apply its events one transaction each, to name the event at fault. */
  private async singleStep(events: RecordedEvent[]): Promise<boolean> {
    for (const event of events) {
      if (!(await this.processBatch([event]))) return false;
    }
    return true;
  }

  private async fail(event: RecordedEvent, error: unknown): Promise<false> {
    const failure: ProjectionFailure = {
      eventId: event.id,
      eventType: event.type,
      position: event.position,
      message: describeError(error),
      at: new Date().toISOString(),
    };
    this.failure = failure;
    await this.options.store
      .updateState(this.options.projection.name, this.options.generation, 'stopped-on-error', failure)
      .catch((persistError: unknown) => this.options.onTransientError?.(persistError));
    this.options.onFailure?.(failure);
    return false;
  }
}
