import { randomUUID } from 'node:crypto';
import {
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoreSubscription,
  type SubscribeToAllOptions,
  type SubscriptionMessage,
} from '@pc/event-store';
import { passesFilter } from '../definition/projection';

/**
 * A minimal in-memory event store for the runtime's unit specs (the real adapters have their own
 * contract suite). Follows the port's semantics where the runner depends on them: exclusive
 * positions, filters, and catch-up subscriptions that announce caught-up then go live.
 */
export class InMemoryEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  readonly log: RecordedEvent[] = [];
  private readonly listeners = new Set<() => void>();

  async append(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const current = this.log.filter((event) => event.streamName === streamName).length - 1;
    const expected = options.expectedRevision ?? 'any';
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current === -1) ||
      (expected === 'stream_exists' && current >= 0) ||
      expected === current;
    if (!ok)
      throw new WrongExpectedVersionError(streamName, expected, current === -1 ? 'no_stream' : current);
    let revision = current;
    for (const event of events) {
      revision++;
      this.log.push({
        id: event.id ?? randomUUID(),
        type: event.type,
        streamName,
        revision,
        position: String(this.log.length + 1).padStart(20, '0'),
        data: event.data,
        metadata: event.metadata ?? {},
        recordedAt: new Date().toISOString(),
      });
    }
    this.listeners.forEach((listener) => listener());
    return {
      nextExpectedRevision: revision,
      position: this.log[this.log.length - 1].position,
      duplicate: false,
    };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events = this.log.filter((event) => event.streamName === streamName);
    if (events.length === 0) throw new StreamNotFoundError(streamName);
    const ordered = options.direction === 'backwards' ? [...events].reverse() : events;
    return ordered.slice(0, options.maxCount ?? ordered.length);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromPosition;
    const backwards = options.direction === 'backwards';
    const events = this.log.filter(
      (event) =>
        passesFilter(options.filter, event) &&
        (from === undefined || (backwards ? event.position < from : event.position > from)),
    );
    const ordered = backwards ? events.reverse() : events;
    return ordered.slice(0, options.maxCount ?? ordered.length);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): StoreSubscription {
    let closed = false;
    let wake: (() => void) | null = null;
    const listener = () => wake?.();
    this.listeners.add(listener);
    const log = this.log;
    const readAll = (o: ReadAllOptions) => this.readAll(o);
    const listeners = this.listeners;
    async function* run(): AsyncGenerator<SubscriptionMessage> {
      let cursor: Position | undefined = options.fromPosition;
      let live = false;
      try {
        while (!closed) {
          const seen = log.length;
          const batch = await readAll({ fromPosition: cursor, filter: options.filter, maxCount: 100 });
          for (const event of batch) {
            if (closed) return;
            yield { type: 'event', event };
            cursor = event.position;
          }
          if (batch.length === 100) continue;
          if (!live) {
            live = true;
            yield { type: 'caught-up', position: cursor ?? null };
          }
          if (closed) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
            // An append between the read and here must not be slept through.
            if (log.length > seen) resolve();
          });
          wake = null;
        }
      } finally {
        listeners.delete(listener);
      }
    }
    const iterator = run();
    return {
      [Symbol.asyncIterator]: () => iterator,
      async close() {
        closed = true;
        wake?.();
      },
    };
  }

  async headPosition(): Promise<Position | null> {
    return this.log.length ? this.log[this.log.length - 1].position : null;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
