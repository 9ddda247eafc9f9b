import type { Position } from '@pc/event-store';

/** What one command left in a stream: enough to answer a retry of it without deciding again. */
export interface CommandTrace {
  firstRevision: number;
  lastRevision: number;
  position: Position;
  eventTypes: string[];
}

/** A stream folded up to `revision`, with the facts the pipeline needs to write after it. */
export interface FoldedStream {
  /**
   * The evolver that folded `state`. A cached entry is only reused with the same evolver: a stream
   * name read with another aggregate's evolver must never hand that state to a decision.
   */
  evolver?: object;
  state: unknown;
  revision: number;
  lastHash: string | null;
  /** Commands that wrote to this stream, by command id. */
  commands: Map<string, CommandTrace>;
}

/**
 * A bounded LRU of folded streams, so a command reads only the events appended since it last
 * looked (the event store stays the source of truth: an entry is only ever extended by reading
 * the stream forward from its revision, and a conflict evicts it).
 */
export class StreamCache {
  private readonly entries = new Map<string, FoldedStream>();

  constructor(private readonly capacity: number) {}

  get(stream: string): FoldedStream | undefined {
    const entry = this.entries.get(stream);
    if (entry) {
      this.entries.delete(stream);
      this.entries.set(stream, entry);
    }
    return entry;
  }

  set(stream: string, entry: FoldedStream): void {
    if (this.capacity <= 0) return;
    this.entries.delete(stream);
    this.entries.set(stream, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  evict(stream: string): void {
    this.entries.delete(stream);
  }
}
