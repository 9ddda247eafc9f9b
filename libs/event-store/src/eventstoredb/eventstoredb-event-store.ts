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
  EventStoreError,
  EventStoreUnavailableError,
  InvalidAppendError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../errors';
import {
  normaliseFilter,
  prepareAppend,
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
 *   written: `append` tells a duplicate by its position (see there). A partial overlap is a wrong
 *   expected version on the server, as on the other adapters.
 * - readAll: this client version (6.x) cannot send a server-side filter on reads, so `$all` is
 *   paged and filtered here (system events — type or stream starting with '$' — always dropped).
 *   Correct, but a narrow filter over a large store scans it.
 * - subscribeToAll: one server-side filter (stream prefixes, else type prefixes, else "no system
 *   events") and the rest applied here. Caught-up comes from the server's CaughtUp message (23.10+)
 *   or, on older servers, from the head position read just before subscribing (see EsdbSubscription).
 * - Positions of events read from a stream need a server >= 22.6 (older ones do not return them).
 */
export async function createEventStoreDbEventStore(connectionString: string): Promise<EventStore> {
  // The client connects lazily: constructing it does no I/O, and readiness is `ping()`'s job, so a
  // store can be created while the server is still starting.
  const client = EventStoreDBClient.connectionString(connectionString);
  return new EventStoreDbEventStore(client);
}

/** Reads of `$all` are paged; a page never needs more than this many events in memory. */
const MAX_PAGE = 512;
const PING_TIMEOUT_MS = 5_000;
/** Queue length at which a subscription stops pulling from gRPC until the consumer catches up. */
const SUBSCRIPTION_HIGH_WATER = 1_024;
const SUBSCRIPTION_LOW_WATER = 256;
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
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
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

function isSystemEvent(event: EsdbRecordedEvent): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function matchesFilter(event: EsdbRecordedEvent, filter: NormalisedFilter): boolean {
  if (isSystemEvent(event)) return false;
  const { eventTypePrefixes: types, streamNamePrefixes: streams } = filter;
  if (types !== null && !types.some((prefix) => event.type.startsWith(prefix))) return false;
  if (streams !== null && !streams.some((prefix) => event.streamId.startsWith(prefix))) return false;
  return true;
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

/** Maps whatever the client raised to the port's errors; anything unexpected means "unavailable". */
function toPortError(error: unknown, operation: string): EventStoreError {
  if (error instanceof EventStoreError) return error;
  if (error instanceof Error && isCommandError(error)) {
    switch (error.type) {
      case ErrorType.STREAM_NOT_FOUND:
        return new StreamNotFoundError(error.streamName);
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
      // this append. If the SAME events (ids, place) are committed by another writer in between —
      // the same retry running concurrently elsewhere, or our own earlier attempt that timed out
      // on the client but was still queued on the server — the server answers this call as
      // idempotent with a position above our head, and we report `duplicate: false` although this
      // call wrote nothing: both callers then believe they wrote, and the stored events are the
      // other writer's (same ids; data and metadata may differ). The other direction is exact:
      // `duplicate: true` is never reported for a write this call made, and a retry of events
      // committed before this call started is always recognised. The SQL adapters decide inside
      // their write transaction and have no such window; closing it here would need a read-back
      // of the written events on every append.
      const duplicate = headBefore !== null && result.position.commit <= headBefore;
      return {
        nextExpectedRevision: revision,
        position: formatEsdbPosition(result.position),
        duplicate,
      };
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
      throw toPortError(error, `read of '${streamName}'`);
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
      () => this.headPosition(),
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<Position | null> {
    const [newest] = await this.readAll({ direction: 'backwards', maxCount: 1 });
    return newest?.position ?? null;
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

/**
 * A catch-up subscription over the client's `subscribeToAll`, as an async iterable of port messages.
 *
 * Caught-up ordering: the client reports the server's CaughtUp as an `caughtUp` event emitted while
 * earlier events may still sit in the Readable's buffer. We consume in flowing mode and count the
 * `data` events; at `caughtUp` the signal belongs after `delivered + readableLength` events, which is
 * exact because both happen synchronously inside the client's transform.
 *
 * Fallback for servers without CaughtUp (< 23.10): the user-event head read just before subscribing.
 * Caught-up is signalled once an event (or a filter checkpoint) at or beyond it has gone by, or at
 * once when there is nothing beyond `fromPosition` (an empty store included).
 */
class EsdbSubscription implements StoreSubscription {
  private readonly queue: QueueItem[] = [];
  private waiter: (() => void) | null = null;
  private subscription: AllStreamSubscription | undefined;
  private closed = false;
  private failed = false;
  private live = false;
  /** Number of `data` events received; the target count at which a pending caught-up is due. */
  private delivered = 0;
  private caughtUpAfter: number | null = null;
  private head: EsdbPosition | null = null;
  private lastPosition: Position | null;
  private paused = false;
  private readonly started: Promise<void>;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly from: EsdbPosition | undefined,
    private readonly filter: NormalisedFilter,
    readHead: () => Promise<Position | null>,
    private readonly onClose: () => void,
  ) {
    this.lastPosition = from === undefined ? null : formatEsdbPosition(from);
    this.started = this.start(readHead);
  }

  private async start(readHead: () => Promise<Position | null>): Promise<void> {
    try {
      // Read before subscribing: everything at or before the head existed when we subscribed.
      const head = await readHead();
      if (this.closed) return;
      this.head = head === null ? null : parseEsdbPosition(head);
      const subscription = this.client.subscribeToAll({
        fromPosition: this.from ?? START,
        filter: this.serverFilter(),
      });
      this.subscription = subscription;
      subscription.on('data', (resolved: AllStreamResolvedEvent) => this.onEvent(resolved));
      subscription.on('caughtUp', () => this.caughtUpAfterBuffered());
      subscription.on('fellBehind', () => {
        // The server will send CaughtUp again once it has caught up; let that one through.
        this.live = false;
      });
      subscription.on('error', (error: Error) => this.fail(toPortError(error, 'subscription to $all')));
      subscription.on('close', () => {
        if (!this.closed)
          this.fail(new EventStoreUnavailableError('EventStoreDB ended the subscription to $all'));
      });
      if (
        this.head === null ||
        (this.from !== undefined && compareEsdbPositions(this.head, this.from) <= 0)
      ) {
        this.signalCaughtUp();
      }
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

  private onEvent(resolved: AllStreamResolvedEvent): void {
    this.delivered += 1;
    const event = resolved.event;
    if (event !== undefined && !this.closed) {
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
      if (!this.live && this.head !== null && compareEsdbPositions(event.position, this.head) >= 0) {
        this.signalCaughtUp();
      }
    }
    if (this.caughtUpAfter !== null && this.delivered >= this.caughtUpAfter) {
      this.caughtUpAfter = null;
      this.signalCaughtUp();
    }
  }

  private onCheckpoint(position: EsdbPosition): void {
    if (!this.live && this.head !== null && compareEsdbPositions(position, this.head) >= 0) {
      this.caughtUpAfterBuffered();
    }
  }

  /** Signals caught-up after the events the client has already pushed but we have not yet seen. */
  private caughtUpAfterBuffered(): void {
    const buffered = this.subscription?.readableLength ?? 0;
    if (buffered === 0) {
      this.signalCaughtUp();
    } else {
      const target = this.delivered + buffered;
      this.caughtUpAfter = this.caughtUpAfter === null ? target : Math.min(this.caughtUpAfter, target);
    }
  }

  private signalCaughtUp(): void {
    if (this.live || this.closed) return;
    this.live = true;
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
