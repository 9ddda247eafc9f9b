import type {
  Position,
  ReadAllOptions,
  RecordedEvent,
  StoreSubscription,
  SubscribeToAllOptions,
  SubscriptionMessage,
} from '../types';

/** What a polling subscription needs from its store. */
export interface PollingSource {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The newest position in the log (a filtered subscription skips ahead to it once it has scanned that far). */
  headPosition(): Promise<Position | null>;
  /** Registers a wake-up callback fired when new events may exist; returns the unregister function. */
  onAppend(listener: () => void): () => void;
}

export interface PollingOptions {
  /** Events per readAll; a shorter batch means the subscription reached the head. */
  batchSize?: number;
  /** Upper bound on how long a live subscription sleeps without a wake-up (catches other processes' appends). */
  pollIntervalMs?: number;
}

/**
 * The one catch-up subscription used by the SQL adapters. It is position-driven: every read asks for
 * the events strictly after the last position delivered, so catch-up and live are the same loop and
 * the hand-off can neither repeat nor skip an event (given the adapter's readAll never exposes a
 * position before every lower one is visible — see the postgres adapter's gap-safety note).
 *
 * Wake-ups only shorten the sleep; they carry no data, so a lost or spurious wake-up is harmless.
 */
export class PollingSubscription implements StoreSubscription {
  private closed = false;
  private wake: (() => void) | null = null;
  private signalled = false;
  private readonly closeListeners = new Set<() => void>();

  constructor(
    private readonly source: PollingSource,
    private readonly options: SubscribeToAllOptions = {},
    private readonly tuning: PollingOptions = {},
  ) {}

  /** Called by the owning store so that closing the store ends its subscriptions. */
  onClose(listener: () => void): void {
    this.closeListeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    for (const listener of this.closeListeners) listener();
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return this.run();
  }

  private async *run(): AsyncGenerator<SubscriptionMessage> {
    const batchSize = this.tuning.batchSize ?? 500;
    const pollIntervalMs = this.tuning.pollIntervalMs ?? 500;
    // Registered before the first read, so an append racing the first read still wakes us.
    const unregister = this.source.onAppend(() => {
      this.signalled = true;
      this.wake?.();
    });
    let cursor: Position | undefined = this.options.fromPosition;
    let live = false;
    try {
      while (!this.closed) {
        this.signalled = false;
        // Read BEFORE the batch: the adapters expose positions in commit order (gap-safe), so once a
        // short filtered batch is delivered, nothing at or below this head is left for this filter.
        const filtered = this.options.filter !== undefined;
        const head = filtered ? await this.source.headPosition() : null;
        const batch = await this.source.readAll({
          fromPosition: cursor,
          maxCount: batchSize,
          filter: this.options.filter,
        });
        for (const event of batch) {
          if (this.closed) return;
          yield { type: 'event', event };
          cursor = event.position;
        }
        if (this.closed) return;
        if (batch.length >= batchSize) {
          // Fell behind (or still catching up): the next short batch announces caught-up again.
          live = false;
          continue;
        }
        // Without this, a filtered subscription that matches rarely would rescan every event since
        // its last match on each wake-up (the cost grew with the log: see bench/README.md).
        if (head !== null && (cursor === undefined || head > cursor)) cursor = head;
        if (!live) {
          live = true;
          yield { type: 'caught-up', position: cursor ?? null };
        }
        if (!this.signalled) await this.sleep(pollIntervalMs);
        // Let the rest of this turn of the event loop append too: requests handled in one turn
        // then cost every subscriber one read, not one read each.
        if (!this.closed) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      unregister();
    }
  }

  /** Resolves on a wake-up, on close, or after the poll interval, whichever comes first. */
  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
