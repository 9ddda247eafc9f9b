import { comparePositions, type EventStore, type Position } from '@pc/event-store';
import { firstValueFrom, map, merge, type Observable, timer } from 'rxjs';
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

/** A projection a wait has not seen reach its position, and the memory it last checked it against. */
interface Pending {
  projection: Projection;
  checked: Position | undefined;
}

/** What ended a wait's sleep: nothing yet, a commit here, its timer, or its deadline. */
type Wake = 'start' | 'commit' | 'timer' | 'deadline';

export class PositionWaiter {
  private readonly byName: Map<string, Projection>;
  /** The newest position each projection's live generation committed in this process. */
  private readonly committed = new Map<string, Position>();
  /**
   * When each projection's memory was last known to match the store: its last commit here, or the
   * last read of its stored checkpoint while it ran here (Date.now()). Shared by all waits, so that
   * however many wait, a projection's checkpoint is read about once a poll interval.
   */
  private readonly heardAt = new Map<string, number>();

  constructor(private readonly options: PositionWaiterOptions) {
    this.byName = new Map(options.projections.map((projection) => [projection.name, projection]));
    options.commits?.subscribe(({ projection, position, swapped }) => {
      const known = this.committed.get(projection);
      if (swapped || known === undefined || comparePositions(position, known) > 0)
        this.committed.set(projection, position);
      this.heardAt.set(projection, Date.now());
    });
  }

  /** True once all named projections (default: all) reached `position`; false when `timeoutMs` passed first. */
  async waitForPosition(position: Position, timeoutMs: number, projectionNames?: string[]): Promise<boolean> {
    let pending: Pending[] = (projectionNames ?? [...this.byName.keys()]).map((name) => {
      const projection = this.byName.get(name);
      if (!projection) throw new Error(`Unknown projection '${name}'`);
      return { projection, checked: undefined };
    });
    const startedAt = Date.now();
    const deadline = startedAt + timeoutMs;
    const pollIntervalMs = this.options.pollIntervalMs ?? 50;
    let wake: Wake = 'start';
    for (;;) {
      const left: Pending[] = [];
      for (const target of pending) {
        const name = target.projection.name;
        const memory = this.committed.get(name);
        // Woken by its timer (nothing committed here for a poll interval) or about to answer false,
        // a wait asks the store too (see hasReached). Woken by a commit, a projection that runs here
        // is answered by its memory when that moved (its own commit). When it did not (another
        // projection committed), it is not looked at again until its memory has gone a poll interval
        // without confirmation (no commit of its own, no read of its stored checkpoint, by any wait):
        // then its stored checkpoint is read, as another instance may have committed it further.
        // However often the others commit, that read comes once a poll interval.
        let askStore = wake === 'timer' || wake === 'deadline';
        if (wake === 'commit' && memory === target.checked && this.runsHere(name, memory)) {
          const since = Math.max(this.heardAt.get(name) ?? startedAt, startedAt);
          if (Date.now() - since < pollIntervalMs) {
            left.push(target);
            continue;
          }
          askStore = true;
        }
        target.checked = memory;
        if (!(await this.hasReached(target.projection, position, askStore))) left.push(target);
      }
      pending = left;
      if (pending.length === 0) return true;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        if (wake === 'timer' || wake === 'deadline') return false;
        wake = 'deadline';
        continue;
      }
      // A commit while the checks awaited woke no one: look again before sleeping.
      if (pending.some((target) => this.committed.get(target.projection.name) !== target.checked))
        wake = 'commit';
      else wake = (await this.nextWake(Math.min(remaining, pollIntervalMs))) ? 'commit' : 'timer';
    }
  }

  /** This process runs the projection's live generation and has a memory of its checkpoint. */
  private runsHere(name: string, committed: Position | undefined): committed is Position {
    return committed !== undefined && this.options.runsHere?.(name) === true;
  }

  /**
   * The checkpoint only moves on events the projection reads, so a projection filtering out the
   * event at `position` may never reach it. It has reflected `position` just the same when no event
   * it reads lies between its checkpoint and `position` — and `position` is visible in the store.
   *
   * `askStore` applies where this process runs the projection: its last commit is then usually the
   * checkpoint, but not always (another instance committed further while this one stood by; the reply
   * to a COMMIT was lost), so a "no" from memory is checked against the store when asked to.
   */
  async hasReached(projection: Projection, position: Position, askStore = true): Promise<boolean> {
    // Committed here at or past it: no need to ask the store (the common case under load).
    const committed = this.committed.get(projection.name);
    if (committed !== undefined && comparePositions(committed, position) >= 0) return true;
    // This process runs the live generation: only the log is asked (a projection stopped on an event
    // stays before it, so that event answers false).
    const runsHere = this.runsHere(projection.name, committed);
    if (runsHere) {
      if (await this.nothingToReadUpTo(projection, committed, position)) return true;
      if (!askStore) return false;
      this.heardAt.set(projection.name, Date.now());
    }
    const { store } = this.options;
    const generation = await store.activeGeneration(projection.name);
    if (generation === null) return false;
    const record = (await store.listGenerations(projection.name)).find((g) => g.generation === generation);
    const checkpoint = record?.position ?? null;
    // Compared with the memory as it is now: a commit here during the reads may have moved it past.
    const current = this.committed.get(projection.name);
    if (
      runsHere &&
      checkpoint !== null &&
      current !== undefined &&
      comparePositions(checkpoint, current) > 0
    ) {
      // Known from now on: the next waits are answered from memory again.
      this.committed.set(projection.name, checkpoint);
    }
    if (checkpoint !== null && comparePositions(checkpoint, position) >= 0) return true;
    if (record?.error || record?.state === 'stopped-on-error') return false;
    // Asked already from this checkpoint.
    if (runsHere && checkpoint === committed) return false;
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

  /** True when a commit in this process woke it, false when the timer did. */
  private nextWake(ms: number): Promise<boolean> {
    const commits = this.options.commits;
    if (!commits) return sleep(ms).then(() => false);
    // The next commit or the timer, whichever comes first (merge, not race: commits that have ended
    // must leave the timer to answer, not end the wait at once). An AbortController per wait cost ~3 %
    // of the CPU under HTTP load: aborting one builds a DOMException, stack trace included.
    return firstValueFrom(merge(commits.pipe(map(() => true)), timer(ms).pipe(map(() => false))));
  }
}
