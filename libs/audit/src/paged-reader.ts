import {
  type Direction,
  type EventStore,
  type Position,
  type RecordedEvent,
  comparePositions,
} from '@pc/event-store';
import { type AuditEventFilter, matchesAuditFilter, storeFilterFor } from './event-filter';

export interface ReadAllPageOptions {
  direction?: Direction;
  /** Exclusive, like the port: the page starts after (forwards) or before (backwards) this position. */
  fromPosition?: Position;
  /** Most events returned. */
  maxCount: number;
  filter?: AuditEventFilter;
  /**
   * Most events examined for this page. A selective filter over a long log would otherwise turn one
   * request into a full scan; with the bound a page may come back short (even empty) with a
   * nextPosition to continue from.
   */
  maxScan?: number;
  /** Events fetched from the store per round trip. */
  batchSize?: number;
}

export interface ReadAllPage {
  events: RecordedEvent[];
  /**
   * Where the next page starts (pass it back as fromPosition), or null when the log was read to its
   * end (forwards) or its beginning (backwards). Covers skipped events too, so nothing is rescanned.
   */
  nextPosition: Position | null;
  /**
   * Position of the last event examined (for tailing: resume from here later to see new events). When
   * none was, the fromPosition — or, forwards from a position past the head, the head (null on an
   * empty log), so that resuming never skips events written later.
   */
  scannedUpTo: Position | null;
  /** Events examined to build this page. */
  scanned: number;
}

export const DEFAULT_MAX_SCAN = 10_000;
const DEFAULT_BATCH = 500;

/** One page of the global log in commit order, filtered by the audit predicate, resumable by position. */
export async function readAllPage(store: EventStore, options: ReadAllPageOptions): Promise<ReadAllPage> {
  const direction = options.direction ?? 'forwards';
  const filter = options.filter ?? {};
  const maxScan = Math.max(options.maxScan ?? DEFAULT_MAX_SCAN, options.maxCount);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const storeFilter = storeFilterFor(filter);
  const events: RecordedEvent[] = [];
  let cursor = options.fromPosition;
  let scanned = 0;
  // Read before the log is, so every event appended since lies after it (see resumeFrom).
  const head =
    direction === 'forwards' && options.fromPosition !== undefined ? await store.headPosition() : undefined;

  while (events.length < options.maxCount && scanned < maxScan) {
    const want = Math.min(batchSize, maxScan - scanned);
    const batch = await store.readAll({
      direction,
      fromPosition: cursor,
      maxCount: want,
      filter: storeFilter,
    });
    for (const event of batch) {
      scanned++;
      cursor = event.position;
      if (!matchesAuditFilter(event, filter)) continue;
      events.push(event);
      // Stop exactly at the last returned event, so the next page resumes right after it.
      if (events.length === options.maxCount) return page(events, cursor, cursor, scanned);
    }
    if (batch.length < want) {
      return page(events, null, scanned === 0 ? resumeFrom(options.fromPosition, head) : cursor, scanned);
    }
  }
  return page(events, cursor ?? null, cursor ?? null, scanned);
}

/**
 * Where a forwards reader that examined nothing resumes: its own position, unless the log has not
 * reached it (a position of a store that lost its tail, of another store, or mistyped). Echoed as
 * scannedUpTo, such a position would make a tailing reader skip every event later written before it;
 * the head read before the page (null: the log is empty, start from the beginning) does not.
 */
function resumeFrom(from: Position | undefined, head: Position | null | undefined): Position | undefined {
  if (from === undefined || head === undefined) return from;
  if (head === null) return undefined;
  return comparePositions(from, head) > 0 ? head : from;
}

function page(
  events: RecordedEvent[],
  nextPosition: Position | null | undefined,
  scannedUpTo: Position | null | undefined,
  scanned: number,
): ReadAllPage {
  return { events, nextPosition: nextPosition ?? null, scannedUpTo: scannedUpTo ?? null, scanned };
}
