import type { Projection } from '../definition/projection';
import { canonicalRow, sortRows, type Row, type RowKey, type TableDump } from '../definition/rows';
import type { NormalizedTable } from '../definition/schema';
import { generationTableName } from '../sql/ddl';
import { quote, type Dialect } from '../sql/dialect';
import { sql, type RawSql } from '../sql/sql';
import type { TableRef } from './read-model-store';

export function decodeRow(dialect: Dialect, table: NormalizedTable, raw: Record<string, unknown>): Row {
  const row: Row = {};
  for (const column of table.columns) row[column.name] = dialect.decode(column.type, raw[column.name]);
  return row;
}

/** Rows as `dumpTables` hands them out: decoded, every declared column present, json canonical. */
export function decodeRows(dialect: Dialect, table: NormalizedTable, raw: Record<string, unknown>[]): Row[] {
  return raw.map((row) => canonicalRow(table, decodeRow(dialect, table, row)));
}

export function checkPageSize(pageSize: number): number {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`readRows: pageSize must be a positive integer, got ${pageSize}`);
  }
  return pageSize;
}

export function selectByKey(dialect: Dialect, physical: string, table: NormalizedTable, key: RowKey) {
  const params = table.primaryKey.map((column) =>
    dialect.encode(table.columnsByName.get(column)?.type ?? 'text', key[column]),
  );
  const where = table.primaryKey
    .map((column, i) => `${quote(column)} = ${dialect.placeholder(i + 1)}`)
    .join(' AND ');
  return { text: `SELECT * FROM ${dialect.qualify(physical)} WHERE ${where}`, params };
}

export function tableRef(dialect: Dialect, projection: string, generation: number): TableRef {
  const ref = (table: string): RawSql =>
    sql.raw(dialect.qualify(generationTableName(projection, table, generation)));
  // Extra objects follow the same naming as tables (see ExtraDdlContext.object).
  ref.object = (name: string): RawSql =>
    sql.raw(dialect.qualify(generationTableName(projection, name, generation)));
  return ref;
}

export function dumpFrom(
  dialect: Dialect,
  projection: Projection,
  generation: number,
  selectAll: (qualifiedTable: string) => Record<string, unknown>[] | Promise<Record<string, unknown>[]>,
): Promise<TableDump> {
  return (async () => {
    const dump: TableDump = {};
    for (const table of projection.tables.values()) {
      const raw = await selectAll(
        dialect.qualify(generationTableName(projection.name, table.name, generation)),
      );
      dump[table.name] = sortRows(
        table,
        raw.map((row) => decodeRow(dialect, table, row)),
      );
    }
    return dump;
  })();
}

export function projectionName(projection: Projection | string): string {
  return typeof projection === 'string' ? projection : projection.name;
}

export function nowIso(): string {
  return new Date().toISOString();
}

/** A missing table: the generation was swapped and dropped between resolving its name and querying. */
export function isMissingTable(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  const message = (error as { message?: unknown } | null)?.message;
  return code === '42P01' || (typeof message === 'string' && /no such table/i.test(message));
}
