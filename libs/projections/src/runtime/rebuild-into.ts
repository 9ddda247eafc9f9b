import { comparePositions, type EventStore, type Position } from '@pc/event-store';
import type { Projection } from '../definition/projection';
import type { ReadModelStore } from '../store/read-model-store';
import { applyEvents } from './batch';
import { describeError } from './errors';

export interface RebuildIntoOptions {
  /** Inclusive: the scratch tables reflect every event up to and including this position. Default: the head. */
  upToPosition?: Position;
  batchSize?: number;
  /**
   * Stops the replay between batches (e.g. the auditor who asked went away): it then throws the
   * signal's reason, and the scratch store holds whatever was committed so far.
   */
  signal?: AbortSignal;
}

export interface RebuildIntoResult {
  generation: number;
  /** Checkpoint reached (the last event applied), null when no event applied. */
  position: Position | null;
  events: number;
}

/**
 * For auditors: builds a projection from position zero into a scratch store (e.g. an in-memory
 * SQLite `new SqliteReadModelStore({ path: ':memory:' })`), never touching the live store. Uses the
 * same apply/commit path as the runner, so `dumpTables` of both can be compared row by row.
 * Throws on an event the projection cannot handle, naming it, and on a store error as it came (a row
 * that could not be loaded is the store's fault, not the event's).
 */
export async function rebuildInto(
  eventStore: EventStore,
  projection: Projection,
  scratch: ReadModelStore,
  options: RebuildIntoOptions = {},
): Promise<RebuildIntoResult> {
  await scratch.init();
  for (const existing of await scratch.listGenerations(projection.name)) {
    await scratch.dropGeneration(projection.name, existing.generation);
  }
  const generation = 1;
  await scratch.createGeneration(projection, generation, { activate: true });
  const replayed = await replayInto(eventStore, projection, scratch, {
    generation,
    checkpoint: null,
    from: null,
    upToPosition: options.upToPosition,
    batchSize: options.batchSize,
    signal: options.signal,
  });
  await scratch.updateState(projection.name, generation, 'stopped');
  return { generation, position: replayed.checkpoint, events: replayed.events };
}

export interface ReplayIntoOptions {
  generation: number;
  /** The generation's stored checkpoint (the commit's expected position). */
  checkpoint: Position | null;
  /** Read the log after this position (exclusive); null = from the start. */
  from: Position | null;
  /** Inclusive upper bound; default the head. */
  upToPosition?: Position;
  batchSize?: number;
  /** As RebuildIntoOptions.signal: checked before each batch. */
  signal?: AbortSignal;
}

/**
 * The loop of rebuildInto, from any point: applies the events after `from` (up to the bound) to an
 * existing generation of a scratch store, one commit per batch, and returns its new checkpoint and how
 * many events it applied. Throws on an event the projection cannot handle, naming it.
 */
export async function replayInto(
  eventStore: EventStore,
  projection: Projection,
  scratch: ReadModelStore,
  options: ReplayIntoOptions,
): Promise<{ checkpoint: Position | null; events: number }> {
  const { generation, upToPosition: limit } = options;
  const batchSize = options.batchSize ?? 500;
  let { checkpoint } = options;
  let cursor = options.from;
  let events = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await eventStore.readAll({
      fromPosition: cursor ?? undefined,
      maxCount: batchSize,
      filter: projection.filter,
    });
    const batch = limit ? page.filter((event) => comparePositions(event.position, limit) <= 0) : page;
    if (batch.length > 0) {
      const applied = await applyEvents(projection, batch, (table, key) =>
        scratch.loadRow(projection, generation, table, key),
      );
      if (applied.failure) {
        const { event, error } = applied.failure;
        throw new Error(
          `Projection '${projection.name}' failed on event ${event.id} (${event.type}): ${describeError(error)}`,
        );
      }
      const last = batch[batch.length - 1];
      await scratch.commit({
        projection,
        generation,
        expectedPosition: checkpoint,
        position: last.position,
        recordedAt: last.recordedAt,
        changes: applied.changes,
      });
      checkpoint = last.position;
      cursor = last.position;
      events += batch.length;
    }
    if (page.length < batchSize || batch.length < page.length) break;
  }
  return { checkpoint, events };
}
