import { canonicalJson } from '@pc/pipeline';
import {
  type NormalizedTable,
  type Projection,
  type ReadModelStore,
  type Row,
  type RowKey,
  type TableDump,
  compareRowKeys,
  keyId,
  keyOf,
} from '@pc/projections';

/** An event of the history, named as an auditor looks it up (by position or id, then stream@revision). */
export interface EventRef {
  position: string;
  id: string;
  type: string;
  streamName: string;
  revision: number;
  commandType: string | null;
  occurredAt: string | null;
}

export type RowDifferenceKind = 'changed' | 'missing-in-live' | 'extra-in-live';

/** One row that differs, with both sides and the events that produced it. */
export interface RowDifference {
  kind: RowDifferenceKind;
  key: RowKey;
  /** The columns whose values differ ('changed' only; empty when the whole row is missing or extra). */
  columns: string[];
  live: Row | null;
  rebuilt: Row | null;
  /** The last events whose changes touched this key in the replay, oldest first. */
  events: EventRef[];
  /** How many events touched the key in all (events lists at most a few). */
  eventCount: number;
}

export interface TableDifference {
  table: string;
  /** Rows the replay produced that the live table lacks. */
  missingInLive: number;
  /** Rows the live table has that the replay did not produce. */
  extraInLive: number;
  /** Rows present in both with different values. */
  changed: number;
  /** A few primary keys (as keyId JSON), to start the investigation from. */
  exampleKeys: string[];
  /** The first differing rows in key order (as many as exampleKeys), with both sides. */
  rows: RowDifference[];
}

const EXAMPLES = 5;

function differingColumns(live: Row, rebuilt: Row): string[] {
  const columns = new Set([...Object.keys(live), ...Object.keys(rebuilt)]);
  return [...columns].filter(
    (column) => canonicalJson(live[column] ?? null) !== canonicalJson(rebuilt[column] ?? null),
  );
}

/**
 * The differences of one table, fed its rows in primary-key order (a merge of the two sides): keeps
 * three counters and at most EXAMPLES rows of each of two kinds, never the rows themselves, so it
 * holds the same few rows for a table of ten rows or ten million. The report is the one a
 * comparison of two whole dumps would give: the first missing or changed rows in key order, then,
 * if fewer than EXAMPLES, the first extra ones.
 */
export class TableDiffer {
  private missingInLive = 0;
  private extraInLive = 0;
  private changed = 0;
  /** The first 'missing-in-live' and 'changed' rows, in key order. */
  private readonly fromReplay: RowDifference[] = [];
  /** The first 'extra-in-live' rows, in key order. */
  private readonly fromLive: RowDifference[] = [];

  constructor(readonly table: NormalizedTable) {}

  /** A key on both sides. */
  both(rebuilt: Row, live: Row): void {
    if (canonicalJson(live) === canonicalJson(rebuilt)) return;
    this.changed++;
    this.note(this.fromReplay, 'changed', live, rebuilt);
  }

  /** A key only the replay has. */
  onlyRebuilt(rebuilt: Row): void {
    this.missingInLive++;
    this.note(this.fromReplay, 'missing-in-live', null, rebuilt);
  }

  /** A key only the live table has. */
  onlyLive(live: Row): void {
    this.extraInLive++;
    this.note(this.fromLive, 'extra-in-live', live, null);
  }

  private note(into: RowDifference[], kind: RowDifferenceKind, live: Row | null, rebuilt: Row | null): void {
    if (into.length >= EXAMPLES) return;
    const row = (live ?? rebuilt) as Row;
    const columns = live && rebuilt ? differingColumns(live, rebuilt) : [];
    into.push({ kind, key: keyOf(this.table, row), columns, live, rebuilt, events: [], eventCount: 0 });
  }

  /** null when the table is identical. */
  result(): TableDifference | null {
    const { missingInLive, extraInLive, changed } = this;
    if (missingInLive + extraInLive + changed === 0) return null;
    const rows = [...this.fromReplay, ...this.fromLive].slice(0, EXAMPLES);
    return {
      table: this.table.name,
      missingInLive,
      extraInLive,
      changed,
      exampleKeys: rows.map((row) => keyId(this.table, row.key)),
      rows,
    };
  }
}

/** One side's pages as a stream of rows, checked to come in strictly increasing key order. */
class RowCursor {
  private page: Row[] = [];
  private index = 0;
  private finished = false;
  private last: Row | undefined;

  constructor(
    private readonly table: NormalizedTable,
    private readonly side: string,
    private readonly iterator: AsyncIterator<Row[]>,
  ) {}

  async peek(): Promise<Row | undefined> {
    while (this.index >= this.page.length) {
      if (this.finished) return undefined;
      this.page = [];
      const next = await this.iterator.next();
      if (next.done) {
        this.finished = true;
        return undefined;
      }
      this.page = next.value;
      this.index = 0;
    }
    return this.page[this.index];
  }

  /** Moves past the row peek() returned. */
  advance(): void {
    const row = this.page[this.index++];
    // A merge is only right over the same total order on both sides (see compareRowKeys): a store
    // that sorts otherwise (a locale collation) must fail the check, not report phantom differences.
    if (this.last !== undefined && compareRowKeys(this.table, this.last, row) >= 0) {
      throw new Error(
        `${this.side} rows of table '${this.table.name}' are not in primary-key order: ${keyId(this.table, keyOf(this.table, row))} after ${keyId(this.table, keyOf(this.table, this.last))}`,
      );
    }
    this.last = row;
  }

  async close(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      await this.iterator.return?.();
    }
  }
}

/**
 * Merge join of one table's two sides, each in primary-key order (`ReadModelStore.readRows`): holds
 * one page per side, whatever the size of the table.
 */
export async function compareTableStreams(
  table: NormalizedTable,
  rebuilt: AsyncIterable<Row[]>,
  live: AsyncIterable<Row[]>,
  signal?: AbortSignal,
): Promise<TableDifference | null> {
  const differ = new TableDiffer(table);
  const expected = new RowCursor(table, 'Rebuilt', rebuilt[Symbol.asyncIterator]());
  const actual = new RowCursor(table, 'Live', live[Symbol.asyncIterator]());
  try {
    for (;;) {
      if (signal?.aborted) signal.throwIfAborted();
      const replayRow = await expected.peek();
      const liveRow = await actual.peek();
      if (replayRow === undefined && liveRow === undefined) break;
      const order =
        replayRow === undefined ? 1 : liveRow === undefined ? -1 : compareRowKeys(table, replayRow, liveRow);
      if (order < 0) {
        differ.onlyRebuilt(replayRow as Row);
        expected.advance();
      } else if (order > 0) {
        differ.onlyLive(liveRow as Row);
        actual.advance();
      } else {
        differ.both(replayRow as Row, liveRow as Row);
        expected.advance();
        actual.advance();
      }
    }
  } finally {
    await Promise.all([expected.close(), actual.close()]);
  }
  return differ.result();
}

/** Each table of the projection, read page by page from both stores and compared (see compareTableStreams). */
export async function compareStores(
  projection: Projection,
  rebuilt: { store: ReadModelStore; generation: number },
  live: { store: ReadModelStore; generation: number },
  pageSize: number,
  signal?: AbortSignal,
): Promise<TableDifference[]> {
  const differences: TableDifference[] = [];
  for (const table of projection.tables.values()) {
    const difference = await compareTableStreams(
      table,
      rebuilt.store.readRows(projection, table.name, { pageSize, generation: rebuilt.generation }),
      live.store.readRows(projection, table.name, { pageSize, generation: live.generation }),
      signal,
    );
    if (difference) differences.push(difference);
  }
  return differences;
}

/**
 * Row-by-row comparison of a replay with the live tables, both dumped whole (small stores, tests;
 * replayCheck itself reads page by page, see compareStores). Rows are compared as canonical JSON (the
 * dumps are already decoded to the same JS values on both dialects), the first few differences kept
 * with both sides; `events` is filled in afterwards by the trace (replay-trace.ts).
 */
export function compareDumps(
  projection: Projection,
  replayed: TableDump,
  live: TableDump,
): TableDifference[] {
  const differences: TableDifference[] = [];
  for (const table of projection.tables.values()) {
    const sorted = (rows: Row[] | undefined) => [...(rows ?? [])].sort((a, b) => compareRowKeys(table, a, b));
    const expected = sorted(replayed[table.name]);
    const actual = sorted(live[table.name]);
    const differ = new TableDiffer(table);
    let i = 0;
    let j = 0;
    while (i < expected.length || j < actual.length) {
      const order =
        i === expected.length ? 1 : j === actual.length ? -1 : compareRowKeys(table, expected[i], actual[j]);
      if (order < 0) differ.onlyRebuilt(expected[i++]);
      else if (order > 0) differ.onlyLive(actual[j++]);
      else differ.both(expected[i++], actual[j++]);
    }
    const difference = differ.result();
    if (difference) differences.push(difference);
  }
  return differences;
}
