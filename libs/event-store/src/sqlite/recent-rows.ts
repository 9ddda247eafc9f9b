import type { NormalisedFilter } from '../shared/validation';
import { startsWithAny, type EventRow } from './sqlite-schema';

/**
 * The rows this process appended most recently, in position order, with no gap: live subscriptions
 * (every projection, the scheduler, SSE) read exactly these right after each append, so serving them
 * from memory spares one SQL scan per subscriber per append.
 *
 * Only a contiguous run is kept: when a row does not follow the last one (another process sharing
 * the file appended in between) the run restarts at it. The owner drops the run whenever another
 * connection may have written past it (`PRAGMA data_version` moved), so a read answered from here is
 * exactly what the same read in SQL would return. Rows are kept as stored (JSON text); each reader
 * parses its own copy, as it would from SQL.
 */
export class RecentRows {
  private rows: EventRow[] = [];
  /** Index of the oldest kept row in `rows` (rows before it are spent and dropped in bulk). */
  private start = 0;

  constructor(private readonly capacity: number) {}

  get first(): number | null {
    return this.start < this.rows.length ? this.rows[this.start].global_position : null;
  }

  get last(): number | null {
    return this.start < this.rows.length ? this.rows[this.rows.length - 1].global_position : null;
  }

  add(row: EventRow): void {
    if (this.capacity <= 0) return;
    const last = this.last;
    if (last !== null && row.global_position !== last + 1) this.clear();
    this.rows.push(row);
    if (this.rows.length - this.start > this.capacity) this.start++;
    // Compact now and then instead of shifting on every append.
    if (this.start >= this.capacity) {
      this.rows = this.rows.slice(this.start);
      this.start = 0;
    }
  }

  clear(): void {
    this.rows = [];
    this.start = 0;
  }

  /**
   * Forwards read of the rows strictly after `after`, or undefined when this run cannot answer it
   * (it starts later than the read needs). The caller must know nothing was written past `last`.
   */
  readForwards(after: number, limit: number, filter: NormalisedFilter): EventRow[] | undefined {
    const first = this.first;
    if (first === null || after + 1 < first) return undefined;
    const out: EventRow[] = [];
    const max = limit < 0 ? Infinity : limit;
    for (let i = this.start + Math.max(0, after + 1 - first); i < this.rows.length && out.length < max; i++) {
      const row = this.rows[i];
      if (matches(row, filter)) out.push(row);
    }
    return out;
  }
}

function matches(row: EventRow, filter: NormalisedFilter): boolean {
  const { eventTypePrefixes: types, streamNamePrefixes: streams } = filter;
  return (!types || startsWithAny(row.type, types)) && (!streams || startsWithAny(row.stream_name, streams));
}
