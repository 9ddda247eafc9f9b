import type { CellValue, Row, RowKey } from '../definition/rows';
import type { NormalizedTable } from '../definition/schema';
import { quote, type Dialect } from '../sql/dialect';

/**
 * The primary-key order `ReadModelStore.readRows` returns rows in, identical on both dialects and
 * whatever the database's collation: integers numerically, false before true, and text by its UTF-8
 * bytes (SQLite's default BINARY collation; `COLLATE "C"` in PostgreSQL), which is Unicode code
 * point order. A locale collation would put 'a' before 'B' or 'é' before 'f' on one side only, and a
 * merge of two ordered streams would then see rows missing on both sides that are in fact equal.
 */
export function compareKeyValues(a: CellValue, b: CellValue): number {
  const left = rank(a);
  const right = rank(b);
  if (left !== right) return left - right;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Rows (or keys) by their primary-key columns, in the order of `compareKeyValues`. */
export function compareRowKeys(table: NormalizedTable, a: Row | RowKey, b: Row | RowKey): number {
  for (const column of table.primaryKey) {
    const order = compareKeyValues(a[column] as CellValue, b[column] as CellValue);
    if (order !== 0) return order;
  }
  return 0;
}

// SQLite sorts numbers (and booleans, stored 0/1) before text; PostgreSQL never mixes them in a column.
function rank(value: CellValue): number {
  return typeof value === 'string' ? 1 : 0;
}

/**
 * Code point order (= UTF-8 byte order) of two JS strings. UTF-16 code units already sort that way
 * except a surrogate (U+D800–U+DFFF, half of a character above U+FFFF) against U+E000–U+FFFF: the
 * surrogate is the larger character. Shifting both ranges fixes that without allocating.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixUp(x) - fixUp(y);
  }
  return a.length - b.length;
}

function fixUp(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/**
 * The primary-key columns as expressions sorting in that order, for `ORDER BY` and keyset
 * comparisons. SQLite: the bare columns, whose collation is BINARY (the DDL declares none), so the
 * primary key's index serves the order and a row-value range `(a, b) > (?, ?)` (an explicit
 * `COLLATE BINARY` would keep SQLite from seeking on the second column). PostgreSQL: text
 * `COLLATE "C"`, since the database's collation may be a locale.
 */
export function primaryKeyExpressions(dialect: Dialect, table: NormalizedTable): string[] {
  return table.primaryKey.map((column) => {
    const text = table.columnsByName.get(column)?.type === 'text';
    return text && dialect.name === 'postgres' ? `${quote(column)} COLLATE "C"` : quote(column);
  });
}
