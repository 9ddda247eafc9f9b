import type { CellValue, Row, RowKey } from './rows';

/**
 * The change language a projection speaks. Small on purpose: every operation maps to one
 * statement with identical semantics on SQLite and PostgreSQL, and to a few lines of in-memory
 * code for tests.
 */
export type Change =
  /** Insert the row, or set the given columns on the existing one (other columns keep their values). */
  | { op: 'upsert'; table: string; key: RowKey; values: Row }
  /** Set the given columns when the row exists; nothing otherwise. */
  | { op: 'patch'; table: string; key: RowKey; values: Row }
  /**
   * Add the deltas to numeric columns (a null column counts as 0). When the row is missing it is
   * inserted with the deltas as values, plus `initial` for the other columns.
   */
  | { op: 'increment'; table: string; key: RowKey; deltas: Record<string, number>; initial?: Row }
  /** Delete the row when it exists. */
  | { op: 'delete'; table: string; key: RowKey }
  /** Delete every row whose columns equal the given values (e.g. all rows of one customer). */
  | { op: 'deleteWhere'; table: string; where: Record<string, CellValue> };

/** Builders, so projections read as sentences: `[upsert('clients', { id }, { name })]`. */
export const upsert = (table: string, key: RowKey, values: Row = {}): Change => ({
  op: 'upsert',
  table,
  key,
  values,
});
export const patch = (table: string, key: RowKey, values: Row): Change => ({
  op: 'patch',
  table,
  key,
  values,
});
export const increment = (
  table: string,
  key: RowKey,
  deltas: Record<string, number>,
  initial?: Row,
): Change => ({ op: 'increment', table, key, deltas, initial });
export const remove = (table: string, key: RowKey): Change => ({ op: 'delete', table, key });
export const removeWhere = (table: string, where: Record<string, CellValue>): Change => ({
  op: 'deleteWhere',
  table,
  where,
});
