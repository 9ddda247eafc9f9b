/**
 * Per-stream ordering inside one process: a command runs once every earlier command that named one
 * of its streams has finished. Two commands on the same stream would otherwise decide on the same
 * state and one of them would lose its expected revision and retry (with a store that commits appends
 * in groups, always). Commands on different streams still run concurrently. Other processes writing
 * the same streams are still caught by the expected revision.
 *
 * Deadlock-free without ordering the keys: a command takes its place behind every key it names in one
 * synchronous step, so it only ever waits for commands that arrived before it.
 */
export class StreamLock {
  /** The last holder (running or waiting) per stream: its completion is what the next one waits for. */
  private readonly tails = new Map<string, Promise<void>>();

  /** Streams with a holder (running or waiting); for tests and metrics. */
  get size(): number {
    return this.tails.size;
  }

  async run<T>(streams: readonly string[], work: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const keys = [...new Set(streams)];
    const before: Promise<void>[] = [];
    for (const key of keys) {
      const previous = this.tails.get(key);
      if (previous !== undefined) before.push(previous);
      this.tails.set(key, done);
    }
    try {
      if (before.length > 0) await Promise.all(before);
      return await work();
    } finally {
      release();
      for (const key of keys) if (this.tails.get(key) === done) this.tails.delete(key);
    }
  }
}
