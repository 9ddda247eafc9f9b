import { type EventStore, type Position, type RecordedEvent, comparePositions } from '@pc/event-store';
import { AuditNotFoundError } from './errors';

export interface ScanOptions {
  /** Inclusive upper bound; events after it are not read (a stable snapshot while writers continue). */
  upToPosition?: Position | null;
  batchSize?: number;
}

/**
 * Every event of `$all` in commit order, batch by batch, so a walk over millions of events holds
 * one batch in memory. Positions are only compared, never parsed (they are opaque per adapter).
 */
export async function* scanLog(
  store: EventStore,
  options: ScanOptions = {},
): AsyncGenerator<RecordedEvent[]> {
  const batchSize = options.batchSize ?? 500;
  const bound = options.upToPosition;
  if (bound === null) return;
  let cursor: Position | undefined;
  for (;;) {
    const batch = await store.readAll({ direction: 'forwards', fromPosition: cursor, maxCount: batchSize });
    const kept =
      bound === undefined ? batch : batch.filter((event) => comparePositions(event.position, bound) <= 0);
    if (kept.length > 0) yield kept;
    if (batch.length < batchSize || kept.length < batch.length) return;
    cursor = batch[batch.length - 1].position;
  }
}

/**
 * Refuses a position the log has not reached (`position-not-reached`): an answer bounded by it could
 * still change, as events still to come would fall before it. The head only grows, so reading it
 * after the caller's own read never refuses a position that read could see.
 */
export async function assertPositionReached(store: EventStore, position: Position): Promise<void> {
  const head = await store.headPosition();
  if (head === null || comparePositions(position, head) > 0) {
    throw new AuditNotFoundError(
      'position-not-reached',
      `The log has not reached position ${position} (head: ${head ?? 'empty'}).`,
      { position, head: head ?? '' },
    );
  }
}
