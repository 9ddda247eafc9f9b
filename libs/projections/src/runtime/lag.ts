import type { EventStore, Position } from '@pc/event-store';
import type { Projection } from '../definition/projection';

export interface Lag {
  /** Events the projection reads that it has not applied yet (capped: see `eventsCapped`). */
  events: number;
  eventsCapped: boolean;
  /**
   * recordedAt of the newest such event minus recordedAt of the checkpoint event; past the cap, the
   * newest event of the log stands in for it. 0 when caught up.
   */
  seconds: number;
}

export const LAG_COUNT_CAP = 1000;

/**
 * Computed on demand (status calls, /ready, the lag gauges), never on the hot path: one forward read of
 * at most LAG_COUNT_CAP + 1 matching events (for a projection of rare events far behind, that read still
 * scans the log up to them), plus, only past the cap, the log's last event. It no longer scans the log
 * backwards for the newest matching event (38 % of the CPU while a projection of rare events caught up
 * on a million events under status polling).
 */
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
  const capped = pending.length > LAG_COUNT_CAP;
  const newest = capped
    ? ((await eventStore.readAll({ direction: 'backwards', maxCount: 1 }))[0] ?? pending[pending.length - 1])
    : pending[pending.length - 1];
  const from = Date.parse(positionRecordedAt ?? pending[0].recordedAt);
  const to = Date.parse(newest.recordedAt);
  return {
    events: Math.min(pending.length, LAG_COUNT_CAP),
    eventsCapped: capped,
    seconds: Math.max(0, (to - from) / 1000),
  };
}
