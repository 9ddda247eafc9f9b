import type { EventStore, Position } from '@pc/event-store';
import type { Projection } from '../definition/projection';

export interface Lag {
  /** Events the projection reads that it has not applied yet (capped: see `eventsCapped`). */
  events: number;
  eventsCapped: boolean;
  /** recordedAt of the newest such event minus recordedAt of the checkpoint event. 0 when caught up. */
  seconds: number;
}

export const LAG_COUNT_CAP = 1000;

/** Computed on demand (status calls), never on the hot path. */
export async function computeLag(
  eventStore: EventStore,
  projection: Projection,
  position: Position | null,
  positionRecordedAt: string | null,
): Promise<Lag> {
  const pending = await eventStore.readAll({
    fromPosition: position ?? undefined,
    maxCount: LAG_COUNT_CAP + 1,
    filter: projection.filter,
  });
  if (pending.length === 0) return { events: 0, eventsCapped: false, seconds: 0 };
  const [newest] = await eventStore.readAll({
    direction: 'backwards',
    maxCount: 1,
    filter: projection.filter,
  });
  const from = Date.parse(positionRecordedAt ?? pending[0].recordedAt);
  const to = Date.parse((newest ?? pending[pending.length - 1]).recordedAt);
  return {
    events: Math.min(pending.length, LAG_COUNT_CAP),
    eventsCapped: pending.length > LAG_COUNT_CAP,
    seconds: Math.max(0, (to - from) / 1000),
  };
}
