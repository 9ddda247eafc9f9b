import type { EventEmitter } from 'node:events';
import {
  type Position,
  type ReadAllOptions,
  type RecordedEvent,
  SqliteEventStore,
  type StoreSubscription,
  type SubscribeToAllOptions,
  type SubscriptionMessage,
} from '@pc/event-store';

/**
 * BENCH-ONLY EXPERIMENT (BENCH_EXPERIMENT=advance-cursor in the service child): validates the fix
 * proposed for libs/event-store/src/shared/polling-subscription.ts without editing libs. Identical to
 * PollingSubscription except one line: after a short batch the cursor advances to the head read
 * BEFORE the batch (every event up to it was visible to the read), so a filtered subscription no
 * longer re-scans every non-matching event since its last match on each wake-up.
 */
class AdvancingSubscription implements StoreSubscription {
  private closed = false;
  private wake: (() => void) | null = null;
  private signalled = false;

  constructor(
    private readonly store: SqliteEventStore,
    private readonly readAll: (options: ReadAllOptions) => Promise<RecordedEvent[]>,
    private readonly options: SubscribeToAllOptions,
  ) {}

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return this.run();
  }

  private async *run(): AsyncGenerator<SubscriptionMessage> {
    const appended = (this.store as unknown as { appended: EventEmitter }).appended;
    const listener = () => {
      this.signalled = true;
      this.wake?.();
    };
    appended.on('append', listener);
    let cursor: Position | undefined = this.options.fromPosition;
    let live = false;
    try {
      while (!this.closed) {
        this.signalled = false;
        const head = await this.store.headPosition();
        const batch = await this.readAll({
          fromPosition: cursor,
          maxCount: 500,
          filter: this.options.filter,
        });
        for (const event of batch) {
          if (this.closed) return;
          yield { type: 'event', event };
          cursor = event.position;
        }
        if (this.closed) return;
        if (batch.length >= 500) {
          live = false;
          continue;
        }
        if (head !== null && (cursor === undefined || head > cursor)) cursor = head; // the one change
        if (!live) {
          live = true;
          yield { type: 'caught-up', position: cursor ?? null };
        }
        if (!this.signalled) await this.sleep(250);
      }
    } finally {
      appended.off('append', listener);
    }
  }

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

export function applyAdvanceCursorExperiment(): void {
  SqliteEventStore.prototype.subscribeToAll = function (this: SqliteEventStore, options = {}) {
    return new AdvancingSubscription(this, (o) => this.readAll(o), options);
  };
}
