import { comparePositions, type EventStore, type Position } from '@pc/event-store';
import { firstValueFrom, merge, type Observable, timer } from 'rxjs';
import type { Projection } from '../definition/projection';
import type { ReadModelStore } from '../store/read-model-store';
import { sleep } from './message-queue';

export interface PositionWaiterOptions {
  eventStore: EventStore;
  store: ReadModelStore;
  projections: Projection[];
  /**
   * Commits in this process wake the waiters at once, and the positions they carry answer a check
   * without reading the store; other processes' commits are seen by polling.
   */
  commits?: Observable<CommittedPosition>;
  /**
   * Whether this process runs a projection's live generation (holds its lease): then the positions
   * of `commits` are its checkpoint, and the store's generation records need not be read.
   */
  runsHere?: (projectionName: string) => boolean;
  pollIntervalMs?: number;
}

/**
 * Read-your-writes: has every named projection reflected `position`? Works whether the projections
 * run in this process or in a separate projector, because it reads the checkpoints from the store.
 */
/** What a commit in this process says: the projection's live generation has reflected `position`. */
export interface CommittedPosition {
  projection: string;
  position: Position;
  /** A rebuilt generation replaced the live one: its position replaces the old one's. */
  swapped?: boolean;
}

export class PositionWaiter {
  private readonly byName: Map<string, Projection>;
  /** The newest position each projection's live generation committed in this process. */
  private readonly committed = new Map<string, Position>();

  constructor(private readonly options: PositionWaiterOptions) {
    this.byName = new Map(options.projections.map((projection) => [projection.name, projection]));
    options.commits?.subscribe(({ projection, position, swapped }) => {
      const known = this.committed.get(projection);
      if (swapped || known === undefined || comparePositions(position, known) > 0)
        this.committed.set(projection, position);
    });
  }

  /** True once all named projections (default: all) reached `position`; false when `timeoutMs` passed first. */
  async waitForPosition(position: Position, timeoutMs: number, projectionNames?: string[]): Promise<boolean> {
    const targets = (projectionNames ?? [...this.byName.keys()]).map((name) => {
      const projection = this.byName.get(name);
      if (!projection) throw new Error(`Unknown projection '${name}'`);
      return projection;
    });
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(targets);
    for (;;) {
      for (const projection of [...pending])
        if (await this.hasReached(projection, position)) pending.delete(projection);
      if (pending.size === 0) return true;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await this.nextWake(Math.min(remaining, this.options.pollIntervalMs ?? 50));
    }
  }

  /**
   * The checkpoint only moves on events the projection reads, so a projection filtering out the
   * event at `position` may never reach it. It has reflected `position` just the same when no event
   * it reads lies between its checkpoint and `position` — and `position` is visible in the store.
   */
  async hasReached(projection: Projection, position: Position): Promise<boolean> {
    // Committed here at or past it: no need to ask the store (the common case under load).
    const committed = this.committed.get(projection.name);
    if (committed !== undefined && comparePositions(committed, position) >= 0) return true;
    // This process runs the live generation, so its last commit is the checkpoint: only the log is
    // asked (a projection stopped on an event stays before it, so that event answers false).
    if (committed !== undefined && this.options.runsHere?.(projection.name))
      return this.nothingToReadUpTo(projection, committed, position);
    const { store } = this.options;
    const generation = await store.activeGeneration(projection.name);
    if (generation === null) return false;
    const record = (await store.listGenerations(projection.name)).find((g) => g.generation === generation);
    const checkpoint = record?.position ?? null;
    if (checkpoint !== null && comparePositions(checkpoint, position) >= 0) return true;
    if (record?.error || record?.state === 'stopped-on-error') return false;
    return this.nothingToReadUpTo(projection, checkpoint, position);
  }

  /** No event the projection reads lies after `checkpoint` up to `position`, and `position` exists. */
  private async nothingToReadUpTo(
    projection: Projection,
    checkpoint: Position | null,
    position: Position,
  ): Promise<boolean> {
    const { eventStore } = this.options;
    const [next] = await eventStore.readAll({
      fromPosition: checkpoint ?? undefined,
      maxCount: 1,
      filter: projection.filter,
    });
    if (next) return comparePositions(next.position, position) > 0;
    const [newest] = await eventStore.readAll({ direction: 'backwards', maxCount: 1 });
    return newest !== undefined && comparePositions(newest.position, position) >= 0;
  }

  private nextWake(ms: number): Promise<void> {
    const commits = this.options.commits;
    if (!commits) return sleep(ms);
    // The next commit or the timer, whichever comes first (merge, not race: commits that have ended
    // must leave the timer to answer, not end the wait at once). An AbortController per wait cost ~3 %
    // of the CPU under HTTP load: aborting one builds a DOMException, stack trace included.
    return firstValueFrom(merge(commits, timer(ms))).then(() => undefined);
  }
}
