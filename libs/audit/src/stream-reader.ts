import type { Direction, EventStore, RecordedEvent } from '@pc/event-store';

export interface ReadStreamPageOptions {
  direction?: Direction;
  /** Inclusive. Defaults to the first revision forwards and the last one backwards. */
  fromRevision?: number;
  maxCount: number;
}

export interface StreamPage {
  streamName: string;
  direction: Direction;
  events: RecordedEvent[];
  /** The fromRevision of the next page in the same direction, or null when there is none. */
  nextRevision: number | null;
}

/**
 * One page of a stream with every event's full metadata. Reads one event more than asked so the
 * cursor is exact: a null nextRevision always means the stream has nothing further that way.
 * Throws StreamNotFoundError (from the port) for a stream without events.
 */
export async function readStreamPage(
  store: EventStore,
  streamName: string,
  options: ReadStreamPageOptions,
): Promise<StreamPage> {
  const direction = options.direction ?? 'forwards';
  const fromRevision = options.fromRevision ?? (direction === 'forwards' ? 'start' : 'end');
  const read = await store.readStream(streamName, {
    direction,
    fromRevision,
    maxCount: options.maxCount + 1,
  });
  const events = read.slice(0, options.maxCount);
  const beyond = read.length > options.maxCount ? read[options.maxCount] : undefined;
  return { streamName, direction, events, nextRevision: beyond?.revision ?? null };
}
