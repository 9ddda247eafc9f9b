import type { ReadModelStore } from '@pc/projections';
import { Subject, type Observable } from 'rxjs';

/** A read model moved: which one, to which position, for which partners ('all': every dashboard). */
export interface ReadModelChange {
  projection: string;
  position: string;
  partnerIds: string[] | 'all';
}

/**
 * Change notifications for projections another process runs (a separate projector, or the replica
 * holding the lease): their commits never reach this process's `changes$`, so their live
 * checkpoints are polled from the store. The partners concerned are not known this way, so each move
 * is announced to every dashboard (they re-read what they show; the announcement carries no data of
 * any tenant). `elsewhere` tells which projections to announce now (default: all).
 */
export class PolledChanges {
  private readonly subject = new Subject<ReadModelChange>();
  readonly changes$: Observable<ReadModelChange> = this.subject.asObservable();
  private readonly seen = new Map<string, string | null>();
  /** Whether each projection ran elsewhere at the last look. */
  private readonly elsewhereBefore = new Map<string, boolean>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly store: ReadModelStore,
    private readonly projections: readonly string[],
    private readonly intervalMs: number,
    private readonly elsewhere: (projection: string) => boolean = () => true,
  ) {}

  /**
   * Learns where every projection is before the service answers requests, then polls: a move made
   * between the start and a late first poll (a busy start-up) was never announced.
   */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.subject.complete();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const generations = await this.store.listGenerations();
      for (const name of this.projections) {
        const live = generations.find((g) => g.projection === name && g.status === 'live');
        const position = live?.position ?? null;
        // A swap to a rebuilt generation at the same position is a change too.
        const where = live ? `${live.generation}:${position ?? ''}` : null;
        const previous = this.seen.get(name);
        this.seen.set(name, where);
        const elsewhere = this.elsewhere(name);
        const wasElsewhere = this.elsewhereBefore.get(name) ?? true;
        this.elsewhereBefore.set(name, elsewhere);
        // The first poll only learns where things are; moves after it are announced, unless this
        // process made them all (it ran the projection at both looks: its runner announced them, with
        // the partners concerned). Around a lease moving in or out, the move is announced.
        if (
          previous !== undefined &&
          position !== null &&
          where !== previous &&
          (elsewhere || wasElsewhere)
        ) {
          this.subject.next({ projection: name, position, partnerIds: 'all' });
        }
      }
    } catch {
      // The store is unreachable for a moment (readiness reports it); the next poll tries again.
    } finally {
      this.polling = false;
    }
  }
}
