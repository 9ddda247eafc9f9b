/**
 * A bounded hand-off between the subscription (producer) and the batch processor (consumer).
 * Whatever piled up while a batch was committing becomes the next batch, so batches grow
 * naturally under load and stay small (low latency) when live.
 */
export class MessageQueue<T> {
  private items: T[] = [];
  private ended = false;
  private failure: { error: unknown } | null = null;
  private aborted = false;
  private notifyConsumer: (() => void) | null = null;
  private notifyProducer: (() => void) | null = null;

  constructor(private readonly highWater: number) {}

  /**
   * Adds an item, waiting while the queue is full. False once the queue is aborted: the item is
   * dropped and the producer should stop, or a stopping loop's pump, no longer held back, would read
   * the whole backlog into memory while the last batch commits.
   */
  async push(item: T): Promise<boolean> {
    if (this.aborted) return false;
    this.items.push(item);
    this.wakeConsumer();
    while (this.items.length >= this.highWater && !this.aborted) {
      await new Promise<void>((resolve) => (this.notifyProducer = resolve));
    }
    return !this.aborted;
  }

  end(): void {
    this.ended = true;
    this.wakeConsumer();
  }

  fail(error: unknown): void {
    this.failure = { error };
    this.wakeConsumer();
  }

  /** Wakes a waiting consumer (and producer) for shutdown; `take` then returns what is left, or nothing. */
  abort(): void {
    this.aborted = true;
    this.wakeConsumer();
    this.notifyProducer?.();
  }

  /** Resolves once an item is there (or the queue ended, failed or was aborted); takes nothing. */
  async waitForItems(): Promise<void> {
    while (this.items.length === 0 && !this.failure && !this.ended && !this.aborted) {
      await new Promise<void>((resolve) => (this.notifyConsumer = resolve));
    }
  }

  /**
   * Up to `max` items, waiting until at least one is there. Returns [] when the queue ended,
   * was aborted, or throws the producer's error once the items before it are consumed.
   */
  async take(max: number, until?: (item: T) => boolean): Promise<T[]> {
    while (this.items.length === 0) {
      if (this.failure) throw this.failure.error;
      if (this.ended || this.aborted) return [];
      await new Promise<void>((resolve) => (this.notifyConsumer = resolve));
    }
    let count = 0;
    while (count < this.items.length && count < max) {
      count++;
      // Stop right after a boundary item (e.g. caught-up) so it is handled after the items before it.
      if (until?.(this.items[count - 1])) break;
    }
    const taken = this.items.splice(0, count);
    if (this.items.length < this.highWater) {
      const producer = this.notifyProducer;
      this.notifyProducer = null;
      producer?.();
    }
    return taken;
  }

  private wakeConsumer(): void {
    const consumer = this.notifyConsumer;
    this.notifyConsumer = null;
    consumer?.();
  }
}

/** A sleep that ends early when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
