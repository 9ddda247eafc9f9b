import { SingleBar } from 'cli-progress';
import type { Position } from '@pc/event-store';

export interface Progress {
  update(done: number, detail?: string): void;
  stop(): void;
}

const silent: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar on stderr, only when stderr is a terminal: stdout stays clean for pipes, and logs
 * of CI jobs do not fill with redraws. `total` may be unknown (a counter without a bar).
 */
export function progressBar(label: string, total: number | undefined): Progress {
  if (!process.stderr.isTTY) return silent;
  const format =
    total === undefined
      ? `${label} {value} events {detail}`
      : `${label} |{bar}| {percentage}% {value}/{total} events {detail}`;
  const bar = new SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: true });
  bar.start(total ?? 0, 0, { detail: '' });
  return {
    update: (done, detail = '') => bar.update(done, { detail }),
    stop: () => bar.stop(),
  };
}

/**
 * Positions are opaque, but the SQL adapters' are the dense global sequence: when the head looks like
 * one, it estimates the number of events — good enough to draw a bar, never used for anything else.
 */
export function estimateEvents(head: Position | null): number | undefined {
  if (head === null) return 0;
  if (!/^\d{1,15}$/.test(head.replace(/^0+(?=\d)/, ''))) return undefined;
  return Number(head);
}
