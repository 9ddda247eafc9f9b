import type { ReadModelStore } from '@pc/projections';
import { Subject, type Observable } from 'rxjs';

/** A read model moved: which one, to which position, for which partners ('all': every dashboard). */
export interface ReadModelChange {
  projection: string;
  position: string;
  partnerIds: string[] | 'all';
}

/**
 * Change notifications when the projector runs in another process: there is no in-process
 * `changes$`, so the live checkpoints are polled from the store. The partners concerned are not
 * known this way, so each move is announced to every dashboard (they re-read what they show; the
 * announcement carries no data of any tenant).
 */
export class PolledChanges {
  private readonly subject = new Subject<ReadModelChange>();
  readonly changes$: Observable<ReadModelChange> = this.subject.asObservable();
  private readonly seen = new Map<string, string | null>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly store: ReadModelStore,
    private readonly projections: readonly string[],
    private readonly intervalMs: number,
  ) {}

  start(): void {
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
        const previous = this.seen.get(name);
        this.seen.set(name, position);
        // The first poll only learns where things are; moves after it are announced.
        if (previous !== undefined && position !== null && position !== previous) {
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
