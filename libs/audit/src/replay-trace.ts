import { type EventStore, type Position, type RecordedEvent, comparePositions } from '@pc/event-store';
import {
  type Change,
  type Projection,
  type ReadModelStore,
  type Row,
  type RowKey,
  keyId,
} from '@pc/projections';
import type { EventRef, RowDifference, TableDifference } from './replay-diff';

/** Events listed per differing row: the newest few are where an investigation starts. */
const EVENTS_PER_ROW = 10;
const BATCH = 500;

export function eventRef(event: RecordedEvent): EventRef {
  const { commandType, occurredAt } = event.metadata;
  return {
    position: event.position,
    id: event.id,
    type: event.type,
    streamName: event.streamName,
    revision: event.revision,
    commandType: typeof commandType === 'string' ? commandType : null,
    occurredAt: typeof occurredAt === 'string' ? occurredAt : null,
  };
}

interface Target {
  table: string;
  id: string;
  /** Known versions of the row (live and rebuilt), for deleteWhere changes, which name no key. */
  rows: Row[];
  difference: RowDifference;
}

function touches(projection: Projection, change: Change, target: Target): boolean {
  if (change.table !== target.table) return false;
  if (change.op === 'deleteWhere') {
    return target.rows.some((row) =>
      Object.entries(change.where).every(([column, value]) => row[column] === value),
    );
  }
  return keyId(projection.table(change.table), change.key) === target.id;
}

/**
 * Which events produced the differing rows: replays the projection again, one event per commit into
 * a fresh scratch store (the runner's results do not depend on batch size), and records every event
 * whose changes touched a differing key. Only run when there are differences, so a healthy check
 * reads the history once. `openScratch` gives the empty store to replay into (replayCheck: a file, as
 * big as the projection); it is closed here.
 */
export async function traceDifferences(
  eventStore: EventStore,
  projection: Projection,
  upTo: Position,
  differences: TableDifference[],
  openScratch: () => ReadModelStore,
  signal?: AbortSignal,
): Promise<void> {
  const targets: Target[] = differences.flatMap((difference) =>
    difference.rows.map((row) => ({
      table: difference.table,
      id: keyId(projection.table(difference.table), row.key),
      rows: [row.live, row.rebuilt].filter((r): r is Row => r !== null),
      difference: row,
    })),
  );
  if (targets.length === 0) return;
  const scratch = openScratch();
  try {
    await scratch.init();
    await scratch.createGeneration(projection, 1, { activate: true });
    const view = { get: (table: string, key: RowKey) => scratch.loadRow(projection, 1, table, key) };
    let position: Position | null = null;
    for (;;) {
      signal?.throwIfAborted();
      const page = await eventStore.readAll({
        fromPosition: position ?? undefined,
        maxCount: BATCH,
        filter: projection.filter,
      });
      const events = page.filter((event) => comparePositions(event.position, upTo) <= 0);
      for (const event of events) {
        if (signal?.aborted) signal.throwIfAborted();
        const changes = await projection.apply(event, view);
        for (const target of targets) {
          if (!changes.some((change) => touches(projection, change, target))) continue;
          const row = target.difference;
          row.eventCount++;
          row.events = [...row.events, eventRef(event)].slice(-EVENTS_PER_ROW);
        }
        await scratch.commit({
          projection,
          generation: 1,
          expectedPosition: position,
          position: event.position,
          recordedAt: event.recordedAt,
          changes,
        });
        position = event.position;
      }
      if (page.length < BATCH || events.length < page.length) return;
    }
  } finally {
    await scratch.close();
  }
}
