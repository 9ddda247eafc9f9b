import type { JsonValue } from '@pc/event-store';
import type { NormalizedTable } from './schema';

/** A column value as projections see it. json columns hold any JSON value. */
export type CellValue = JsonValue;
export type Row = Record<string, CellValue>;
/** Primary-key values of one row, by column name. */
export type RowKey = Record<string, string | number | boolean>;

/** Rows of every table of one projection, in canonical (primary-key) order. */
export type TableDump = Record<string, Row[]>;

/** A stable string identity of a key, for maps. Column order follows the table's primary key. */
export function keyId(table: NormalizedTable, key: RowKey): string {
  return JSON.stringify(table.primaryKey.map((column) => key[column]));
}

export function keyOf(table: NormalizedTable, row: Row): RowKey {
  const key: RowKey = {};
  for (const column of table.primaryKey) key[column] = row[column] as string | number | boolean;
  return key;
}

/** Sorts object keys recursively, so two equal JSON values print identically on every dialect. */
export function canonicalJson(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value !== null && typeof value === 'object') {
    const sorted: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) sorted[key] = canonicalJson(value[key]);
    return sorted;
  }
  return value;
}

/** A row with every declared column present (null when absent) in declaration order. */
export function canonicalRow(table: NormalizedTable, row: Row): Row {
  const out: Row = {};
  for (const column of table.columns) {
    const value = row[column.name];
    out[column.name] = value === undefined ? null : column.type === 'json' ? canonicalJson(value) : value;
  }
  return out;
}

function compareCells(a: CellValue, b: CellValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);
  // Code-unit order, never locale collation: the dump order must not depend on the database's locale.
  return left < right ? -1 : left > right ? 1 : 0;
}

export function compareByKey(table: NormalizedTable, a: Row, b: Row): number {
  for (const column of table.primaryKey) {
    const order = compareCells(a[column], b[column]);
    if (order !== 0) return order;
  }
  return 0;
}

export function sortRows(table: NormalizedTable, rows: Row[]): Row[] {
  return rows.map((row) => canonicalRow(table, row)).sort((a, b) => compareByKey(table, a, b));
}
