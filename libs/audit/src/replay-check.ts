import type { EventStore, Position } from '@pc/event-store';
import {
  type Projection,
  type ReadModelStore,
  type TableDump,
  SqliteReadModelStore,
  rebuildInto,
} from '@pc/projections';
import { type TableDifference, compareDumps } from './replay-diff';
import { traceDifferences } from './replay-trace';

export type ReplayStatus = 'identical' | 'different' | 'not-built' | 'unstable';

export interface ProjectionReplayResult {
  projection: string;
  status: ReplayStatus;
  /** The live checkpoint the replay was taken up to. */
  position: Position | null;
  eventsReplayed: number;
  differences: TableDifference[];
}

export interface ReplayCheckReport {
  ok: boolean;
  projections: ProjectionReplayResult[];
}

export interface ReplayCheckOptions {
  eventStore: EventStore;
  live: ReadModelStore;
  projections: readonly Projection[];
  /** An empty scratch store per projection. Default: in-memory SQLite. */
  scratch?: () => ReadModelStore;
  /** Attempts at reading a live dump whose checkpoint did not move meanwhile. Default 5. */
  maxAttempts?: number;
  onProjection?: (name: string) => void;
}

/**
 * "Read models are disposable": rebuilds each projection from the event history into a scratch
 * store, up to exactly the live checkpoint, and compares every row of every table with the live
 * tables. The live runner may commit while we dump, so the checkpoint is read before and after the
 * dump and the dump retried until both agree. Differing rows come back with both sides and the
 * events whose changes touched their keys.
 */
export async function replayCheck(options: ReplayCheckOptions): Promise<ReplayCheckReport> {
  const results: ProjectionReplayResult[] = [];
  for (const projection of options.projections) {
    options.onProjection?.(projection.name);
    results.push(await checkOne(projection, options));
  }
  return { ok: results.every((result) => result.status === 'identical'), projections: results };
}

async function checkOne(
  projection: Projection,
  options: ReplayCheckOptions,
): Promise<ProjectionReplayResult> {
  const base = { projection: projection.name, eventsReplayed: 0, differences: [] };
  const snapshot = await stableLiveDump(projection, options.live, options.maxAttempts ?? 5);
  if (snapshot === 'not-built') return { ...base, status: 'not-built', position: null };
  if (snapshot === 'unstable') return { ...base, status: 'unstable', position: null };
  const scratch = options.scratch?.() ?? new SqliteReadModelStore({ path: ':memory:' });
  try {
    const replayed = await replay(projection, options.eventStore, scratch, snapshot.position);
    const differences = compareDumps(projection, replayed.dump, snapshot.dump);
    if (differences.length > 0 && snapshot.position !== null) {
      await traceDifferences(options.eventStore, projection, snapshot.position, differences);
    }
    return {
      ...base,
      status: differences.length === 0 ? 'identical' : 'different',
      position: snapshot.position,
      eventsReplayed: replayed.events,
      differences,
    };
  } finally {
    await scratch.close();
  }
}

async function replay(
  projection: Projection,
  eventStore: EventStore,
  scratch: ReadModelStore,
  upTo: Position | null,
): Promise<{ dump: TableDump; events: number }> {
  if (upTo === null) {
    // The live projection has applied nothing: its tables must be empty, as a fresh generation's are.
    await scratch.init();
    await scratch.createGeneration(projection, 1, { activate: true });
    return { dump: await scratch.dumpTables(projection), events: 0 };
  }
  const result = await rebuildInto(eventStore, projection, scratch, { upToPosition: upTo });
  return { dump: await scratch.dumpTables(projection, result.generation), events: result.events };
}

async function stableLiveDump(
  projection: Projection,
  live: ReadModelStore,
  attempts: number,
): Promise<{ dump: TableDump; position: Position | null } | 'not-built' | 'unstable'> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const before = await livePosition(projection, live);
    if (before === undefined) return 'not-built';
    const dump = await live.dumpTables(projection);
    const after = await livePosition(projection, live);
    if (after === before) return { dump, position: before };
  }
  return 'unstable';
}

/** undefined: no live generation; null: live but nothing applied yet. */
async function livePosition(
  projection: Projection,
  live: ReadModelStore,
): Promise<Position | null | undefined> {
  const generations = await live.listGenerations(projection.name);
  return generations.find((generation) => generation.status === 'live')?.position;
}
