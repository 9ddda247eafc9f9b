/**
 * TEST DOUBLE — the in-memory transaction log behind the EventStoreDB gRPC double (see README.md).
 *
 * One global, append-only log (what EventStoreDB calls `$all`) plus a per-stream index into it.
 * Every append is decided and written in one synchronous step, so appends are serialized exactly
 * like the single writer thread of a real node, however many gRPC calls arrive concurrently.
 * Nothing here knows about gRPC; `streams-service.ts` translates messages to and from these calls.
 */

/** An event as the double stores it: the fields EventStoreDB keeps in a prepare record. */
export interface StoredEvent {
  /** Lower-case UUID string. */
  readonly id: string;
  readonly streamName: string;
  readonly revision: bigint;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch: what the server puts in the `created` metadata entry. */
  readonly created: bigint;
  /**
   * Log position (byte offset of the record). Since 20.x each event of a gRPC append is its own
   * implicitly committed prepare, so an event's commit and prepare positions are equal.
   */
  readonly position: bigint;
}

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

export type ExpectedStreamState =
  | { readonly kind: 'any' }
  | { readonly kind: 'no_stream' }
  | { readonly kind: 'stream_exists' }
  | { readonly kind: 'revision'; readonly revision: bigint };

export type AppendOutcome =
  /** Written; `position` is the position of the last event written (what the server reports). */
  | { readonly kind: 'written'; readonly currentRevision: bigint; readonly position: bigint }
  /**
   * Nothing written: the stream already holds exactly these event ids at the place the expectation
   * points to (or the append was empty). The server's commit check answers AlreadyCommitted with the
   * revision of the last matching event (null: the stream does not exist) and that event's log
   * position, which the gRPC layer reports as the append's position like any other success.
   * `position` is null only when there is no such event (an empty append).
   */
  | {
      readonly kind: 'idempotent';
      readonly currentRevision: bigint | null;
      readonly position: bigint | null;
    }
  /** `currentRevision` null means the stream does not exist. */
  | {
      readonly kind: 'wrong_expected_version';
      readonly currentRevision: bigint | null;
      readonly expected: ExpectedStreamState;
    };

export type EventPredicate = (event: StoredEvent) => boolean;

/** Bytes every record costs besides its payload; arbitrary, but keeps positions looking like offsets. */
const RECORD_OVERHEAD = 128n;
const TICKS_PER_MILLISECOND = 10_000n;

export class InMemoryLog {
  /** `$all`, in commit order. Positions are strictly increasing, so it can be binary-searched. */
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  /** A real node's log does not start at 0 (chunk header, epoch records...); neither does ours. */
  private nextPosition = 4_096n;
  private readonly appendListeners = new Set<() => void>();

  get length(): number {
    return this.all.length;
  }

  eventAt(index: number): StoredEvent | undefined {
    return this.all[index];
  }

  /**
   * Log position of the record at `index`, or the position the next record will get when `index` is
   * `length`: the pre-position of that record, i.e. the post-position of the one before it.
   */
  positionAt(index: number): bigint {
    return index < this.all.length ? this.all[index].position : this.nextPosition;
  }

  /** Index of the first event whose position is >= `position` (or `length`). */
  indexAtOrAfter(position: bigint): number {
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.all[middle].position < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Index of the first event whose position is > `position` (or `length`). */
  indexAfter(position: bigint): number {
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.all[middle].position <= position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  streamEvents(streamName: string): readonly StoredEvent[] | undefined {
    return this.streams.get(streamName);
  }

  /** Called synchronously after every write; subscriptions use it to wake up. */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /**
   * Decides and performs an append atomically, following the server's commit check:
   * - any: idempotent if the first event id is already in the stream and the following ids match;
   *   written otherwise;
   * - stream_exists: wrong expected version if the stream does not exist, else as `any`;
   * - no_stream / exact revision: written when the stream is exactly there; idempotent when the
   *   events right after the expected revision carry exactly these ids; wrong expected version
   *   otherwise (including the "corrupted idempotency" case of a partial match, which the server
   *   also reports as a wrong expected version).
   * A real node only remembers recent event ids for the `any` check; the double remembers all.
   */
  append(streamName: string, events: readonly ProposedEvent[], expected: ExpectedStreamState): AppendOutcome {
    const stream = this.streams.get(streamName);
    const currentRevision = stream === undefined || stream.length === 0 ? null : BigInt(stream.length - 1);
    const wrong: AppendOutcome = { kind: 'wrong_expected_version', currentRevision, expected };

    if (expected.kind === 'any' || expected.kind === 'stream_exists') {
      if (expected.kind === 'stream_exists' && currentRevision === null) return wrong;
      if (stream !== undefined && events.length > 0) {
        const first = stream.findIndex((event) => event.id === events[0].id);
        if (first >= 0) return this.matchAt(stream, first, events) ?? wrong;
      }
      return this.write(streamName, events, currentRevision);
    }

    const expectedRevision = expected.kind === 'no_stream' ? -1n : expected.revision;
    const current = currentRevision ?? -1n;
    if (expectedRevision === current) return this.write(streamName, events, currentRevision);
    if (expectedRevision < current && stream !== undefined && events.length > 0) {
      return this.matchAt(stream, Number(expectedRevision + 1n), events) ?? wrong;
    }
    return wrong;
  }

  /** Idempotent outcome when `events` sit in `stream` from index `start` on, else null. */
  private matchAt(
    stream: readonly StoredEvent[],
    start: number,
    events: readonly ProposedEvent[],
  ): AppendOutcome | null {
    if (start + events.length > stream.length) return null;
    for (let i = 0; i < events.length; i++) {
      if (stream[start + i].id !== events[i].id) return null;
    }
    // Like the server (IndexWriter.CheckCommit): the revision and log position of the LAST matching
    // event, i.e. the original append's result.
    const last = stream[start + events.length - 1];
    return { kind: 'idempotent', currentRevision: last.revision, position: last.position };
  }

  private write(
    streamName: string,
    events: readonly ProposedEvent[],
    currentRevision: bigint | null,
  ): AppendOutcome {
    if (events.length === 0) {
      // An empty append succeeds without touching the log; there is no event whose position to report.
      return { kind: 'idempotent', currentRevision, position: null };
    }
    let stream = this.streams.get(streamName);
    if (stream === undefined) {
      stream = [];
      this.streams.set(streamName, stream);
    }
    const created = BigInt(Date.now()) * TICKS_PER_MILLISECOND;
    let last: StoredEvent | undefined;
    for (const proposed of events) {
      const stored: StoredEvent = {
        ...proposed,
        streamName,
        revision: BigInt(stream.length),
        created,
        position: this.nextPosition,
      };
      this.nextPosition +=
        RECORD_OVERHEAD +
        BigInt(Buffer.byteLength(streamName) + Buffer.byteLength(proposed.type)) +
        BigInt(proposed.data.length + proposed.customMetadata.length);
      stream.push(stored);
      this.all.push(stored);
      last = stored;
    }
    for (const listener of [...this.appendListeners]) listener();
    // `last` is set: events is non-empty.
    const written = last as StoredEvent;
    return { kind: 'written', currentRevision: written.revision, position: written.position };
  }
}
