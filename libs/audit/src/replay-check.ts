import { type EventStore, type Position, comparePositions } from '@pc/event-store';
import { type Projection, type ReadModelStore, rebuildInto, replayInto } from '@pc/projections';
import { type TableDifference, compareStores } from './replay-diff';
import { traceDifferences } from './replay-trace';
import { ScratchSpace } from './scratch-store';

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
  /**
   * An empty scratch store, opened for the replay of each projection (and again for the trace of
   * its differences); closed here. Default: a SQLite file in a fresh directory under `scratchDir`,
   * removed afterwards.
   */
  scratch?: () => ReadModelStore;
  /** Where the default scratch files go (as big as the projection's tables). Default: os.tmpdir(). */
  scratchDir?: string;
  /** Attempts at reading the live tables while their checkpoint does not move. Default 5. */
  maxAttempts?: number;
  /** Rows read at a time from each side: bounds the memory a check holds. Default 1,000. */
  pageSize?: number;
  onProjection?: (name: string) => void;
  /**
   * Ends the check early (the caller went away): the replay, the comparison and the trace stop at
   * their next batch or page and the signal's reason is thrown; the scratch files are removed.
   */
  signal?: AbortSignal;
}

export const REPLAY_CHECK_PAGE_SIZE = 1000;

/**
 * "Read models are disposable": rebuilds each projection from the event history into a scratch
 * store, up to exactly the live checkpoint, and compares every row of every table with the live
 * tables. Differing rows come back with both sides and the events whose changes touched their keys.
 *
 * Memory does not grow with the tables: the scratch store is a file, both sides are read in pages
 * in primary-key order and merged (compareStores), and only counters and a few example rows are
 * kept per table. The live runner may commit while the pages are read, so the live generation and
 * checkpoint are read before and after the whole read of a projection, and the read is done again
 * (the scratch caught up to the new checkpoint first) until both agree, at most `maxAttempts` times.
 */
export async function replayCheck(options: ReplayCheckOptions): Promise<ReplayCheckReport> {
  const results: ProjectionReplayResult[] = [];
  for (const projection of options.projections) {
    options.signal?.throwIfAborted();
    options.onProjection?.(projection.name);
    results.push(await checkOne(projection, options));
  }
  return { ok: results.every((result) => result.status === 'identical'), projections: results };
}

async function checkOne(
  projection: Projection,
  options: ReplayCheckOptions,
): Promise<ProjectionReplayResult> {
  const space = new ScratchSpace('pc-replay-check-', options.scratchDir);
  const openScratch = (name: string) => options.scratch?.() ?? space.open(name);
  try {
    const result = await compareWithReplay(projection, options, openScratch('replay'));
    // The replay's file is of no more use: the trace replays into a fresh store of its own.
    space.remove();
    if (result.status === 'different' && result.position !== null) {
      await traceDifferences(
        options.eventStore,
        projection,
        result.position,
        result.differences,
        () => openScratch('trace'),
        options.signal,
      );
    }
    return result;
  } finally {
    space.remove();
  }
}

interface LiveCheckpoint {
  generation: number;
  /** null: live but nothing applied yet. */
  position: Position | null;
}

/** What the scratch store holds. */
interface Replayed {
  generation: number;
  /** The scratch's own checkpoint: the last event applied, null when none. */
  checkpoint: Position | null;
  /** The live checkpoint it reflects: every event up to it was replayed. */
  upTo: Position | null;
  events: number;
}

async function compareWithReplay(
  projection: Projection,
  options: ReplayCheckOptions,
  scratch: ReadModelStore,
): Promise<ProjectionReplayResult> {
  const base = { projection: projection.name, eventsReplayed: 0, differences: [] };
  const attempts = options.maxAttempts ?? 5;
  const pageSize = options.pageSize ?? REPLAY_CHECK_PAGE_SIZE;
  try {
    let replayed: Replayed | null = null;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const before = await liveCheckpoint(projection, options.live);
      if (before === undefined) return { ...base, status: 'not-built', position: null };
      replayed = await replayTo(projection, options, scratch, replayed, before.position);
      let differences: TableDifference[];
      try {
        differences = await compareStores(
          projection,
          { store: scratch, generation: replayed.generation },
          { store: options.live, generation: before.generation },
          pageSize,
          options.signal,
        );
      } catch (error) {
        // Stopped (the caller went away): never mistaken for a swap below, which could end in a report.
        if (options.signal?.aborted) throw error;
        // The live generation was swapped and dropped under the read (its tables are gone): read the
        // new one. Any other failure is the store's, and is not retried.
        if ((await liveCheckpoint(projection, options.live))?.generation === before.generation) throw error;
        continue;
      }
      const after = await liveCheckpoint(projection, options.live);
      if (after?.generation !== before.generation || after.position !== before.position) continue;
      return {
        ...base,
        status: differences.length === 0 ? 'identical' : 'different',
        position: before.position,
        eventsReplayed: replayed.events,
        differences,
      };
    }
    return { ...base, status: 'unstable', position: null };
  } finally {
    await scratch.close();
  }
}

/** undefined: no live generation. */
async function liveCheckpoint(
  projection: Projection,
  live: ReadModelStore,
): Promise<LiveCheckpoint | undefined> {
  const generations = await live.listGenerations(projection.name);
  const current = generations.find((generation) => generation.status === 'live');
  return current && { generation: current.generation, position: current.position };
}

/**
 * Brings the scratch store to exactly `target`: from zero the first time, then (when the live
 * checkpoint moved during a read) only the events since, so a retry does not replay the history again.
 */
async function replayTo(
  projection: Projection,
  { eventStore, signal }: Pick<ReplayCheckOptions, 'eventStore' | 'signal'>,
  scratch: ReadModelStore,
  current: Replayed | null,
  target: Position | null,
): Promise<Replayed> {
  if (current !== null && current.upTo === target) return current;
  if (target === null) {
    // The live projection has applied nothing: its tables must be empty, as a fresh generation's are.
    await scratch.init();
    for (const existing of await scratch.listGenerations(projection.name)) {
      await scratch.dropGeneration(projection.name, existing.generation);
    }
    await scratch.createGeneration(projection, 1, { activate: true });
    return { generation: 1, checkpoint: null, upTo: null, events: 0 };
  }
  if (current !== null && (current.upTo === null || comparePositions(current.upTo, target) < 0)) {
    return catchUp(projection, eventStore, scratch, current, target, signal);
  }
  // First replay, or the live checkpoint went back (a rebuild swapped in): from zero.
  const result = await rebuildInto(eventStore, projection, scratch, { upToPosition: target, signal });
  return { generation: result.generation, checkpoint: result.position, upTo: target, events: result.events };
}

/** rebuildInto's loop, resumed: the events after `from.upTo` up to `target`. */
async function catchUp(
  projection: Projection,
  eventStore: EventStore,
  scratch: ReadModelStore,
  from: Replayed,
  target: Position,
  signal: AbortSignal | undefined,
): Promise<Replayed> {
  const replayed = await replayInto(eventStore, projection, scratch, {
    generation: from.generation,
    checkpoint: from.checkpoint,
    from: from.upTo,
    upToPosition: target,
    signal,
  });
  return {
    generation: from.generation,
    checkpoint: replayed.checkpoint,
    upTo: target,
    events: from.events + replayed.events,
  };
}
