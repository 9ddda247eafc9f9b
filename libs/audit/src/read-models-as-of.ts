import { type EventStore, type Position, type RecordedEvent, comparePositions } from '@pc/event-store';
import { type Projection, type ReadModelStore, SqliteReadModelStore, rebuildInto } from '@pc/projections';
import { assertPositionReached } from './log-scan';

export interface ReadModelsAsOf {
  /** In-memory SQLite holding the projections exactly as they were at `position`. Close it. */
  store: ReadModelStore;
  /** The position asked for. */
  position: Position;
  /** The last event at or before it (what the state reflects), null when the log starts after it. */
  event: RecordedEvent | null;
  /** Events applied, over all projections. */
  eventsReplayed: number;
  close(): Promise<void>;
}

/**
 * The last event at or before a position, in two reads however long the log: the event just before
 * it (the port's bound is exclusive), then the one right after that, which is the position's own
 * event when there is one. Positions are opaque, so an exact lookup is not otherwise possible.
 */
export async function eventAtOrBefore(store: EventStore, position: Position): Promise<RecordedEvent | null> {
  const [before] = await store.readAll({ direction: 'backwards', fromPosition: position, maxCount: 1 });
  const [next] = await store.readAll({ direction: 'forwards', fromPosition: before?.position, maxCount: 1 });
  return next !== undefined && comparePositions(next.position, position) <= 0 ? next : (before ?? null);
}

/**
 * Time travel for read models: rebuilds the projections from position zero up to `position`
 * (inclusive) into a scratch in-memory store — never the live one — so the live query code can run
 * against it and answer as it would have then. A position past the head is refused: the answer for
 * it could still change.
 */
export async function readModelsAsOf(
  eventStore: EventStore,
  projections: readonly Projection[],
  position: Position,
): Promise<ReadModelsAsOf> {
  // First, so a malformed position is the port's refusal (a 400), not a comparison with the head.
  const event = await eventAtOrBefore(eventStore, position);
  await assertPositionReached(eventStore, position);
  const store = new SqliteReadModelStore({ path: ':memory:' });
  try {
    let eventsReplayed = 0;
    for (const projection of projections) {
      eventsReplayed += (await rebuildInto(eventStore, projection, store, { upToPosition: position })).events;
    }
    return { store, position, event, eventsReplayed, close: () => store.close() };
  } catch (error) {
    await store.close();
    throw error;
  }
}
