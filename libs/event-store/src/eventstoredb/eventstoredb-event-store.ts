import {
  ANY,
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  eventTypeFilter,
  excludeSystemEvents,
  isCommandError,
  jsonEvent,
  streamNameFilter,
} from '@eventstore/db-client';
import type {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  AppendExpectedRevision,
  Filter,
  Position as EsdbPosition,
  RecordedEvent as EsdbRecordedEvent,
  ResolvedEvent,
} from '@eventstore/db-client';
import {
  EventStoreAccessDeniedError,
  EventStoreError,
  EventStoreUnavailableError,
  InvalidAppendError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../errors';
import {
  normaliseFilter,
  prepareAppend,
  type PreparedEvent,
  validateDirection,
  validateMaxCount,
  validateRevision,
  type NormalisedFilter,
} from '../shared/validation';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  JsonObject,
  JsonValue,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreSubscription,
  SubscribeToAllOptions,
  SubscriptionMessage,
} from '../types';
import { MAX_ESDB_POSITION } from '../types';
import { ConfigError, redactUrl } from '../config-error';

/**
 * The event-store port on EventStoreDB, through the official gRPC client (`@eventstore/db-client`).
 *
 * Choices worth knowing (the contract suite in `testing/contract.ts` pins the behaviour):
 *
 * - Positions: EventStoreDB's `{commit, prepare}` rendered as two 20-digit zero-padded decimals
 *   joined by '/', so string order is log order (`comparePositions`) and any u64 fits.
 * - Idempotency is EventStoreDB's own: re-appending the same ids with a numeric or 'no_stream'
 *   expectation is recognised at exactly the expected place; with 'any' / 'stream_exists' the
 *   server looks the first id up (a real node only remembers *recent* ids for this — an old batch
 *   retried with 'any' long after may be written again). A recognised retry is answered by the
 *   server as a success carrying the ORIGINAL last event's revision and log position (NoPosition
 *   only when it cannot read that event), so success alone does not say whether anything was
 *   written: `append` tells a duplicate by its position (at or below the `$all` head read just
 *   before it: one read) and, when the position is above that head, by reading the appended range
 *   of the stream back (one more read): the server matches a retry by event ids only, so stored
 *   events that differ from the sent ones in id, type, data or metadata are another writer's
 *   (the same command id run concurrently elsewhere), and the append is a duplicate (see there).
 *   A partial overlap is a wrong expected version on the server, as on the other adapters.
 * - readAll: this client version (6.x) cannot send a server-side filter on reads, so `$all` is
 *   paged and filtered here (system events — type or stream starting with '$' — always dropped).
 *   Correct, but a narrow filter over a large store scans it.
 * - subscribeToAll: one server-side filter (stream prefixes, else type prefixes, else "no system
 *   events") and the rest applied here. Caught-up comes from the server's CaughtUp message (23.10+)
 *   or, on older servers, from the head read just before subscribing: once the subscription has
 *   passed it, or passed the newest event below it that the filter keeps, which the adapter reads
 *   itself when the subscription falls silent (see EsdbSubscription).
 * - Positions of events read from a stream need a server >= 22.6 (older ones do not return them).
 */
export async function createEventStoreDbEventStore(connectionString: string): Promise<EventStore> {
  // The client connects lazily: constructing it does no I/O, and readiness is `ping()`'s job, so a
  // store can be created while the server is still starting.
  return new EventStoreDbEventStore(parseConnectionString(connectionString));
}

/**
 * The client's parse error carries the whole connection string, password included, as a property
 * that loggers print: it is answered as a ConfigError naming where the string is wrong instead, with
 * the password masked (and without the offending character, which may be one of the password's).
 */
function parseConnectionString(connectionString: string): EventStoreDBClient {
  try {
    return EventStoreDBClient.connectionString(connectionString);
  } catch (error) {
    const { location, expected } = (error ?? {}) as { location?: unknown; expected?: unknown };
    const where = typeof location === 'number' ? ` at position ${location}` : '';
    const wanted = typeof expected === 'string' ? `, expected ${expected}` : '';
    throw new ConfigError(
      'EVENT_STORE_URL',
      `EVENT_STORE_URL is not a valid EventStoreDB connection string${where}${wanted} ('${redactUrl(connectionString)}')`,
    );
  }
}

/** Reads of `$all` are paged; a page never needs more than this many events in memory. */
const MAX_PAGE = 512;
const PING_TIMEOUT_MS = 5_000;
/** Queue length at which a subscription stops pulling from gRPC until the consumer catches up. */
const SUBSCRIPTION_HIGH_WATER = 1_024;
const SUBSCRIPTION_LOW_WATER = 256;
/**
 * Caught-up fallback on servers without CaughtUp (see EsdbSubscription): how long the subscription
 * must have been silent before the adapter looks at the log itself, the longest it then waits
 * between two looks, and how many events one look reads at most.
 */
const FALLBACK_QUIET_MS = 100;
const FALLBACK_MAX_DELAY_MS = 5_000;
const FALLBACK_SCAN_BUDGET = 2_048;
/** What servers before 22.6 put in the commit position of events read from a stream: "no position". */
const NO_POSITION = 2n ** 64n - 1n;
const POSITION_PATTERN = /^(\d{20})\/(\d{20})$/;

export function formatEsdbPosition(position: EsdbPosition): Position {
  return `${position.commit.toString().padStart(20, '0')}/${position.prepare.toString().padStart(20, '0')}`;
}

export function parseEsdbPosition(position: Position): EsdbPosition {
  const match = typeof position === 'string' ? POSITION_PATTERN.exec(position) : null;
  if (match === null) {
    throw new InvalidAppendError(
      `Invalid position '${String(position)}': expected '<20 digits>/<20 digits>'`,
    );
  }
  const parsed = { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
  if (parsed.commit > MAX_ESDB_POSITION || parsed.prepare > MAX_ESDB_POSITION) {
    throw new InvalidAppendError(
      `Invalid position '${position}': beyond the largest position EventStoreDB holds (2^64 - 1 per half)`,
    );
  }
  return parsed;
}

function compareEsdbPositions(a: EsdbPosition, b: EsdbPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** The port's filter on an event's type and stream name; system events (type or stream '$...') never match. */
function matches(type: string, streamName: string, filter: NormalisedFilter): boolean {
  if (type.startsWith('$') || streamName.startsWith('$')) return false;
  const { eventTypePrefixes: types, streamNamePrefixes: streams } = filter;
  if (types !== null && !types.some((prefix) => type.startsWith(prefix))) return false;
  if (streams !== null && !streams.some((prefix) => streamName.startsWith(prefix))) return false;
  return true;
}

function matchesFilter(event: EsdbRecordedEvent, filter: NormalisedFilter): boolean {
  return matches(event.type, event.streamId, filter);
}

function isJsonObject(value: unknown): value is JsonObject {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/**
 * Our adapters only write JSON objects, but `$all` may hold events other writers made; those are
 * wrapped rather than dropped so that nothing read from the store breaks the port's types.
 */
function asJsonObject(value: unknown): JsonObject {
  if (value === undefined || value === null) return {};
  if (isJsonObject(value)) return value;
  if (value instanceof Uint8Array) return { $binary: Buffer.from(value).toString('base64') };
  return { $value: value as JsonValue };
}

/**
 * The JSON text of data or metadata the client parsed from a stored event, or null when it is not a
 * JSON object (absent, raw bytes, or text the client could not parse): never what our appends send.
 */
function storedJson(value: unknown): string | null {
  return isJsonObject(value) ? JSON.stringify(value) : null;
}

function toRecordedEvent(event: EsdbRecordedEvent): RecordedEvent {
  const position = event.position;
  if (position === undefined || position.commit === NO_POSITION) {
    throw new EventStoreUnavailableError(
      `EventStoreDB returned event ${event.id} of '${event.streamId}' without a log position (server older than 22.6?)`,
    );
  }
  return {
    id: event.id,
    type: event.type,
    streamName: event.streamId,
    revision: Number(event.revision),
    position: formatEsdbPosition(position),
    data: asJsonObject(event.data),
    metadata: asJsonObject(event.metadata),
    recordedAt: event.created.toISOString(),
  };
}

/**
 * Maps whatever the client raised to the port's errors; anything unexpected means "unavailable".
 * Two refusals are not outages and are never answered as such: access denied (the server's
 * PermissionDenied with `exception: access-denied`, or UNAUTHENTICATED for bad credentials) and a
 * deleted stream (`stream-deleted`: a tombstone; a soft-deleted stream reads as not found and is
 * written again by an append). `readStream` answers a deleted stream as not found, like a missing one.
 */
function toPortError(error: unknown, operation: string): EventStoreError {
  if (error instanceof EventStoreError) return error;
  if (error instanceof Error && isCommandError(error)) {
    switch (error.type) {
      case ErrorType.STREAM_NOT_FOUND:
        return new StreamNotFoundError(error.streamName);
      case ErrorType.ACCESS_DENIED:
        return new EventStoreAccessDeniedError(
          `EventStoreDB refused access for ${operation} (check the credentials in EVENT_STORE_URL and the stream ACLs): ${error.message}`,
          error,
        );
      case ErrorType.STREAM_DELETED:
        return new StreamDeletedError(error.streamName);
      case ErrorType.INVALID_ARGUMENT:
      case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
      case ErrorType.MISSING_REQUIRED_METADATA_PROPERTY:
        return new InvalidAppendError(`EventStoreDB rejected ${operation}: ${error.message}`);
      default:
        break;
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new EventStoreUnavailableError(`EventStoreDB ${operation} failed: ${message}`, error);
}

async function collect<T>(readable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of readable) items.push(item);
  return items;
}

class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly subscriptions = new Set<EsdbSubscription>();
  private closed = false;

  constructor(private readonly client: EventStoreDBClient) {}

  async append(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    // Same validation as every adapter; also lower-cases ids, as the server reports them.
    const prepared = prepareAppend(streamName, events, expected);
    const proposed = prepared.map((event, index) =>
      jsonEvent({
        id: event.id,
        type: event.type,
        data: events[index].data,
        metadata: events[index].metadata ?? {},
      }),
    );
    // The newest position in the log before this append: anything the server reports at or below
    // it was committed before this call, so this call did not write it (see below).
    const headBefore = await this.logHeadCommit(`append to '${streamName}'`);
    let result;
    try {
      result = await this.client.appendToStream(streamName, proposed, {
        expectedRevision: toEsdbExpected(expected),
      });
    } catch (error) {
      if (
        error instanceof Error &&
        isCommandError(error) &&
        error.type === ErrorType.WRONG_EXPECTED_VERSION
      ) {
        const actual = error.actualVersion;
        throw new WrongExpectedVersionError(
          streamName,
          expected,
          actual === 'no_stream' ? 'no_stream' : Number(actual),
        );
      }
      throw toPortError(error, `append to '${streamName}'`);
    }
    const revision = Number(result.nextExpectedRevision);
    if (result.position !== undefined) {
      // A success with a position is either a new write (its position is beyond everything
      // committed before it) or a retry the server recognised (idempotent: it wrote nothing and
      // answers with the ORIGINAL last event's log position). Anything at or below the head read
      // before sending was committed before this call: a duplicate. The position is then the
      // original last event's, as reads report it for events written over gRPC (commit = prepare =
      // that event's log position).
      //
      // Race: that head is only a lower bound on what the server had committed when it processed
      // this append. If events with the SAME ids were committed at the same place by another writer
      // in between (the same command id running concurrently in another process, or our own earlier
      // attempt that timed out on the client but was still queued on the server), the server answers
      // this call as idempotent with a position above our head. The server recognises a retry by
      // the event ids alone, so the events it kept may carry other data and metadata than ours (for
      // the pipeline: another occurredAt, other hashes). Every position above the head is therefore
      // checked by reading the appended range back (`storedDifferently`, one stream read): when any
      // stored event differs from what this call sent, another write with these ids is what the
      // stream holds, and the append is reported as the duplicate it is. When every stored event is
      // exactly what this call sent, the stream holds what the caller believes it wrote, and the
      // append is reported as written — even if an identical write by another client is what the
      // server actually kept, which no client can tell apart. `duplicate: true` is never reported
      // for a write this call made: the JSON this call sent reads back as exactly the same text.
      const position = formatEsdbPosition(result.position);
      const duplicate =
        (headBefore !== null && result.position.commit <= headBefore) ||
        (await this.storedDifferently(streamName, revision, prepared));
      return { nextExpectedRevision: revision, position, duplicate };
    }
    // A success without a position: the server recognised a retry (idempotent write) and wrote
    // nothing, but could not read the original last event for its position (e.g. it fell out of the
    // stream's $maxCount/$maxAge window). Read that event to give the original result if we can.
    const [original] = await this.readStream(streamName, { fromRevision: revision, maxCount: 1 });
    if (original === undefined || original.revision !== revision) {
      throw new EventStoreUnavailableError(
        `EventStoreDB acknowledged an idempotent append to '${streamName}' at revision ${revision}, which cannot be read`,
      );
    }
    return { nextExpectedRevision: revision, position: original.position, duplicate: true };
  }

  /**
   * Whether the events the server acknowledged for an append (revisions `lastRevision - n + 1` to
   * `lastRevision` of the stream) differ from the `sent` ones in id, type, data or metadata: one
   * forwards read of exactly that range. Data and metadata are compared as the JSON text the client
   * sent (`prepareAppend` serialises them as the client does; what the server stores reads back as
   * the same text). A range that cannot be read whole (the stream deleted or truncated meanwhile)
   * cannot tell who wrote it: the append is then answered as unavailable, like an acknowledged
   * retry whose original cannot be read.
   */
  private async storedDifferently(
    streamName: string,
    lastRevision: number,
    sent: readonly PreparedEvent[],
  ): Promise<boolean> {
    const firstRevision = lastRevision - sent.length + 1;
    const unreadable = (why: string, cause?: unknown): EventStoreUnavailableError =>
      new EventStoreUnavailableError(
        `EventStoreDB acknowledged the append to '${streamName}' at revisions ${firstRevision}-${lastRevision}, ` +
          `which cannot be read back to tell whether this call wrote them: ${why}`,
        cause,
      );
    let stored: ResolvedEvent[];
    try {
      stored = await collect(
        this.client.readStream(streamName, {
          direction: FORWARDS,
          fromRevision: BigInt(firstRevision),
          maxCount: sent.length,
        }),
      );
    } catch (error) {
      throw unreadable(error instanceof Error ? error.message : String(error), error);
    }
    if (stored.length !== sent.length) throw unreadable(`${stored.length} of ${sent.length} events read`);
    let differs = false;
    for (const [index, { event }] of stored.entries()) {
      if (event === undefined || Number(event.revision) !== firstRevision + index) {
        throw unreadable(`no event at revision ${firstRevision + index}`);
      }
      const expected = sent[index];
      differs ||=
        event.id.toLowerCase() !== expected.id ||
        event.type !== expected.type ||
        !event.isJson ||
        storedJson(event.data) !== expected.data ||
        storedJson(event.metadata) !== expected.metadata;
    }
    return differs;
  }

  /**
   * Commit position of the newest record in `$all`, system events included (only its place in the
   * log matters), or null for an empty log: one backwards read of one event.
   */
  private async logHeadCommit(operation: string): Promise<bigint | null> {
    try {
      const [newest] = await collect(
        this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }),
      );
      if (newest === undefined) return null;
      return newest.commitPosition ?? newest.event?.position.commit ?? null;
    } catch (error) {
      throw toPortError(error, operation);
    }
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (typeof streamName !== 'string' || streamName.length === 0) {
      throw new InvalidAppendError('Stream name must be a non-empty string');
    }
    const direction = validateDirection(options.direction);
    const maxCount = validateMaxCount(options.maxCount);
    const from = validateRevision(options.fromRevision) ?? (direction === 'forwards' ? 'start' : 'end');
    try {
      const resolved: ResolvedEvent[] = await collect(
        this.client.readStream(streamName, {
          direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
          fromRevision: from === 'start' ? START : from === 'end' ? END : BigInt(from),
          ...(maxCount === undefined ? {} : { maxCount }),
        }),
      );
      return resolved.flatMap((item) => (item.event === undefined ? [] : [toRecordedEvent(item.event)]));
    } catch (error) {
      const portError = toPortError(error, `read of '${streamName}'`);
      // The port's contract: a stream that holds nothing to read is not found, deleted or never written.
      if (portError instanceof StreamDeletedError) throw new StreamNotFoundError(streamName);
      throw portError;
    }
  }

  /**
   * Pages through `$all` from the exclusive `fromPosition`, dropping system events and applying the
   * filter here (see the file comment). Forwards, the server's position is inclusive and backwards
   * exclusive; both are normalised by skipping anything not strictly beyond the cursor.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const direction = validateDirection(options.direction);
    const limit = validateMaxCount(options.maxCount);
    const filter = normaliseFilter(options.filter);
    let cursor = options.fromPosition === undefined ? undefined : parseEsdbPosition(options.fromPosition);
    const results: RecordedEvent[] = [];
    if (limit === 0) return results;
    const forwards = direction === 'forwards';
    // Start small when few events are wanted, grow while pages yield nothing we keep.
    let pageSize = Math.min(MAX_PAGE, Math.max(2, (limit ?? MAX_PAGE) + 1));
    try {
      for (;;) {
        const page: AllStreamResolvedEvent[] = await collect(
          this.client.readAll({
            direction: forwards ? FORWARDS : BACKWARDS,
            fromPosition: cursor ?? (forwards ? START : END),
            maxCount: pageSize,
          }),
        );
        let moved = false;
        for (const { event } of page) {
          if (event === undefined) continue;
          const position = event.position;
          if (cursor !== undefined) {
            const order = compareEsdbPositions(position, cursor);
            if (forwards ? order <= 0 : order >= 0) continue;
          }
          cursor = position;
          moved = true;
          if (!matchesFilter(event, filter)) continue;
          results.push(toRecordedEvent(event));
          if (limit !== undefined && results.length >= limit) return results;
        }
        if (page.length < pageSize || !moved) return results;
        pageSize = Math.min(MAX_PAGE, pageSize * 2);
      }
    } catch (error) {
      throw toPortError(error, 'read of $all');
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): StoreSubscription {
    const filter = normaliseFilter(options.filter);
    const from = options.fromPosition === undefined ? undefined : parseEsdbPosition(options.fromPosition);
    if (this.closed) throw new EventStoreUnavailableError('The EventStoreDB event store is closed');
    const subscription = new EsdbSubscription(
      this.client,
      from,
      filter,
      () => this.headEvent(),
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<Position | null> {
    return (await this.headEvent())?.position ?? null;
  }

  /** The newest user event in `$all` (system events skipped), or null when there is none. */
  private async headEvent(): Promise<RecordedEvent | null> {
    const [newest] = await this.readAll({ direction: 'backwards', maxCount: 1 });
    return newest ?? null;
  }

  async ping(): Promise<void> {
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        collect(read),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)),
            PING_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (error) {
      await read.cancel().catch(() => undefined);
      throw toPortError(error, 'ping');
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
    // dispose() cancels the client's calls but leaves its gRPC channel (and socket) open, and the
    // client has no public way to close it. Its (TypeScript-protected) getChannel() is reached
    // defensively: if a client version lacks it, the channel is merely left to idle out.
    const internals = this.client as unknown as { getChannel?: () => Promise<{ close(): void }> };
    if (typeof internals.getChannel === 'function') {
      await internals
        .getChannel()
        .then((channel) => channel.close())
        .catch(() => undefined);
    }
  }
}

type QueueItem = SubscriptionMessage | { type: 'failed'; error: EventStoreError };

function laterOf(a: EsdbPosition | null, b: EsdbPosition | null): EsdbPosition | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareEsdbPositions(a, b) >= 0 ? a : b;
}

/** What one look at the log below the head found (see `EsdbSubscription.lookBelowHead`). */
type LookResult =
  /** Nothing the consumer would see lies between what the subscription has passed and the head. */
  | { kind: 'covered' }
  /** The newest event below the head that the consumer would see (not yet passed). */
  | { kind: 'found'; position: EsdbPosition }
  /** The read budget ran out first; look again later. */
  | { kind: 'unknown' };

/**
 * A catch-up subscription over the client's `subscribeToAll`, as an async iterable of port messages.
 *
 * Ordering of signals: the client reports the server's CaughtUp, FellBehind and checkpoints as events
 * or callbacks raised while earlier events may still sit in the Readable's buffer. We consume in
 * flowing mode and count the `data` events; a signal raised with N events buffered belongs after
 * `delivered + N` events (exact, because both happen synchronously inside the client's transform),
 * so such signals are queued as markers that `onEvent` applies when that count is reached.
 *
 * Caught-up means: every event committed before the subscription started (more exactly: at or before
 * the head read just before subscribing) that matches the filter has been delivered before it.
 *
 * - Servers from 23.10 send CaughtUp when the subscription goes live: that is the signal.
 * - Servers before 23.10 send nothing of the kind, and their filtered subscriptions (we always send
 *   a server-side filter) send no checkpoint when going live either: during catch-up only after
 *   pages that are not the last one, live only every 32 x multiplier events. So neither an event nor
 *   a checkpoint at or beyond the head H need ever arrive: when H is an event the filter drops, a
 *   quiet store would never report caught-up. The fallback therefore works from what the adapter
 *   can observe itself:
 *   1. H, the newest user event, read before subscribing. If H matches the filter, the server will
 *      deliver it: caught-up right after the first event at or beyond H (the log is delivered in
 *      order, with no gaps). A checkpoint at or beyond H says the same (the server has considered
 *      everything up to it; the marker orders caught-up after the events delivered before it).
 *   2. If H does not match, caught-up is due once every event below H that the consumer would see
 *      has been delivered. When the subscription has been silent for a while (no event, no
 *      checkpoint, not paused by our own backpressure), we read `$all` backwards from H down to
 *      what the subscription has already passed (`from`, the last event received, the last
 *      checkpoint): if nothing in between matches the filter, everything that matches up to H has
 *      been delivered, so caught-up is due after the events already received; if the newest match
 *      L is found, L becomes the target of rule 1 (L matches, so the server will deliver it).
 *   Neither rule depends on timing: silence only decides WHEN the adapter spends a read, never
 *   WHETHER caught-up is due, so caught-up cannot come before an event it promises (a slow server
 *   merely makes a look come back with a target or "look again later", with a growing delay). A
 *   look is cheap when the server has finished: its catch-up checkpoints leave at most about two
 *   pages (64 considered events) between the last checkpoint and H; one look reads at most
 *   FALLBACK_SCAN_BUDGET events. Events committed after H are live events either way.
 *
 * FellBehind (in the protocol since 23.10; the server sources we checked turn it into nothing,
 * "currently not sent to clients", and later KurrentDB sends it only to clients that ask for a
 * compatibility level, which this 6.x client does not — a server that falls behind internally just
 * sends CaughtUp again, ignored while live): caught-up no longer holds. The pending fallback stops
 * at once (a round counter drops its queued signals) and the old head is forgotten: the subscription
 * is past it, so it would signal caught-up at the next event while still behind. When the server has
 * sent CaughtUp before, its next CaughtUp is the signal; a server that never did (none is known to
 * send FellBehind) gets the fallback again, from a head read anew.
 */
class EsdbSubscription implements StoreSubscription {
  private readonly queue: QueueItem[] = [];
  private waiter: (() => void) | null = null;
  private subscription: AllStreamSubscription | undefined;
  private closed = false;
  private failed = false;
  private live = false;
  /** Number of `data` events received. */
  private delivered = 0;
  /** Signals due after a number of `data` events (non-decreasing `at`). */
  private readonly markers: { at: number; apply: () => void }[] = [];
  /** The server has sent CaughtUp at least once (a 23.10+ server). */
  private serverSendsCaughtUp = false;
  /** Bumped whenever the fallback starts over; an async step of an older round is ignored. */
  private round = 0;
  /** Fallback: the head read before subscribing (or after falling behind); null when not pending. */
  private head: EsdbPosition | null = null;
  /** Fallback: caught-up is due once an event or checkpoint at or beyond this has gone by. */
  private target: EsdbPosition | null = null;
  /** Fallback: the head does not match the filter, so the log below it may have to be read. */
  private lookNeeded = false;
  private lookTimer: NodeJS.Timeout | undefined;
  private lookDelay = FALLBACK_QUIET_MS;
  private lastActivity = Date.now();
  /** Position of the last event received (matching or not). */
  private lastSeen: EsdbPosition | null = null;
  /** Position of the newest checkpoint received. */
  private lastCheckpoint: EsdbPosition | null = null;
  private lastPosition: Position | null;
  private paused = false;
  private readonly started: Promise<void>;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly from: EsdbPosition | undefined,
    private readonly filter: NormalisedFilter,
    private readonly readHead: () => Promise<RecordedEvent | null>,
    private readonly onClose: () => void,
  ) {
    this.lastPosition = from === undefined ? null : formatEsdbPosition(from);
    this.started = this.start();
  }

  private async start(): Promise<void> {
    try {
      // Read before subscribing: everything at or before the head existed when we subscribed.
      const head = await this.readHead();
      if (this.closed) return;
      const subscription = this.client.subscribeToAll({
        fromPosition: this.from ?? START,
        filter: this.serverFilter(),
      });
      this.subscription = subscription;
      subscription.on('data', (resolved: AllStreamResolvedEvent) => this.onEvent(resolved));
      subscription.on('caughtUp', () => {
        this.serverSendsCaughtUp = true;
        this.afterBuffered(() => this.signalCaughtUp());
      });
      subscription.on('fellBehind', () => {
        // The fallback stops at once: a signal it would raise from here on may come from a
        // checkpoint or a look that is already past the FellBehind in the stream.
        this.stopFallback();
        this.afterBuffered(() => this.fellBehind());
      });
      subscription.on('error', (error: Error) => this.fail(toPortError(error, 'subscription to $all')));
      subscription.on('close', () => {
        if (!this.closed)
          this.fail(new EventStoreUnavailableError('EventStoreDB ended the subscription to $all'));
      });
      this.pursue(head, this.round);
    } catch (error) {
      this.fail(toPortError(error, 'subscription to $all'));
    }
  }

  /** The one filter the server applies; `matchesFilter` re-checks everything client-side anyway. */
  private serverFilter(): Filter {
    const checkpointReached = (_subscription: unknown, position: EsdbPosition): void =>
      this.onCheckpoint(position);
    if (this.filter.streamNamePrefixes !== null) {
      return streamNameFilter({ prefixes: this.filter.streamNamePrefixes, checkpointReached });
    }
    if (this.filter.eventTypePrefixes !== null) {
      return eventTypeFilter({ prefixes: this.filter.eventTypePrefixes, checkpointReached });
    }
    return excludeSystemEvents({ checkpointReached });
  }

  /** Everything up to this position has been delivered or is buffered in front of any new signal. */
  private passed(): EsdbPosition | null {
    return laterOf(laterOf(this.from ?? null, this.lastSeen), this.lastCheckpoint);
  }

  private isPassed(position: EsdbPosition): boolean {
    const passed = this.passed();
    return passed !== null && compareEsdbPositions(passed, position) >= 0;
  }

  /** Starts the fallback towards `head` (the newest user event, read before it is needed). */
  private pursue(head: RecordedEvent | null, round: number): void {
    if (this.closed || this.live || round !== this.round) return;
    if (head === null) {
      // Nothing but system events: nothing to wait for.
      this.fallbackCaughtUp();
      return;
    }
    this.head = parseEsdbPosition(head.position);
    this.target = this.head;
    this.lookNeeded = !matches(head.type, head.streamName, this.filter);
    if (this.isPassed(this.head)) {
      this.fallbackCaughtUp();
    } else {
      this.scheduleLook();
    }
  }

  /** Caught-up from the fallback, after the buffered events, unless the fallback started over meanwhile. */
  private fallbackCaughtUp(): void {
    const round = this.round;
    this.afterBuffered(() => {
      if (round === this.round) this.signalCaughtUp();
    });
  }

  /** Ends the pending fallback (if any); signals of its round that are still queued are dropped. */
  private stopFallback(): void {
    this.round += 1;
    this.head = null;
    this.target = null;
    this.lookNeeded = false;
    this.cancelLook();
  }

  private onEvent(resolved: AllStreamResolvedEvent): void {
    this.delivered += 1;
    const event = resolved.event;
    if (event !== undefined && !this.closed) {
      this.noteActivity();
      this.lastSeen = event.position;
      const beyondFrom = this.from === undefined || compareEsdbPositions(event.position, this.from) > 0;
      if (beyondFrom && matchesFilter(event, this.filter)) {
        try {
          const recorded = toRecordedEvent(event);
          this.lastPosition = recorded.position;
          this.push({ type: 'event', event: recorded });
        } catch (error) {
          this.fail(toPortError(error, 'subscription to $all'));
          return;
        }
      }
      if (!this.live && this.target !== null && compareEsdbPositions(event.position, this.target) >= 0) {
        this.signalCaughtUp();
      }
    }
    this.applyDueMarkers();
  }

  private applyDueMarkers(): void {
    while (this.markers.length > 0 && this.delivered >= this.markers[0].at) {
      (this.markers.shift() as { apply: () => void }).apply();
    }
  }

  private onCheckpoint(position: EsdbPosition): void {
    if (this.closed) return;
    this.noteActivity();
    this.lastCheckpoint = laterOf(this.lastCheckpoint, position);
    if (!this.live && this.target !== null && compareEsdbPositions(position, this.target) >= 0) {
      this.fallbackCaughtUp();
    }
  }

  /** Applies `signal` after the events the client has already pushed but we have not yet seen. */
  private afterBuffered(signal: () => void): void {
    const at = this.delivered + (this.subscription?.readableLength ?? 0);
    if (at > this.delivered) {
      this.markers.push({ at, apply: signal });
    } else {
      this.applyDueMarkers();
      signal();
    }
  }

  private fellBehind(): void {
    if (this.closed) return;
    this.live = false;
    this.stopFallback();
    // A server that sends FellBehind sends CaughtUp when it has caught up again; only one that never
    // sent CaughtUp (not known to exist) needs the head-based fallback, from a head read now.
    if (this.serverSendsCaughtUp) return;
    const round = this.round;
    this.readHead().then(
      (head) => this.pursue(head, round),
      (error: unknown) => this.fail(toPortError(error, 'subscription to $all')),
    );
  }

  private noteActivity(): void {
    this.lastActivity = Date.now();
    this.lookDelay = FALLBACK_QUIET_MS;
  }

  private scheduleLook(delay = this.lookDelay): void {
    if (this.lookTimer !== undefined || this.closed || this.live || !this.lookNeeded) return;
    this.lookTimer = setTimeout(() => {
      this.lookTimer = undefined;
      void this.look();
    }, delay);
    this.lookTimer.unref();
  }

  private cancelLook(): void {
    clearTimeout(this.lookTimer);
    this.lookTimer = undefined;
  }

  /** Fallback rule 2 (see the class comment), once the subscription has been silent for a while. */
  private async look(): Promise<void> {
    if (this.closed || this.live || !this.lookNeeded || this.head === null) return;
    const silentFor = Date.now() - this.lastActivity;
    if (silentFor < FALLBACK_QUIET_MS || this.paused || (this.subscription?.readableLength ?? 0) > 0) {
      // Still moving, or held back by our own consumer: not the moment to read the log. Held back
      // after a silence, the next look comes a whole quiet period later (a 1 ms timer loop otherwise).
      this.scheduleLook(silentFor < FALLBACK_QUIET_MS ? FALLBACK_QUIET_MS - silentFor : FALLBACK_QUIET_MS);
      return;
    }
    const round = this.round;
    let result: LookResult;
    try {
      result = await this.lookBelowHead(this.head);
    } catch {
      result = { kind: 'unknown' }; // a failing server fails the subscription itself
    }
    if (this.closed || this.live || round !== this.round) return;
    if (result.kind === 'covered') {
      this.fallbackCaughtUp();
      return;
    }
    if (result.kind === 'found') {
      this.target = result.position;
      if (this.isPassed(result.position)) {
        this.fallbackCaughtUp();
        return;
      }
    }
    // Look again later (the found event may yet be scavenged before it is delivered), less often.
    this.lookDelay = Math.min(FALLBACK_MAX_DELAY_MS, this.lookDelay * 2);
    this.scheduleLook();
  }

  /**
   * Reads `$all` backwards from `head` (exclusive: it does not match) down to what the subscription
   * has passed, which is re-read on every page since the subscription keeps moving meanwhile.
   */
  private async lookBelowHead(head: EsdbPosition): Promise<LookResult> {
    let cursor = head;
    let pageSize = 32;
    let read = 0;
    for (;;) {
      const passed = this.passed();
      if (passed !== null && compareEsdbPositions(cursor, passed) <= 0) return { kind: 'covered' };
      if (read >= FALLBACK_SCAN_BUDGET) return { kind: 'unknown' };
      const page: AllStreamResolvedEvent[] = await collect(
        this.client.readAll({ direction: BACKWARDS, fromPosition: cursor, maxCount: pageSize }),
      );
      let moved = false;
      for (const { event } of page) {
        // Backwards reads start before the position; skip anything not strictly below the cursor.
        if (event === undefined || compareEsdbPositions(event.position, cursor) >= 0) continue;
        cursor = event.position;
        moved = true;
        read += 1;
        if (passed !== null && compareEsdbPositions(cursor, passed) <= 0) return { kind: 'covered' };
        if (matchesFilter(event, this.filter)) return { kind: 'found', position: cursor };
      }
      // The start of `$all` without a match: nothing below the head for the consumer at all.
      if (page.length < pageSize || !moved) return { kind: 'covered' };
      pageSize = Math.min(MAX_PAGE, pageSize * 2);
    }
  }

  private signalCaughtUp(): void {
    if (this.live || this.closed) return;
    this.live = true;
    this.head = null;
    this.target = null;
    this.lookNeeded = false;
    this.cancelLook();
    this.push({ type: 'caught-up', position: this.lastPosition });
  }

  private push(item: QueueItem): void {
    this.queue.push(item);
    if (!this.paused && this.queue.length >= SUBSCRIPTION_HIGH_WATER && this.subscription !== undefined) {
      this.paused = true;
      this.subscription.pause();
    }
    this.wake();
  }

  private fail(error: EventStoreError): void {
    if (this.closed || this.failed) return;
    this.failed = true;
    this.cancelLook();
    this.push({ type: 'failed', error });
    void this.release();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private async next(): Promise<IteratorResult<SubscriptionMessage>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      const item = this.queue.shift();
      if (item !== undefined) {
        if (this.paused && this.queue.length <= SUBSCRIPTION_LOW_WATER) {
          this.paused = false;
          this.subscription?.resume();
        }
        if (item.type === 'failed') {
          this.closed = true;
          this.onClose();
          throw item.error;
        }
        return { done: false, value: item };
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelLook();
    this.queue.length = 0;
    this.wake();
    this.onClose();
    await this.started;
    await this.release();
  }

  /** Cancels the gRPC call; the client reports the cancellation to nobody, as intended. */
  private async release(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription === undefined) return;
    subscription.removeAllListeners('data');
    await subscription.unsubscribe().catch(() => undefined);
  }
}
