/**
 * TEST DOUBLE — gRPC handlers of the EventStoreDB `Streams` service (event_store.client.streams.Streams)
 * and of `ServerFeatures`, built on the message classes the real client package ships, so the real
 * `@eventstore/db-client` talks to it byte for byte as it would to a server. See README.md for what
 * is and is not implemented.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Empty as GoogleEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import type { IStreamsServer } from '@eventstore/db-client/generated/streams_grpc_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  ReadReq,
  ReadResp,
} from '@eventstore/db-client/generated/streams_pb';
import {
  AllStreamPosition,
  Empty,
  StreamIdentifier,
  UUID,
  WrongExpectedVersion as SharedWrongExpectedVersion,
  MaximumAppendSizeExceeded,
  Timeout,
  BadRequest as SharedBadRequest,
  AccessDenied as SharedAccessDenied,
  StreamDeleted as SharedStreamDeleted,
} from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { Code } from '@eventstore/db-client/generated/code_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import type { IServerFeaturesServer } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import type {
  AppendOutcome,
  EventPredicate,
  ExpectedStreamState,
  InMemoryLog,
  ProposedEvent,
  StoredEvent,
} from './log';

export interface StreamsServiceOptions {
  /**
   * How `$all` subscriptions signal their progress (see `subscribeToAll`):
   * - 'current': like the 23.10+ AllSubscriptionFiltered — a checkpoint and `CaughtUp` when a
   *   subscription goes live, `FellBehind` (on request, see `fallBehind`) when it drops back;
   * - 'legacy': like the 21.x/22.x AllSubscriptionFiltered — no `CaughtUp`, no checkpoint when going
   *   live; checkpoints only on catch-up pages that are not the last one and, live, every
   *   `window x multiplier` events.
   */
  readonly subscriptions: 'current' | 'legacy';
  /**
   * Pause before every catch-up page of a subscription, like a busy node (0: none). Not a protocol
   * behaviour: it lets tests check that a client does not mistake a slow catch-up for the end.
   */
  readonly catchUpPageDelayMs: number;
  /** Largest total payload (data + metadata bytes) of one append; the server's MaxAppendSize default is 1 MiB. */
  readonly maxAppendSize: number;
  /**
   * What an idempotent append (a retry the commit check recognises) reports as its position:
   * 'original' (what a node does when it can read the original last event: that event's log
   * position) or 'none' (NoPosition: what a node answers when that event cannot be read any more,
   * e.g. it fell out of the stream's $maxCount/$maxAge/$tb window while its id is still known).
   */
  readonly idempotentPosition: 'original' | 'none';
  /**
   * Streams.Append only: how long the node takes before it processes a complete append (0: none),
   * like a node whose writer queue is behind. An append the client has given up on meanwhile (its
   * gRPC deadline passed: DEADLINE_EXCEEDED on the client) is not written — one of the two outcomes
   * a real node may have; the other (written although the client timed out) is what idempotent
   * retries are for. BatchAppend, whose client call carries no gRPC deadline, is not delayed.
   */
  readonly appendDelayMs: number;
  /**
   * Streams the node answers as deleted for good (tombstoned): a read of one fails as
   * RpcExceptions.StreamDeleted does (FAILED_PRECONDITION, trailers `exception: stream-deleted` and
   * `stream-name`), an append to one as Append (same error) and BatchAppend (Status.StreamDeleted:
   * NotFound, message "StreamDeleted", packed `event_store.client.StreamDeleted`) do. `$all` is not
   * affected. Not a deletion: nothing is removed from the log; a test aid for the error path only.
   */
  readonly deletedStreams: ReadonlySet<string>;
  /**
   * Every Streams call refused as a node whose ACLs deny the user: Read and Append fail as
   * RpcExceptions.AccessDenied (PERMISSION_DENIED "Access Denied", trailer `exception:
   * access-denied`), each BatchAppend append as Status.AccessDenied (PermissionDenied, message
   * "AccessDenied", packed `event_store.client.AccessDenied`). ServerFeatures still answers.
   */
  readonly accessDenied: boolean;
}

/** The server's default filter search window when the client asks for the `count` window. */
const DEFAULT_MAX_SEARCH_WINDOW = 32;
/** Events a subscription's catch-up page may return at most (the server's Enumerator.ReadBatchSize). */
const READ_BATCH_SIZE = 32;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type RpcError = Partial<grpc.StatusObject> & { code: grpc.status };

/** An error the way the server raises it: a status plus `exception` trailers the client maps to its error types. */
function rpcError(code: grpc.status, details: string, trailers: Record<string, string> = {}): RpcError {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return { code, details, metadata };
}

class BadRequest extends Error {
  constructor(
    message: string,
    readonly error: RpcError = rpcError(grpc.status.INVALID_ARGUMENT, message),
  ) {
    super(message);
  }
}

/** RpcExceptions.AccessDenied on the server. */
function accessDeniedError(): RpcError {
  return rpcError(grpc.status.PERMISSION_DENIED, 'Access Denied', { exception: 'access-denied' });
}

/** RpcExceptions.StreamDeleted on the server. */
function streamDeletedError(streamName: string): RpcError {
  return rpcError(grpc.status.FAILED_PRECONDITION, `Event stream '${streamName}' is deleted.`, {
    exception: 'stream-deleted',
    'stream-name': streamName,
  });
}

function streamNameOf(identifier: StreamIdentifier | undefined): string {
  if (identifier === undefined) throw new BadRequest('Missing stream identifier');
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

function streamIdentifier(streamName: string): StreamIdentifier {
  return new StreamIdentifier().setStreamName(Buffer.from(streamName, 'utf8'));
}

function parseUuid(uuid: UUID | undefined): string {
  if (uuid === undefined) throw new BadRequest('Missing event id');
  let text: string;
  if (uuid.hasStructured()) {
    const structured = uuid.getStructured() as UUID.Structured;
    const hex =
      BigInt.asUintN(64, BigInt(structured.getMostSignificantBits())).toString(16).padStart(16, '0') +
      BigInt.asUintN(64, BigInt(structured.getLeastSignificantBits())).toString(16).padStart(16, '0');
    text = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  } else {
    text = uuid.getString().toLowerCase();
  }
  if (!UUID_PATTERN.test(text)) throw new BadRequest(`Invalid event id '${text}'`);
  return text;
}

function toUuid(id: string, structured: boolean): UUID {
  if (!structured) return new UUID().setString(id);
  const hex = id.replace(/-/g, '');
  // The wire format carries the two halves as signed 64-bit integers.
  const most = BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`));
  const least = BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`));
  return new UUID().setStructured(
    new UUID.Structured().setMostSignificantBits(most.toString()).setLeastSignificantBits(least.toString()),
  );
}

interface ProposedMessageLike {
  getId(): UUID | undefined;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}

function toProposedEvent(message: ProposedMessageLike): ProposedEvent {
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const contentType = metadata.get('content-type');
  // Like the server (RpcExceptions.RequiredMetadataPropertyMissing): the first missing property is
  // named in the message, the trailers list every required one.
  if (type === undefined || contentType === undefined) {
    const message = `Required Metadata Property '${type === undefined ? 'type' : 'content-type'}' is missing`;
    throw new BadRequest(
      message,
      rpcError(grpc.status.INVALID_ARGUMENT, message, {
        exception: 'missing-required-metadata-property',
        'required-metadata-properties': 'type,content-type',
      }),
    );
  }
  return {
    id: parseUuid(message.getId()),
    type,
    contentType,
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

/**
 * What one event counts towards MaxAppendSize: the server's `Event.SizeOnDisk` — data bytes plus
 * custom-metadata bytes plus TWICE the event type's length in UTF-16 code units (a .NET string's
 * `Length`, which is also a JS string's `length`). Both Append and BatchAppend sum it over the events.
 * (Some older servers, through an operator-precedence slip in that formula, counted the data alone;
 * the double counts what current servers count, the larger figure, so nothing passes here that a
 * current server refuses.)
 */
function sizeOnDisk(event: ProposedEvent): number {
  return event.data.length + event.customMetadata.length + event.type.length * 2;
}

function appendSize(events: readonly ProposedEvent[]): number {
  return events.reduce((total, event) => total + sizeOnDisk(event), 0);
}

function toRecordedEvent(event: StoredEvent, structuredIds: boolean): ReadResp.ReadEvent.RecordedEvent {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(toUuid(event.id, structuredIds))
    .setStreamIdentifier(streamIdentifier(event.streamName))
    .setStreamRevision(event.revision.toString())
    .setPreparePosition(event.position.toString())
    .setCommitPosition(event.position.toString())
    .setCustomMetadata(event.customMetadata)
    .setData(event.data);
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  metadata.set('created', event.created.toString());
  return recorded;
}

function eventResponse(event: StoredEvent, structuredIds: boolean): ReadResp {
  const readEvent = new ReadResp.ReadEvent()
    .setEvent(toRecordedEvent(event, structuredIds))
    .setCommitPosition(event.position.toString());
  return new ReadResp().setEvent(readEvent);
}

interface ServerFilter {
  readonly predicate: EventPredicate;
  /** Events one catch-up page considers at most (the filter's max search window). */
  readonly window: number;
  /** `window x checkpointIntervalMultiplier`: considered events between two checkpoints. */
  readonly checkpointInterval: number;
}

/**
 * Builds the server-side filter of a `$all` read or subscription. As on the server
 * (`ConvertToEventFilter`): a non-empty regex wins; otherwise the prefixes are used.
 */
function filterOf(options: ReadReq.Options): ServerFilter | null {
  if (options.getFilterOptionCase() !== ReadReq.Options.FilterOptionCase.FILTER) return null;
  const filter = options.getFilter() as ReadReq.Options.FilterOptions;
  const onStream = filter.getFilterCase() === ReadReq.Options.FilterOptions.FilterCase.STREAM_IDENTIFIER;
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  if (expression === undefined) throw new BadRequest('Filter without expression');
  const prefixes = expression.getPrefixList();
  const source = expression.getRegex();
  let matches: (value: string) => boolean;
  if (source === '' && prefixes.length > 0) {
    matches = (value) => prefixes.some((prefix) => value.startsWith(prefix));
  } else {
    // (Neither regex nor prefixes: the double lets everything through, as it always did; what the
    // server does with an empty prefix list was not established. No client sends one.)
    let regex: RegExp;
    try {
      regex = new RegExp(source);
    } catch {
      throw new BadRequest(`Invalid filter regex '${source}'`);
    }
    matches = (value) => regex.test(value);
  }
  const window =
    filter.getWindowCase() === ReadReq.Options.FilterOptions.WindowCase.MAX
      ? filter.getMax()
      : DEFAULT_MAX_SEARCH_WINDOW;
  const multiplier = Math.max(1, filter.getCheckpointintervalmultiplier());
  return {
    predicate: onStream ? (event) => matches(event.streamName) : (event) => matches(event.type),
    window: Math.max(1, window),
    checkpointInterval: Math.max(1, window) * multiplier,
  };
}

function countOf(options: ReadReq.Options): number {
  const count = BigInt(options.getCount() || '0');
  return count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
}

/**
 * A server-streaming call seen through what the handlers need: write with backpressure, and stop
 * as soon as the client cancels or the double shuts down.
 */
class Outbound {
  private stopped = false;
  private readonly stopListeners = new Set<() => void>();

  constructor(private readonly call: grpc.ServerWritableStream<ReadReq, ReadResp>) {
    call.on('cancelled', () => this.stop());
    call.on('close', () => this.stop());
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const listener of [...this.stopListeners]) listener();
  }

  /** Resolves once the message is handed to the transport (after `drain` when the buffer is full). */
  async send(message: ReadResp): Promise<void> {
    if (this.stopped) return;
    if (this.call.write(message)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.call.off('drain', done);
        this.stopListeners.delete(done);
        resolve();
      };
      this.call.on('drain', done);
      this.stopListeners.add(done);
    });
  }

  /** Resolves on the next append to the log, or when the call stops. */
  waitForAppend(log: InMemoryLog): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        unsubscribe();
        this.stopListeners.delete(done);
        resolve();
      };
      const unsubscribe = log.onAppend(done);
      this.stopListeners.add(done);
      if (this.stopped) done();
    });
  }

  end(): void {
    if (!this.stopped) this.call.end();
  }

  fail(error: RpcError): void {
    if (!this.stopped) this.call.emit('error', error);
  }
}

function wrongExpectedVersionOf(outcome: Extract<AppendOutcome, { kind: 'wrong_expected_version' }>) {
  const wrong = new AppendResp.WrongExpectedVersion();
  if (outcome.currentRevision === null) {
    wrong.setCurrentNoStream(new Empty()).setNoStream2060(new Empty());
  } else {
    wrong
      .setCurrentRevision(outcome.currentRevision.toString())
      .setCurrentRevision2060(Number(outcome.currentRevision));
  }
  switch (outcome.expected.kind) {
    case 'any':
      wrong.setExpectedAny(new Empty()).setAny2060(new Empty());
      break;
    case 'stream_exists':
      wrong.setExpectedStreamExists(new Empty()).setStreamExists2060(new Empty());
      break;
    case 'no_stream':
      wrong.setExpectedNoStream(new Empty());
      break;
    case 'revision':
      wrong
        .setExpectedRevision(outcome.expected.revision.toString())
        .setExpectedRevision2060(Number(outcome.expected.revision));
      break;
  }
  return wrong;
}

function expectedOfAppend(options: AppendReq.Options): ExpectedStreamState {
  const Case = AppendReq.Options.ExpectedStreamRevisionCase;
  switch (options.getExpectedStreamRevisionCase()) {
    case Case.ANY:
      return { kind: 'any' };
    case Case.NO_STREAM:
      return { kind: 'no_stream' };
    case Case.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    case Case.REVISION:
      return { kind: 'revision', revision: BigInt(options.getRevision()) };
    default:
      throw new BadRequest('Missing expected stream revision');
  }
}

function expectedOfBatch(options: BatchAppendReq.Options): ExpectedStreamState {
  const Case = BatchAppendReq.Options.ExpectedStreamPositionCase;
  switch (options.getExpectedStreamPositionCase()) {
    case Case.ANY:
      return { kind: 'any' };
    case Case.NO_STREAM:
      return { kind: 'no_stream' };
    case Case.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    case Case.STREAM_POSITION:
      return { kind: 'revision', revision: BigInt(options.getStreamPosition()) };
    default:
      throw new BadRequest('Missing expected stream position');
  }
}

function maximumAppendSizeExceeded(maxAppendSize: number): Status {
  return packedStatus(
    Code.INVALID_ARGUMENT,
    'MaximumAppendSizeExceeded',
    'event_store.client.MaximumAppendSizeExceeded',
    new MaximumAppendSizeExceeded().setMaxappendsize(maxAppendSize).serializeBinary(),
  );
}

function packedStatus(code: Code, message: string, typeName: string, details: Uint8Array): Status {
  const any = new Any();
  any.pack(details, typeName);
  return new Status().setCode(code).setMessage(message).setDetails(any);
}

interface PendingBatch {
  readonly streamName: string;
  readonly expected: ExpectedStreamState;
  readonly deadline: number | null;
  readonly events: ProposedEvent[];
}

/** What the double can ask of a running `$all` subscription. */
interface SubscriptionControl {
  /** Set by `fallBehind()`: send FellBehind before the next live event and catch up again. */
  fallBehind: boolean;
}

export class StreamsService {
  private readonly active = new Set<Outbound>();
  private readonly subscriptions = new Set<SubscriptionControl>();

  constructor(
    private readonly log: InMemoryLog,
    private readonly options: StreamsServiceOptions,
  ) {}

  /**
   * The handlers to register with `Server.addService(StreamsService, ...)`. Delete and Tombstone are
   * left out (the port never deletes), so grpc-js answers them UNIMPLEMENTED; so is BatchAppend when
   * `batchAppend` is false, as on servers before 21.10.
   */
  implementation(batchAppend: boolean): grpc.UntypedServiceImplementation {
    const handlers: Pick<IStreamsServer, 'read' | 'append'> & Partial<IStreamsServer> = {
      read: this.read,
      append: this.append,
    };
    if (batchAppend) handlers.batchAppend = this.batchAppend;
    return handlers as grpc.UntypedServiceImplementation;
  }

  /** Ends every running read and subscription (server shutdown). */
  stopAll(): void {
    for (const outbound of this.active) outbound.stop();
  }

  /**
   * Makes every running `$all` subscription fall behind before its next live event, as a 23.10+
   * node does when a subscription's live buffer overflows (see `subscribeToAll`). Only on the
   * 'current' profile: pre-23.10 nodes have no FellBehind (a slow consumer's subscription is
   * dropped instead). Returns the number of subscriptions affected.
   */
  fallBehind(): number {
    if (this.options.subscriptions !== 'current') {
      throw new Error('A pre-23.10 node never sends FellBehind; use the current profile');
    }
    for (const control of this.subscriptions) control.fallBehind = true;
    return this.subscriptions.size;
  }

  private readonly read: grpc.handleServerStreamingCall<ReadReq, ReadResp> = (call) => {
    const outbound = new Outbound(call);
    this.active.add(outbound);
    this.handleRead(call.request, outbound)
      .then(() => outbound.end())
      .catch((error: unknown) =>
        outbound.fail(
          error instanceof BadRequest ? error.error : rpcError(grpc.status.INTERNAL, String(error)),
        ),
      )
      .finally(() => this.active.delete(outbound));
  };

  private async handleRead(request: ReadReq, outbound: Outbound): Promise<void> {
    if (this.options.accessDenied) throw new BadRequest('Access Denied', accessDeniedError());
    const options = request.getOptions();
    if (options === undefined) throw new BadRequest('Missing read options');
    const structuredIds = options.getUuidOption()?.hasStructured() ?? false;
    const subscription = options.getCountOptionCase() === ReadReq.Options.CountOptionCase.SUBSCRIPTION;
    switch (options.getStreamOptionCase()) {
      case ReadReq.Options.StreamOptionCase.STREAM:
        if (subscription) {
          throw new BadRequest(
            'Stream subscriptions are not implemented by the test double',
            rpcError(
              grpc.status.UNIMPLEMENTED,
              'Stream subscriptions are not implemented by the test double',
            ),
          );
        }
        return this.readStream(options, outbound, structuredIds);
      case ReadReq.Options.StreamOptionCase.ALL:
        if (subscription) return this.subscribeToAll(options, outbound, structuredIds);
        return this.readAll(options, outbound, structuredIds);
      default:
        throw new BadRequest('Missing stream option');
    }
  }

  private async readStream(
    options: ReadReq.Options,
    outbound: Outbound,
    structuredIds: boolean,
  ): Promise<void> {
    const streamOptions = options.getStream() as ReadReq.Options.StreamOptions;
    const streamName = streamNameOf(streamOptions.getStreamIdentifier());
    if (this.options.deletedStreams.has(streamName)) {
      throw new BadRequest('Stream deleted', streamDeletedError(streamName));
    }
    const events = this.log.streamEvents(streamName);
    if (events === undefined || events.length === 0) {
      const notFound = new ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(streamName));
      await outbound.send(new ReadResp().setStreamNotFound(notFound));
      return;
    }
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const Case = ReadReq.Options.StreamOptions.RevisionOptionCase;
    const last = events.length - 1;
    let from: number;
    switch (streamOptions.getRevisionOptionCase()) {
      case Case.START:
        from = 0;
        break;
      case Case.END:
        from = backwards ? last : events.length;
        break;
      case Case.REVISION: {
        const revision = BigInt(streamOptions.getRevision());
        from = revision > BigInt(events.length) ? events.length : Number(revision);
        if (backwards) from = Math.min(from, last);
        break;
      }
      default:
        throw new BadRequest('Missing revision option');
    }
    let remaining = countOf(options);
    for (
      let i = from;
      remaining > 0 && i >= 0 && i < events.length && !outbound.isStopped;
      i += backwards ? -1 : 1
    ) {
      await outbound.send(eventResponse(events[i], structuredIds));
      remaining--;
    }
  }

  private async readAll(options: ReadReq.Options, outbound: Outbound, structuredIds: boolean): Promise<void> {
    const allOptions = options.getAll() as ReadReq.Options.AllOptions;
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const Case = ReadReq.Options.AllOptions.AllOptionCase;
    let index: number;
    switch (allOptions.getAllOptionCase()) {
      case Case.START:
        index = backwards ? -1 : 0;
        break;
      case Case.END:
        index = backwards ? this.log.length - 1 : this.log.length;
        break;
      case Case.POSITION: {
        const position = allOptions.getPosition() as ReadReq.Options.Position;
        const commit = BigInt(position.getCommitPosition());
        // Forwards the event at the position is included; backwards the read starts before it.
        index = backwards ? this.log.indexAtOrAfter(commit) - 1 : this.log.indexAtOrAfter(commit);
        break;
      }
      default:
        throw new BadRequest('Missing all option');
    }
    const filter = filterOf(options);
    let remaining = countOf(options);
    for (
      ;
      remaining > 0 && index >= 0 && index < this.log.length && !outbound.isStopped;
      index += backwards ? -1 : 1
    ) {
      const event = this.log.eventAt(index) as StoredEvent;
      if (filter !== null && !filter.predicate(event)) continue;
      await outbound.send(eventResponse(event, structuredIds));
      remaining--;
    }
  }

  /**
   * Catch-up subscription to `$all`, modelled on the server's AllSubscriptionFiltered (one cursor over
   * the log serves catch-up and live, so there is no gap or duplicate at the switch):
   *
   * - Catch-up reads pages like the server's FilteredReadAllEventsForward: a page considers events
   *   until it holds READ_BATCH_SIZE matching ones or has considered `window` events; it is the
   *   last page (end of stream) only when it ran into the end of the log — a page that stops on a
   *   limit right at the last event is followed by an empty last page. Filtered subscriptions count
   *   considered events; after a page that is NOT the last one, once the count reaches
   *   `window x multiplier`, they send a checkpoint (count modulo the interval). Its position:
   *   - legacy (21.x/22.x): the last event the page delivered, else the page's start position (the
   *     post-position of the record before it, as `(commit, 0)`);
   *   - current (23.10+): the later of the last event or checkpoint sent and the page's start.
   * - Going live (at the end of the last page):
   *   - legacy: nothing at all — no checkpoint, no CaughtUp;
   *   - current: (filtered) a checkpoint at the later of the last event sent and the last page's
   *     start, then `CaughtUp`.
   * - Live, filtered subscriptions count every event appended (matching or not, system events
   *   included, as the SubscriptionsService does) and send a checkpoint at the event that makes the
   *   count reach the interval. Legacy carries the catch-up count over; current starts from 0 (the
   *   server counts from the moment it subscribed to live events, close enough for a double).
   * - `fallBehind()` (current only): before the next live event, `FellBehind` and a checkpoint at the
   *   last event or checkpoint sent, then catch-up pages again from there, then checkpoint and
   *   `CaughtUp` again, as the 23.10+ enumerator does when its live buffer overflowed.
   *
   * Unfiltered subscriptions (which our adapter never makes) get no checkpoints at all.
   */
  private async subscribeToAll(
    options: ReadReq.Options,
    outbound: Outbound,
    structuredIds: boolean,
  ): Promise<void> {
    const allOptions = options.getAll() as ReadReq.Options.AllOptions;
    const Case = ReadReq.Options.AllOptions.AllOptionCase;
    const current = this.options.subscriptions === 'current';
    let cursor: number;
    /** The 23.10 enumerator's `checkpoint`: the last event or checkpoint position sent on. */
    let lastSent: LogPosition | null = null;
    let firstPageStart: LogPosition | null = null;
    let catchUp = true;
    switch (allOptions.getAllOptionCase()) {
      case Case.START:
        cursor = 0;
        firstPageStart = { commit: 0n, prepare: 0n };
        break;
      case Case.END:
        // Both server generations go straight to live from the end (no catch-up page, no checkpoint).
        cursor = this.log.length;
        catchUp = false;
        break;
      case Case.POSITION: {
        // Catch-up subscriptions are exclusive of the position they start from.
        const position = allOptions.getPosition() as ReadReq.Options.Position;
        const commit = BigInt(position.getCommitPosition());
        cursor = this.log.indexAfter(commit);
        if (current) {
          // 23.10 reads its first page from the requested position itself.
          lastSent = { commit, prepare: BigInt(position.getPreparePosition()) };
          firstPageStart = lastSent;
        }
        break;
      }
      default:
        throw new BadRequest('Missing all option');
    }
    const filter = filterOf(options);
    const window = filter?.window ?? READ_BATCH_SIZE;
    const matches = (event: StoredEvent): boolean => filter === null || filter.predicate(event);
    const control: SubscriptionControl = { fallBehind: false };
    this.subscriptions.add(control);
    try {
      await outbound.send(
        new ReadResp().setConfirmation(
          new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID()),
        ),
      );
      let counter = 0;
      for (;;) {
        // Catch-up, page by page.
        let pageStart: LogPosition | null = null;
        while (catchUp) {
          if (this.options.catchUpPageDelayMs > 0) {
            await new Promise((resolve) => setTimeout(resolve, this.options.catchUpPageDelayMs));
          }
          if (outbound.isStopped) return;
          pageStart = firstPageStart ?? { commit: this.log.positionAt(cursor), prepare: 0n };
          firstPageStart = null;
          let considered = 0;
          let records = 0;
          let endOfStream = false;
          let lastInPage: StoredEvent | undefined;
          while (records < READ_BATCH_SIZE && considered < window) {
            if (cursor >= this.log.length) {
              endOfStream = true;
              break;
            }
            const event = this.log.eventAt(cursor++) as StoredEvent;
            considered++;
            if (!matches(event)) continue;
            records++;
            await outbound.send(eventResponse(event, structuredIds));
            if (outbound.isStopped) return;
            lastInPage = event;
            lastSent = positionOf(event);
          }
          if (filter === null) {
            if (endOfStream) break;
            continue;
          }
          counter += considered;
          if (endOfStream) break;
          if (counter >= filter.checkpointInterval) {
            counter %= filter.checkpointInterval;
            if (current) {
              lastSent = laterOf(lastSent, pageStart);
              await outbound.send(checkpoint(lastSent));
            } else {
              await outbound.send(checkpoint(lastInPage === undefined ? pageStart : positionOf(lastInPage)));
            }
          }
        }
        // Going live.
        if (outbound.isStopped) return;
        if (current) {
          if (filter !== null && pageStart !== null) {
            lastSent = laterOf(lastSent, pageStart);
            await outbound.send(checkpoint(lastSent));
          }
          await outbound.send(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
          counter = 0;
        }
        // Live, until the double is told to make it fall behind.
        catchUp = true;
        for (;;) {
          while (cursor >= this.log.length && !outbound.isStopped) await outbound.waitForAppend(this.log);
          if (outbound.isStopped) return;
          if (control.fallBehind) {
            control.fallBehind = false;
            await outbound.send(new ReadResp().setFellBehind(new ReadResp.FellBehind()));
            if (filter !== null && lastSent !== null) await outbound.send(checkpoint(lastSent));
            counter = 0;
            firstPageStart = lastSent;
            break;
          }
          const event = this.log.eventAt(cursor++) as StoredEvent;
          if (matches(event)) {
            await outbound.send(eventResponse(event, structuredIds));
            lastSent = positionOf(event);
          }
          if (filter !== null && ++counter >= filter.checkpointInterval) {
            counter = 0;
            lastSent = positionOf(event);
            await outbound.send(checkpoint(lastSent));
          }
        }
      }
    } finally {
      this.subscriptions.delete(control);
    }
  }

  private readonly append: grpc.handleClientStreamingCall<AppendReq, AppendResp> = (call, callback) => {
    let options: AppendReq.Options | undefined;
    const events: ProposedEvent[] = [];
    let failed: RpcError | undefined;
    call.on('data', (request: AppendReq) => {
      if (failed !== undefined) return;
      try {
        if (request.hasOptions()) {
          options = request.getOptions();
        } else if (request.hasProposedMessage()) {
          if (options === undefined) throw new BadRequest('Proposed message before options');
          events.push(toProposedEvent(request.getProposedMessage() as AppendReq.ProposedMessage));
        }
      } catch (error) {
        failed = error instanceof BadRequest ? error.error : rpcError(grpc.status.INTERNAL, String(error));
      }
    });
    call.on('error', () => {
      // The client went away mid-append: nothing was written, nothing to answer.
    });
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
    });
    call.on('end', () => {
      if (this.options.appendDelayMs > 0) {
        setTimeout(() => {
          if (!cancelled && !call.cancelled) complete();
        }, this.options.appendDelayMs);
      } else {
        complete();
      }
    });
    const complete = (): void => {
      if (this.options.accessDenied) return callback(accessDeniedError());
      if (failed !== undefined) return callback(failed);
      if (options === undefined)
        return callback(rpcError(grpc.status.INVALID_ARGUMENT, 'Missing append options'));
      try {
        const streamName = streamNameOf(options.getStreamIdentifier());
        if (this.options.deletedStreams.has(streamName)) return callback(streamDeletedError(streamName));
        if (appendSize(events) > this.options.maxAppendSize) {
          return callback(
            rpcError(
              grpc.status.INVALID_ARGUMENT,
              `Maximum Append Size of ${this.options.maxAppendSize} Exceeded.`,
              {
                exception: 'maximum-append-size-exceeded',
                'maximum-append-size': String(this.options.maxAppendSize),
              },
            ),
          );
        }
        // Decided and written synchronously: concurrent appends are serialized by the event loop.
        const outcome = this.log.append(streamName, events, expectedOfAppend(options));
        callback(null, this.appendResponse(outcome));
      } catch (error) {
        callback(error instanceof BadRequest ? error.error : rpcError(grpc.status.INTERNAL, String(error)));
      }
    };
  };

  private appendResponse(outcome: AppendOutcome): AppendResp {
    if (outcome.kind === 'wrong_expected_version') {
      return new AppendResp().setWrongExpectedVersion(wrongExpectedVersionOf(outcome));
    }
    const success = new AppendResp.Success();
    if (outcome.currentRevision === null) success.setNoStream(new Empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    const position = this.reportedPosition(outcome);
    if (position !== null) {
      success.setPosition(
        new AppendResp.Position()
          .setCommitPosition(position.toString())
          .setPreparePosition(position.toString()),
      );
    } else {
      success.setNoPosition(new Empty());
    }
    return new AppendResp().setSuccess(success);
  }

  /**
   * The position a successful append reports, as Streams.Append / BatchAppend do: Position whenever
   * the write completed with a commit position >= 0 — a new write, and also an idempotent one
   * (AlreadyCommitted carries the original last event's log position) — else NoPosition.
   */
  private reportedPosition(
    outcome: Exclude<AppendOutcome, { kind: 'wrong_expected_version' }>,
  ): bigint | null {
    if (outcome.kind === 'written') return outcome.position;
    return this.options.idempotentPosition === 'original' ? outcome.position : null;
  }

  /**
   * BatchAppend: one long-lived bidirectional stream carrying many appends, each identified by a
   * correlation id; options come with the first request of an append, proposed messages may be split
   * over several requests, and the append is performed when the request marked final arrives.
   */
  private readonly batchAppend: grpc.handleBidiStreamingCall<BatchAppendReq, BatchAppendResp> = (call) => {
    const pending = new Map<string, PendingBatch>();
    /**
     * Appends already answered with an error before their final request (too large, bad request):
     * like the server, which forgets such a write, their later requests are ignored.
     */
    const answered = new Set<string>();
    const reject = (correlationId: UUID, streamName: string | null, error: Status): void => {
      const response = new BatchAppendResp().setCorrelationId(correlationId).setError(error);
      if (streamName !== null) response.setStreamIdentifier(streamIdentifier(streamName));
      call.write(response);
    };
    call.on('data', (request: BatchAppendReq) => {
      const correlationId = request.getCorrelationId();
      let correlation: string;
      try {
        correlation = parseUuid(correlationId);
      } catch {
        call.emit('error', rpcError(grpc.status.INVALID_ARGUMENT, 'Missing or invalid correlation id'));
        return;
      }
      if (answered.has(correlation) && !request.hasOptions()) return;
      answered.delete(correlation);
      let batch = pending.get(correlation);
      try {
        if (batch === undefined) {
          const options = request.getOptions();
          if (options === undefined) throw new BadRequest('First batch request without options');
          const deadline = options.getDeadline();
          batch = {
            streamName: streamNameOf(options.getStreamIdentifier()),
            expected: expectedOfBatch(options),
            deadline: deadline === undefined ? null : deadline.toDate().getTime(),
            events: [],
          };
          pending.set(correlation, batch);
        }
        for (const message of request.getProposedMessagesList()) batch.events.push(toProposedEvent(message));
      } catch (error) {
        // The server answers a malformed append with Status.BadRequest: InvalidArgument, message
        // "BadRequest", the reason packed as an `event_store.client.BadRequest` detail (a status
        // without details would make the client throw inside its response handler).
        pending.delete(correlation);
        answered.add(correlation);
        const message = error instanceof Error ? error.message : String(error);
        reject(
          correlationId as UUID,
          batch?.streamName ?? null,
          packedStatus(
            Code.INVALID_ARGUMENT,
            'BadRequest',
            'event_store.client.BadRequest',
            new SharedBadRequest().setMessage(message).serializeBinary(),
          ),
        );
        return;
      }
      if (appendSize(batch.events) > this.options.maxAppendSize) {
        // Like the server: answered as soon as the events received so far exceed the limit, final
        // or not; the write is forgotten and whatever else arrives for it is ignored.
        pending.delete(correlation);
        answered.add(correlation);
        reject(
          correlationId as UUID,
          batch.streamName,
          maximumAppendSizeExceeded(this.options.maxAppendSize),
        );
        return;
      }
      if (!request.getIsFinal()) return;
      pending.delete(correlation);
      call.write(this.performBatch(correlationId as UUID, batch));
    });
    call.on('end', () => call.end());
    call.on('error', () => {
      // Client cancelled the shared stream (dispose): pending appends are simply dropped.
    });
  };

  private performBatch(correlationId: UUID, batch: PendingBatch): BatchAppendResp {
    const response = new BatchAppendResp()
      .setCorrelationId(correlationId)
      .setStreamIdentifier(streamIdentifier(batch.streamName));
    switch (batch.expected.kind) {
      case 'any':
        response.setAny(new GoogleEmpty());
        break;
      case 'no_stream':
        response.setNoStream(new GoogleEmpty());
        break;
      case 'stream_exists':
        response.setStreamExists(new GoogleEmpty());
        break;
      case 'revision':
        response.setStreamPosition(batch.expected.revision.toString());
        break;
    }
    if (this.options.accessDenied) {
      return response.setError(
        packedStatus(
          Code.PERMISSION_DENIED,
          'AccessDenied',
          'event_store.client.AccessDenied',
          new SharedAccessDenied().serializeBinary(),
        ),
      );
    }
    if (this.options.deletedStreams.has(batch.streamName)) {
      return response.setError(
        packedStatus(
          Code.NOT_FOUND,
          'StreamDeleted',
          'event_store.client.StreamDeleted',
          new SharedStreamDeleted().setStreamIdentifier(streamIdentifier(batch.streamName)).serializeBinary(),
        ),
      );
    }
    if (batch.deadline !== null && batch.deadline < Date.now()) {
      return response.setError(
        packedStatus(
          Code.DEADLINE_EXCEEDED,
          'Timeout',
          'event_store.client.Timeout',
          new Timeout().serializeBinary(),
        ),
      );
    }
    const outcome = this.log.append(batch.streamName, batch.events, batch.expected);
    if (outcome.kind === 'wrong_expected_version') {
      const details = new SharedWrongExpectedVersion();
      if (outcome.currentRevision === null) details.setCurrentNoStream(new GoogleEmpty());
      else details.setCurrentStreamRevision(outcome.currentRevision.toString());
      switch (outcome.expected.kind) {
        case 'any':
          details.setExpectedAny(new GoogleEmpty());
          break;
        case 'no_stream':
          details.setExpectedNoStream(new GoogleEmpty());
          break;
        case 'stream_exists':
          details.setExpectedStreamExists(new GoogleEmpty());
          break;
        case 'revision':
          details.setExpectedStreamPosition(outcome.expected.revision.toString());
          break;
      }
      return response.setError(
        // Status.WrongExpectedVersion on the server: AlreadyExists, message "WrongExpectedVersion".
        packedStatus(
          Code.ALREADY_EXISTS,
          'WrongExpectedVersion',
          'event_store.client.WrongExpectedVersion',
          details.serializeBinary(),
        ),
      );
    }
    const success = new BatchAppendResp.Success();
    if (outcome.currentRevision === null) success.setNoStream(new GoogleEmpty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    const position = this.reportedPosition(outcome);
    if (position !== null) {
      success.setPosition(
        new AllStreamPosition()
          .setCommitPosition(position.toString())
          .setPreparePosition(position.toString()),
      );
    } else {
      success.setNoPosition(new GoogleEmpty());
    }
    return response.setSuccess(success);
  }
}

/** A `$all` position as the server's TFPos: commit and prepare. */
interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** Events written over gRPC are their own commit: commit = prepare = the record's position. */
function positionOf(event: StoredEvent): LogPosition {
  return { commit: event.position, prepare: event.position };
}

function laterOf(a: LogPosition | null, b: LogPosition): LogPosition {
  if (a === null) return b;
  if (a.commit !== b.commit) return a.commit > b.commit ? a : b;
  return a.prepare >= b.prepare ? a : b;
}

function checkpoint(position: LogPosition): ReadResp {
  return new ReadResp().setCheckpoint(
    new ReadResp.Checkpoint()
      .setCommitPosition(position.commit.toString())
      .setPreparePosition(position.prepare.toString()),
  );
}

/** ServerFeatures/GetSupportedMethods: what a 23.10 node advertises for the services the double serves. */
export function serverFeaturesService(options: {
  batchAppend: boolean;
  version: string;
}): IServerFeaturesServer {
  const method = (serviceName: string, methodName: string, features: string[] = []): SupportedMethod =>
    new SupportedMethod().setServiceName(serviceName).setMethodName(methodName).setFeaturesList(features);
  const streams = 'event_store.client.streams.streams';
  const methods = [
    method(streams, 'read', ['position', 'events']),
    method(streams, 'append'),
    method('event_store.client.server_features.serverfeatures', 'getsupportedmethods'),
  ];
  if (options.batchAppend) methods.push(method(streams, 'batchappend'));
  return {
    getSupportedMethods: (_call, callback) => {
      callback(
        null,
        new SupportedMethods().setMethodsList(methods).setEventStoreServerVersion(options.version),
      );
    },
  };
}
