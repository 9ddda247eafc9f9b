/**
 * STANDALONE OFFLINE VERIFIER for Partner Center event exports (events.ndjson + manifest.json).
 *
 * Deliberately self-contained: it imports nothing from this project, only Node's own node:crypto,
 * node:fs and node:readline. It RE-IMPLEMENTS canonical JSON and the event hash rule on purpose, so an
 * auditor can read this one file, convince themselves the rules are right, and check an export
 * without trusting any other code of ours. (A spec keeps it in agreement with libs/pipeline.)
 *
 * The rules it checks:
 *  - canonical JSON: object keys sorted by UTF-16 code unit, recursively; no white space; members
 *    whose value is undefined dropped; everything else as JSON.stringify writes it.
 *  - every event's metadata.hash = SHA-256 hex of canonical JSON of
 *    { type, data, metadata without `hash` } (metadata keeps prevHash).
 *  - per stream, revisions run 0, 1, 2... and each event's metadata.prevHash is the previous event's
 *    hash; revision 0 names GENESIS (64 zeros).
 *  - lines are in strictly increasing global position (fixed-width strings, compared as strings).
 *  - the manifest's ndjsonSha256, eventCount and per-stream count / headRevision / headHash match.
 *
 * What it cannot prove alone: someone able to rewrite the WHOLE export can recompute every hash and
 * the manifest. Compare the manifest's head hashes (or ndjsonSha256) with a copy you obtained
 * independently, earlier, to close that gap.
 *
 * Usage from code: `await verifyExportFiles('events.ndjson', 'manifest.json')`.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const OFFLINE_GENESIS_HASH = '0'.repeat(64);
const SUPPORTED_FORMAT_VERSION = 1;

export type DiscrepancyKind =
  | 'manifest-unreadable'
  | 'unsupported-format'
  | 'ndjson-sha256-mismatch'
  | 'unparseable-line'
  | 'malformed-event'
  | 'missing-hash'
  | 'hash-mismatch'
  | 'chain-broken'
  | 'out-of-order'
  | 'beyond-export-position'
  | 'event-count-mismatch'
  | 'stream-not-in-manifest'
  | 'stream-not-in-export'
  | 'stream-count-mismatch'
  | 'stream-head-mismatch';

export interface Discrepancy {
  kind: DiscrepancyKind;
  message: string;
  /** 1-based line of events.ndjson, when the discrepancy is about one line. */
  line?: number;
  stream?: string;
  revision?: number;
  expected?: string;
  found?: string;
}

export interface OfflineReport {
  ok: boolean;
  eventsChecked: number;
  streamsChecked: number;
  /** SHA-256 of the NDJSON as found on disk. */
  ndjsonSha256: string;
  discrepancies: Discrepancy[];
}

/** Canonical JSON, re-implemented (see the header). */
export function offlineCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return value === undefined ? 'null' : JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : offlineCanonicalJson(item))).join(',')}]`;
  }
  const keys = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const members = keys.map(
    (key) => `${JSON.stringify(key)}:${offlineCanonicalJson((value as Record<string, unknown>)[key])}`,
  );
  return `{${members.join(',')}}`;
}

/** The event hash rule, re-implemented (see the header). */
export function offlineEventHash(type: string, data: unknown, metadata: Record<string, unknown>): string {
  // Object.fromEntries defines each member as its own: an assignment `rest[key] = …` would, for a
  // member named "__proto__", set the copy's prototype instead, leave the member out of the hash,
  // and let an export carry a metadata member the pipeline's hash rule covers but this one ignored.
  const rest: Record<string, unknown> = Object.fromEntries(
    Object.entries(metadata).filter(([key]) => key !== 'hash'),
  );
  return createHash('sha256')
    .update(offlineCanonicalJson({ type, data, metadata: rest }))
    .digest('hex');
}

interface ExportedEvent {
  streamName: string;
  revision: number;
  position: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

interface ManifestShape {
  formatVersion: unknown;
  exportPosition: unknown;
  eventCount: unknown;
  streams: Record<string, { count?: unknown; headRevision?: unknown; headHash?: unknown }>;
  ndjsonSha256: unknown;
}

interface StreamSeen {
  count: number;
  nextRevision: number;
  lastHash: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function asEvent(value: unknown): ExportedEvent | string {
  if (!isObject(value)) return 'the line is not a JSON object';
  const { streamName, revision, position, type, metadata } = value;
  if (typeof streamName !== 'string' || streamName === '') return 'streamName is missing';
  if (typeof revision !== 'number' || !Number.isInteger(revision) || revision < 0)
    return 'revision is not an integer';
  if (typeof position !== 'string') return 'position is missing';
  if (typeof type !== 'string') return 'type is missing';
  if (!isObject(metadata)) return 'metadata is not an object';
  return { streamName, revision, position, type, data: value.data, metadata };
}

/** Checks the lines one by one; `finish` then compares what was seen with the manifest. */
class ExportChecker {
  readonly discrepancies: Discrepancy[] = [];
  private readonly streams = new Map<string, StreamSeen>();
  private lastPosition: string | null = null;
  private events = 0;

  constructor(private readonly manifest: ManifestShape | null) {}

  line(text: string, line: number): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.report({ kind: 'unparseable-line', line, message: `Line ${line} is not JSON` });
      return;
    }
    const event = asEvent(parsed);
    if (typeof event === 'string') {
      this.report({ kind: 'malformed-event', line, message: `Line ${line}: ${event}` });
      return;
    }
    this.events++;
    this.checkOrder(event, line);
    this.checkEvent(event, line);
  }

  private checkOrder(event: ExportedEvent, line: number): void {
    if (this.lastPosition !== null && !(event.position > this.lastPosition)) {
      this.report({
        kind: 'out-of-order',
        line,
        stream: event.streamName,
        revision: event.revision,
        expected: `a position after ${this.lastPosition}`,
        found: event.position,
        message: `Line ${line} is not in global order: position ${event.position} follows ${this.lastPosition}`,
      });
    }
    const bound = this.manifest?.exportPosition;
    if (typeof bound === 'string' && event.position > bound) {
      this.report({
        kind: 'beyond-export-position',
        line,
        expected: `at most ${bound}`,
        found: event.position,
        message: `Line ${line} has position ${event.position}, after the manifest's exportPosition ${bound}`,
      });
    }
    this.lastPosition = event.position;
  }

  private checkEvent(event: ExportedEvent, line: number): void {
    const where = { line, stream: event.streamName, revision: event.revision };
    const recomputed = offlineEventHash(event.type, event.data, event.metadata);
    const stored = typeof event.metadata.hash === 'string' ? event.metadata.hash : null;
    if (stored === null) {
      this.report({
        ...where,
        kind: 'missing-hash',
        expected: recomputed,
        message: `Line ${line} carries no hash`,
      });
    } else if (stored !== recomputed) {
      this.report({
        ...where,
        kind: 'hash-mismatch',
        expected: recomputed,
        found: stored,
        message: `Line ${line} (${event.streamName}@${event.revision}) does not match its hash: its content was changed`,
      });
    }
    const seen = this.streams.get(event.streamName) ?? {
      count: 0,
      nextRevision: 0,
      lastHash: OFFLINE_GENESIS_HASH,
    };
    const prevHash = typeof event.metadata.prevHash === 'string' ? event.metadata.prevHash : undefined;
    if (event.revision !== seen.nextRevision || prevHash !== seen.lastHash) {
      this.report({
        ...where,
        kind: 'chain-broken',
        expected: `revision ${seen.nextRevision} with prevHash ${seen.lastHash}`,
        found: `revision ${event.revision} with prevHash ${prevHash ?? '(none)'}`,
        message: `Line ${line} does not follow the previous event of ${event.streamName}: an event was removed, inserted or reordered`,
      });
    }
    this.streams.set(event.streamName, {
      count: seen.count + 1,
      nextRevision: event.revision + 1,
      lastHash: stored ?? recomputed,
    });
  }

  finish(ndjsonSha256: string): OfflineReport {
    const manifest = this.manifest;
    if (manifest) {
      if (manifest.ndjsonSha256 !== ndjsonSha256) {
        this.report({
          kind: 'ndjson-sha256-mismatch',
          expected: String(manifest.ndjsonSha256),
          found: ndjsonSha256,
          message: 'The NDJSON file is not byte for byte the one the manifest describes',
        });
      }
      if (manifest.eventCount !== this.events) {
        this.report({
          kind: 'event-count-mismatch',
          expected: String(manifest.eventCount),
          found: String(this.events),
          message: `The manifest announces ${String(manifest.eventCount)} events; the file holds ${this.events}`,
        });
      }
      this.compareStreams(manifest);
    }
    return {
      ok: this.discrepancies.length === 0,
      eventsChecked: this.events,
      streamsChecked: this.streams.size,
      ndjsonSha256,
      discrepancies: this.discrepancies,
    };
  }

  private compareStreams(manifest: ManifestShape): void {
    for (const [stream, seen] of this.streams) {
      const announced = manifest.streams[stream];
      if (!announced) {
        this.report({
          kind: 'stream-not-in-manifest',
          stream,
          message: `Stream ${stream} is exported but not in the manifest`,
        });
        continue;
      }
      if (announced.count !== seen.count) {
        this.report({
          kind: 'stream-count-mismatch',
          stream,
          expected: String(announced.count),
          found: String(seen.count),
          message: `Stream ${stream}: the manifest announces ${String(announced.count)} events; the file holds ${seen.count}`,
        });
      }
      if (announced.headRevision !== seen.nextRevision - 1 || announced.headHash !== seen.lastHash) {
        this.report({
          kind: 'stream-head-mismatch',
          stream,
          expected: `revision ${String(announced.headRevision)} with hash ${String(announced.headHash)}`,
          found: `revision ${seen.nextRevision - 1} with hash ${seen.lastHash}`,
          message: `Stream ${stream}: its last event is not the head the manifest announces`,
        });
      }
    }
    for (const stream of Object.keys(manifest.streams)) {
      if (!this.streams.has(stream)) {
        this.report({
          kind: 'stream-not-in-export',
          stream,
          message: `Stream ${stream} is in the manifest but not in the file`,
        });
      }
    }
  }

  report(discrepancy: Discrepancy): void {
    this.discrepancies.push(discrepancy);
  }
}

function readManifest(path: string): { manifest: ManifestShape | null; problem?: Discrepancy } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      manifest: null,
      problem: { kind: 'manifest-unreadable', message: `Cannot read the manifest: ${reason}` },
    };
  }
  if (!isObject(parsed) || !isObject(parsed.streams)) {
    return {
      manifest: null,
      problem: { kind: 'manifest-unreadable', message: 'The manifest has no streams object' },
    };
  }
  const manifest = parsed as unknown as ManifestShape;
  if (manifest.formatVersion !== SUPPORTED_FORMAT_VERSION) {
    return {
      manifest,
      problem: {
        kind: 'unsupported-format',
        expected: String(SUPPORTED_FORMAT_VERSION),
        found: String(manifest.formatVersion),
        message: `This verifier reads formatVersion ${SUPPORTED_FORMAT_VERSION}`,
      },
    };
  }
  return { manifest };
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Checks an export on disk. Streams the NDJSON, so exports larger than memory are fine. */
export async function verifyExportFiles(ndjsonPath: string, manifestPath: string): Promise<OfflineReport> {
  const { manifest, problem } = readManifest(manifestPath);
  const checker = new ExportChecker(manifest);
  if (problem) checker.report(problem);
  const lines = createInterface({
    input: createReadStream(ndjsonPath, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  let number = 0;
  for await (const text of lines) checker.line(text, ++number);
  return checker.finish(await sha256OfFile(ndjsonPath));
}
