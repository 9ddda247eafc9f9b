/**
 * The event-store port. Shaped after EventStoreDB's own semantics so that every adapter
 * (sqlite, postgres, eventstoredb) behaves identically; the contract suite in
 * `testing/contract.ts` is the executable definition of this file.
 */

/** JSON values, as stored. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * A global position in `$all`: an opaque token. Every adapter renders it as a fixed-width string,
 * so comparing two positions of the same store as strings gives their global order
 * (see `comparePositions`). Clients store it and hand it back; they never parse it.
 */
export type Position = string;

/** What the caller expects the stream's current revision to be. Revisions start at 0. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

/** The state a stream was actually found in when an expectation failed. */
export type ActualRevision = 'no_stream' | number;

export interface NewEvent {
  /** UUID. Re-appending events whose ids the stream already holds writes nothing (idempotent retry). */
  id: string;
  type: string;
  data: JsonObject;
  metadata?: JsonObject;
}

export interface RecordedEvent {
  id: string;
  type: string;
  streamName: string;
  /** 0-based revision of the event within its stream. */
  revision: number;
  position: Position;
  data: JsonObject;
  metadata: JsonObject;
  /** When the store committed the event (ISO-8601, store clock). Business time lives in metadata.occurredAt. */
  recordedAt: string;
}

export interface AppendOptions {
  /** Defaults to 'any'. */
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event now in the stream (EventStoreDB's "next expected revision"). */
  nextExpectedRevision: number;
  /** Global position of the last event written. */
  position: Position;
  /**
   * True when the store already held these very events (same ids, at the expected place: an
   * idempotent retry) and wrote nothing, so what it holds may differ from what was sent in every
   * other field; false when this append wrote them.
   */
  duplicate: boolean;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  direction?: Direction;
  /** Inclusive. Defaults to 'start' forwards and 'end' backwards. */
  fromRevision?: number | 'start' | 'end';
  /** Defaults to unlimited. */
  maxCount?: number;
}

export interface AllFilter {
  /** Keep events whose type starts with any of these prefixes. */
  eventTypePrefixes?: string[];
  /** Keep events whose stream name starts with any of these prefixes. */
  streamNamePrefixes?: string[];
}

export interface ReadAllOptions {
  direction?: Direction;
  /**
   * Exclusive: forwards, the read starts after this position; backwards, before it.
   * Omitted: from the start (forwards) or the end (backwards). This makes paging resumable:
   * hand back the position of the last event you saw.
   */
  fromPosition?: Position;
  maxCount?: number;
  filter?: AllFilter;
}

export interface SubscribeToAllOptions {
  /** Exclusive: the first event delivered is the one after this position. Omitted: from the start. */
  fromPosition?: Position;
  filter?: AllFilter;
}

export type SubscriptionMessage =
  | { type: 'event'; event: RecordedEvent }
  /** Emitted each time the subscription has delivered everything that existed and switches to live. */
  | { type: 'caught-up'; position: Position | null };

/** A catch-up subscription: historic events, then a caught-up signal, then live events, in order. */
export interface StoreSubscription extends AsyncIterable<SubscriptionMessage> {
  close(): Promise<void>;
}

export type EventStoreKind = 'sqlite' | 'postgres' | 'eventstoredb';

export interface EventStore {
  readonly kind: EventStoreKind;
  append(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Throws StreamNotFoundError when the stream has no events. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeToAllOptions): StoreSubscription;
  /** Position of the newest event in `$all` (user events only), or null when the store is empty. */
  headPosition(): Promise<Position | null>;
  /** Resolves when the store answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every position an adapter hands out: 20 zero-padded digits (SQLite, PostgreSQL) or EventStoreDB's
 * commit/prepare as two of them. Fixed width, so text order is log order (comparePositions); a
 * position from a client in any other form ("5" sorts after every real one) is refused.
 */
export const POSITION_FORMAT = /^\d{20}(\/\d{20})?$/;

/** The largest sequence of the SQL adapters: SQLite's INTEGER and PostgreSQL's bigint are signed 64-bit. */
export const MAX_SQL_SEQUENCE = 2n ** 63n - 1n;
/** The largest commit or prepare position of EventStoreDB (unsigned 64-bit). */
export const MAX_ESDB_POSITION = 2n ** 64n - 1n;

/**
 * Why `value` is no position an event store can hold, or undefined when it is one: POSITION_FORMAT,
 * and within range (a single 20-digit sequence at most MAX_SQL_SEQUENCE, each half of a pair at most
 * MAX_ESDB_POSITION). For edges that check a client's position before any store sees it; each adapter
 * still checks the form it uses itself.
 */
export function positionProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !POSITION_FORMAT.test(value)) {
    return 'must be a position as the API returns them: 20 digits, or two groups of 20 joined by "/"';
  }
  const parts = value.split('/');
  const max = parts.length === 1 ? MAX_SQL_SEQUENCE : MAX_ESDB_POSITION;
  if (parts.some((part) => BigInt(part) > max)) {
    return `is beyond the largest position an event store holds (${String(max).padStart(20, '0')})`;
  }
  return undefined;
}

/** Global order of two positions of the same store: negative, zero or positive. */
export function comparePositions(a: Position, b: Position): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
