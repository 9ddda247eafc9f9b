import type { RecordedEvent, StoreSubscription, SubscriptionMessage } from '../types';

/**
 * Test helper: drains a subscription in the background into an array so a test can wait (bounded,
 * generous) for a condition instead of racing the iterator. The wait limit only keeps a broken
 * adapter from hanging the suite; it is never an assertion about speed.
 */
export class SubscriptionReader {
  readonly messages: SubscriptionMessage[] = [];
  private error: unknown = undefined;
  private ended = false;
  private readonly pump: Promise<void>;

  constructor(readonly subscription: StoreSubscription) {
    this.pump = (async () => {
      try {
        for await (const message of subscription) this.messages.push(message);
      } catch (error) {
        this.error = error;
      } finally {
        this.ended = true;
      }
    })();
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  /** Received events, optionally only those whose stream name starts with `streamPrefix`. */
  events(streamPrefix?: string): RecordedEvent[] {
    const events: RecordedEvent[] = [];
    for (const message of this.messages) {
      if (message.type !== 'event') continue;
      if (streamPrefix === undefined || message.event.streamName.startsWith(streamPrefix))
        events.push(message.event);
    }
    return events;
  }

  async waitFor(description: string, condition: () => boolean, limitMs = 30_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      if (this.error !== undefined) throw this.error;
      if (condition()) return;
      if (this.ended) throw new Error(`Subscription ended before: ${description}`);
      if (Date.now() > deadline) {
        throw new Error(
          `Gave up after ${limitMs} ms waiting for: ${description} (${this.messages.length} messages)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Closes the subscription and waits (bounded) for the background iteration to finish. */
  async close(limitMs = 10_000): Promise<void> {
    await this.subscription.close();
    await Promise.race([
      this.pump,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`Subscription iteration did not end within ${limitMs} ms of close()`)),
          limitMs,
        ).unref(),
      ),
    ]);
    if (this.error !== undefined) throw this.error;
  }
}
