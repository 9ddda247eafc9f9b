import { comparePositions, type EventStore, type Position } from '@pc/event-store';
import type { Projection } from '../definition/projection';
import type { ReadModelStore } from '../store/read-model-store';
import { applyEvents } from './batch';
import { describeError } from './errors';

export interface RebuildIntoOptions {
  /** Inclusive: the scratch tables reflect every event up to and including this position. Default: the head. */
  upToPosition?: Position;
  batchSize?: number;
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
  const batchSize = options.batchSize ?? 500;
  let position: Position | null = null;
  let total = 0;
  for (;;) {
    const page = await eventStore.readAll({
      fromPosition: position ?? undefined,
      maxCount: batchSize,
      filter: projection.filter,
    });
    const limit = options.upToPosition;
    const events = limit ? page.filter((event) => comparePositions(event.position, limit) <= 0) : page;
    if (events.length > 0) {
      const applied = await applyEvents(projection, events, (table, key) =>
        scratch.loadRow(projection, generation, table, key),
      );
      if (applied.failure) {
        const { event, error } = applied.failure;
        throw new Error(
          `Projection '${projection.name}' failed on event ${event.id} (${event.type}): ${describeError(error)}`,
        );
      }
      const last = events[events.length - 1];
      await scratch.commit({
        projection,
        generation,
        expectedPosition: position,
        position: last.position,
        recordedAt: last.recordedAt,
        changes: applied.changes,
      });
      position = last.position;
      total += events.length;
    }
    if (page.length < batchSize || events.length < page.length) break;
  }
  await scratch.updateState(projection.name, generation, 'stopped');
  return { generation, position, events: total };
}
