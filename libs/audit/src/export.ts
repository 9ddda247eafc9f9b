import { createHash } from 'node:crypto';
import type { EventStore, Position, RecordedEvent } from '@pc/event-store';
import { canonicalJson } from '@pc/pipeline';
import { concernsPartner } from './event-filter';
import { assertPositionReached, scanLog } from './log-scan';
import { assertPartnerFound } from './partner-scope';

export const EXPORT_FORMAT_VERSION = 1;

export interface ManifestStream {
  count: number;
  headRevision: number;
  headHash: string | null;
}

/** Describes an NDJSON export so it can be checked offline (see offline-verifier.ts). */
export interface ExportManifest {
  formatVersion: number;
  exportedAt: string;
  /** The export covers the log up to and including this position (the head when it started); null: empty store. */
  exportPosition: Position | null;
  filter: { partnerId?: string };
  eventCount: number;
  /** By stream name, sorted. */
  streams: Record<string, ManifestStream>;
  /** SHA-256 (hex) of the NDJSON bytes exactly as served / written. */
  ndjsonSha256: string;
}

export interface ExportOptions {
  /**
   * Only the partner's streams, whole. A partner no event (up to the bound) concerns is refused
   * (AuditNotFoundError `partner-not-found`), as verify refuses it, not exported as an empty file.
   */
  partnerId?: string;
  /** Passed in (from the injected clock) so the domain of "when" stays at the edge. */
  exportedAt: string;
  /**
   * Inclusive bound. Default: the head when the export starts, so a manifest can be reproduced exactly.
   * A position the log has not reached is refused (`position-not-reached`): events still to come
   * would fall under it, so the same bound would later describe another export.
   */
  upToPosition?: Position | null;
  batchSize?: number;
  onProgress?: (eventsScanned: number, position: Position) => void;
}

export interface ExportRun {
  /** The bound in effect (also the manifest's exportPosition), known before the first line. */
  readonly exportPosition: Position | null;
  /** The NDJSON lines, each ending in '\n'. Iterate once. */
  lines(): AsyncGenerator<string>;
  /** Available after `lines()` was iterated to the end. */
  manifest(): ExportManifest;
}

/** One event as one canonical JSON line: sorted keys, no white space, so its bytes are reproducible. */
export function exportLine(event: RecordedEvent): string {
  const { streamName, revision, position, id, type, data, metadata, recordedAt } = event;
  return `${canonicalJson({ streamName, revision, position, id, type, data, metadata, recordedAt })}\n`;
}

/**
 * Starts an export of every event (or one partner's streams) in global order. A partner export holds
 * WHOLE streams — `partner-{id}` and every stream with an event carrying the id — from revision 0, so
 * each stream's hash chain can be checked offline from its genesis. That needs a first pass to find
 * the streams (membership may only show at a later event); the second pass streams the lines.
 * A partner no event concerns is refused before any line (`partner-not-found`, verify's rule).
 */
export async function startExport(store: EventStore, options: ExportOptions): Promise<ExportRun> {
  const bound = options.upToPosition;
  const exportPosition =
    bound === undefined
      ? await store.headPosition()
      : bound === null
        ? null
        : await reachedPosition(store, bound);
  const scan = { upToPosition: exportPosition, batchSize: options.batchSize };
  const partnerId = options.partnerId;
  const streams = partnerId === undefined ? undefined : await streamsOfPartner(store, partnerId, scan);
  const sha = createHash('sha256');
  const heads = new Map<string, ManifestStream>();
  let eventCount = 0;
  let finished = false;

  async function* lines(): AsyncGenerator<string> {
    let scanned = 0;
    for await (const batch of scanLog(store, scan)) {
      for (const event of batch) {
        if (streams && !streams.has(event.streamName)) continue;
        const line = exportLine(event);
        sha.update(line, 'utf8');
        const head = heads.get(event.streamName);
        heads.set(event.streamName, {
          count: (head?.count ?? 0) + 1,
          headRevision: event.revision,
          headHash: typeof event.metadata.hash === 'string' ? event.metadata.hash : null,
        });
        eventCount++;
        yield line;
      }
      scanned += batch.length;
      options.onProgress?.(scanned, batch[batch.length - 1].position);
    }
    finished = true;
  }

  return {
    exportPosition,
    lines,
    manifest() {
      if (!finished) throw new Error('The export manifest is known only once every line was produced');
      const sorted = [...heads.keys()].sort();
      return {
        formatVersion: EXPORT_FORMAT_VERSION,
        exportedAt: options.exportedAt,
        exportPosition,
        filter: partnerId === undefined ? {} : { partnerId },
        eventCount,
        streams: Object.fromEntries(sorted.map((name) => [name, heads.get(name) as ManifestStream])),
        ndjsonSha256: sha.copy().digest('hex'),
      };
    },
  };
}

/** The manifest alone (the export is produced and discarded): for a caller that fetches it separately. */
export async function exportManifest(store: EventStore, options: ExportOptions): Promise<ExportManifest> {
  const run = await startExport(store, options);
  for await (const _line of run.lines()) {
    // Only the running hash and counts matter here.
  }
  return run.manifest();
}

/**
 * The caller's bound, checked: a position of another adapter's form is the port's refusal
 * (InvalidAppendError, a 400 over HTTP), as it is for every other audit read; one past the head is
 * refused, as as-of refuses it, because the export it names is not complete yet.
 */
async function reachedPosition(store: EventStore, position: Position): Promise<Position> {
  // Only for its validation of the position: the bound is otherwise only compared, never sent.
  await store.readAll({ direction: 'backwards', fromPosition: position, maxCount: 1 });
  await assertPositionReached(store, position);
  return position;
}

async function streamsOfPartner(
  store: EventStore,
  partnerId: string,
  scan: { upToPosition: Position | null; batchSize?: number },
): Promise<Set<string>> {
  const streams = new Set<string>();
  for await (const batch of scanLog(store, scan)) {
    for (const event of batch) if (concernsPartner(event, partnerId)) streams.add(event.streamName);
  }
  assertPartnerFound(partnerId, streams.size > 0);
  return streams;
}
