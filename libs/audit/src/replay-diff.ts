import { canonicalJson } from '@pc/pipeline';
import { type Projection, type Row, type RowKey, type TableDump, keyId, keyOf } from '@pc/projections';

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
 * Row-by-row comparison of a replay with the live tables. Rows are compared as canonical JSON (the
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
    const index = (rows: Row[]) => new Map(rows.map((row) => [keyId(table, keyOf(table, row)), row]));
    const expected = index(replayed[table.name] ?? []);
    const actual = index(live[table.name] ?? []);
    const rows: RowDifference[] = [];
    const note = (kind: RowDifferenceKind, liveRow: Row | null, rebuilt: Row | null) => {
      if (rows.length >= EXAMPLES) return;
      const row = (liveRow ?? rebuilt) as Row;
      const columns = liveRow && rebuilt ? differingColumns(liveRow, rebuilt) : [];
      rows.push({ kind, key: keyOf(table, row), columns, live: liveRow, rebuilt, events: [], eventCount: 0 });
    };
    let missingInLive = 0;
    let changed = 0;
    for (const [id, row] of expected) {
      const found = actual.get(id);
      if (found === undefined) {
        missingInLive++;
        note('missing-in-live', null, row);
      } else if (canonicalJson(found) !== canonicalJson(row)) {
        changed++;
        note('changed', found, row);
      }
    }
    let extraInLive = 0;
    for (const [id, row] of actual) {
      if (!expected.has(id)) {
        extraInLive++;
        note('extra-in-live', row, null);
      }
    }
    if (missingInLive + extraInLive + changed > 0) {
      differences.push({
        table: table.name,
        missingInLive,
        extraInLive,
        changed,
        exampleKeys: rows.map((row) => keyId(table, row.key)),
        rows,
      });
    }
  }
  return differences;
}
