import type { EventStore, Position, RecordedEvent } from '@pc/event-store';
import { GENESIS_HASH, eventHash } from '@pc/pipeline';
import { concernsPartner, partnerStreamName } from './event-filter';
import { scanLog } from './log-scan';
import { assertPartnerFound } from './partner-scope';

export type BreakKind = 'hash-mismatch' | 'chain-broken' | 'missing-hash';

/** One place where the history is not what the hash chain says it was. */
export interface ChainBreak {
  stream: string;
  revision: number;
  eventId: string;
  position: Position;
  kind: BreakKind;
  /** hash-mismatch / missing-hash: the recomputed hash. chain-broken: the previous event's hash. */
  expected: string;
  /** What the event carries (metadata.hash or metadata.prevHash); null when absent. */
  found: string | null;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  eventsChecked: number;
  streamsChecked: number;
  breaks: ChainBreak[];
  /** The last position examined: the report covers the log up to here. */
  checkedUpTo: Position | null;
  /**
   * For one partner: breaks in streams outside its scope that could still be its own (any stream but
   * another partner's `partner-{id}`). An edit can remove the very partner id that tied a stream to
   * the partner, so such a break fails the partner's report too; counted, not listed. 0 for the
   * whole log.
   */
  breaksOutsideScope: number;
}

export interface VerifyProgress {
  eventsScanned: number;
  position: Position;
}

export interface VerifyOptions {
  /**
   * Only the partner's streams: `partner-{id}` and every stream with an event that carries the id.
   * A partner no event concerns is refused (AuditNotFoundError `partner-not-found`).
   */
  partnerId?: string;
  upToPosition?: Position | null;
  batchSize?: number;
  onProgress?: (progress: VerifyProgress) => void;
}

interface StreamChain {
  nextRevision: number;
  /** Hash the next event must name as prevHash: the stored hash, or the recomputed one when missing. */
  lastHash: string;
  count: number;
  breaks: ChainBreak[];
  included: boolean;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * Walks `$all` once, in commit order, recomputing every event's hash (libs/pipeline's eventHash) and
 * following each stream's prevHash chain. For one partner it still follows EVERY stream: whether a
 * stream belongs to the partner may only show at a later event, and its chain starts at revision 0.
 * Breaks of other streams are then dropped (and counted in breaksOutsideScope when the stream could
 * still be the partner's), so memory stays one small record per stream.
 */
export async function verifyHistory(store: EventStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  const chains = new Map<string, StreamChain>();
  let scanned = 0;
  let checkedUpTo: Position | null = null;
  for await (const batch of scanLog(store, options)) {
    for (const event of batch) {
      checkEvent(chains, event, options.partnerId);
      scanned++;
      checkedUpTo = event.position;
    }
    if (checkedUpTo !== null) options.onProgress?.({ eventsScanned: scanned, position: checkedUpTo });
  }
  const included = [...chains.values()].filter((chain) => chain.included);
  const breaks = included.flatMap((chain) => chain.breaks);
  breaks.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  let breaksOutsideScope = 0;
  if (options.partnerId !== undefined) {
    const partnerStreamPrefix = partnerStreamName('');
    for (const [stream, chain] of chains) {
      if (chain.included || chain.breaks.length === 0) continue;
      // Another partner's own stream is known to be its by name, which no content edit changes.
      if (stream.startsWith(partnerStreamPrefix)) continue;
      breaksOutsideScope += chain.breaks.length;
    }
  }
  if (options.partnerId !== undefined) {
    // No event of the log is the partner's (a typo, say): a report of "0 events, ok" would read as a
    // clean bill of health. A break that could be its own still fails the report instead (an edit may
    // have removed the very id), so a tampered log is never answered "no such partner".
    assertPartnerFound(options.partnerId, included.length > 0 || breaksOutsideScope > 0);
  }
  return {
    ok: breaks.length === 0 && breaksOutsideScope === 0,
    eventsChecked: included.reduce((sum, chain) => sum + chain.count, 0),
    streamsChecked: included.length,
    breaks,
    checkedUpTo,
    breaksOutsideScope,
  };
}

function checkEvent(
  chains: Map<string, StreamChain>,
  event: RecordedEvent,
  partnerId: string | undefined,
): void {
  let chain = chains.get(event.streamName);
  if (!chain) {
    chain = {
      nextRevision: 0,
      lastHash: GENESIS_HASH,
      count: 0,
      breaks: [],
      included: partnerId === undefined,
    };
    chains.set(event.streamName, chain);
  }
  if (partnerId !== undefined && !chain.included) chain.included = concernsPartner(event, partnerId);
  const at = {
    stream: event.streamName,
    revision: event.revision,
    eventId: event.id,
    position: event.position,
  };
  const recomputed = eventHash(event.type, event.data, event.metadata);
  const stored = text(event.metadata.hash);
  const prevHash = text(event.metadata.prevHash);

  if (stored === null) {
    chain.breaks.push({
      ...at,
      kind: 'missing-hash',
      expected: recomputed,
      found: null,
      detail: 'The event carries no hash',
    });
  } else if (stored !== recomputed) {
    chain.breaks.push({
      ...at,
      kind: 'hash-mismatch',
      expected: recomputed,
      found: stored,
      detail: 'The event was changed after it was written: its content no longer matches its hash',
    });
  }
  if (prevHash !== chain.lastHash || event.revision !== chain.nextRevision) {
    const gap =
      event.revision !== chain.nextRevision
        ? ` (expected revision ${chain.nextRevision}, found ${event.revision})`
        : '';
    chain.breaks.push({
      ...at,
      kind: 'chain-broken',
      expected: chain.lastHash,
      found: prevHash,
      detail: `prevHash does not name the previous event of the stream${gap}: an event was removed, inserted or reordered`,
    });
  }
  chain.nextRevision = event.revision + 1;
  chain.lastHash = stored ?? recomputed;
  chain.count++;
}
