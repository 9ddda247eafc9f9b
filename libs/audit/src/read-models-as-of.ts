import { type EventStore, type Position, type RecordedEvent, comparePositions } from '@pc/event-store';
import { type Projection, type ReadModelStore, rebuildInto } from '@pc/projections';
import { assertPositionReached } from './log-scan';
import { ScratchSpace } from './scratch-store';

export interface ReadModelsAsOf {
  /**
   * A scratch SQLite file holding the projections exactly as they were at `position`. Close it: that
   * removes the file.
   */
  store: ReadModelStore;
  /** The position asked for. */
  position: Position;
  /** The last event at or before it (what the state reflects), null when the log starts after it. */
  event: RecordedEvent | null;
  /** Events applied, over all projections. */
  eventsReplayed: number;
  /** Closes the store and removes its file and directory. */
  close(): Promise<void>;
}

export interface ReadModelsAsOfOptions {
  /**
   * Where the scratch file goes (in a fresh directory, removed by close(), or here on an error). It is
   * as big as the projections' tables up to the position. Default: os.tmpdir() (TMPDIR).
   */
  scratchDir?: string;
  /** Stops the rebuild at its next batch (the caller went away): the reason is thrown, the file removed. */
  signal?: AbortSignal;
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
 * (inclusive) into a scratch store — never the live one — so the live query code can run against it
 * and answer as it would have then. A position past the head is refused: the answer for it could
 * still change.
 *
 * Memory does not grow with the store: as in the replay check, the scratch store is a SQLite file in
 * a fresh directory under `scratchDir` (only SQLite's bounded page cache is held in memory), removed
 * by close(), or before the error is thrown when the rebuild fails.
 */
export async function readModelsAsOf(
  eventStore: EventStore,
  projections: readonly Projection[],
  position: Position,
  options: ReadModelsAsOfOptions = {},
): Promise<ReadModelsAsOf> {
  // First, so a malformed position is the port's refusal (a 400), not a comparison with the head.
  const event = await eventAtOrBefore(eventStore, position);
  await assertPositionReached(eventStore, position);
  const space = new ScratchSpace('pc-read-models-as-of-', options.scratchDir);
  let store: ReadModelStore | undefined;
  let closing: Promise<void> | undefined;
  // Once, however often it is called; the file goes even when closing the store fails.
  const close = () =>
    (closing ??= (async () => {
      try {
        await store?.close();
      } finally {
        space.remove();
      }
    })());
  try {
    store = space.open('read-models');
    let eventsReplayed = 0;
    for (const projection of projections) {
      eventsReplayed += (
        await rebuildInto(eventStore, projection, store, { upToPosition: position, signal: options.signal })
      ).events;
    }
    return { store, position, event, eventsReplayed, close };
  } catch (error) {
    await close();
    throw error;
  }
}
