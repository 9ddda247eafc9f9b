import type { Change } from '../definition/changes';
import type { CellValue } from '../definition/rows';
import type { NormalizedTable } from '../definition/schema';
import { quote, type Dialect } from './dialect';

export interface Statement {
  text: string;
  params: unknown[];
}

/**
 * One change as one statement. Upsert and increment rely on INSERT ... ON CONFLICT ... DO UPDATE,
 * which SQLite (3.24+) and PostgreSQL share, so both dialects get the very same semantics.
 */
export function changeStatement(
  dialect: Dialect,
  physical: string,
  table: NormalizedTable,
  change: Change,
): Statement | null {
  const target = dialect.qualify(physical);
  const params: unknown[] = [];
  const bind = (column: string, value: CellValue | undefined): string => {
    params.push(dialect.encode(table.columnsByName.get(column)?.type ?? 'text', value));
    return dialect.placeholder(params.length);
  };
  const where = (values: Record<string, CellValue>): string =>
    Object.entries(values)
      .map(([column, value]) => `${quote(column)} = ${bind(column, value)}`)
      .join(' AND ');
  const conflict = table.primaryKey.map(quote).join(', ');
  switch (change.op) {
    case 'upsert': {
      const values = Object.keys(change.values);
      const columns = [...table.primaryKey, ...values];
      const placeholders = columns.map((column) => bind(column, change.key[column] ?? change.values[column]));
      const update = values.length
        ? `DO UPDATE SET ${values.map((column) => `${quote(column)} = excluded.${quote(column)}`).join(', ')}`
        : 'DO NOTHING';
      return {
        text: `INSERT INTO ${target} (${columns.map(quote).join(', ')}) VALUES (${placeholders.join(', ')}) ON CONFLICT (${conflict}) ${update}`,
        params,
      };
    }
    case 'patch': {
      const values = Object.entries(change.values);
      if (values.length === 0) return null;
      const set = values.map(([column, value]) => `${quote(column)} = ${bind(column, value)}`).join(', ');
      return { text: `UPDATE ${target} SET ${set} WHERE ${where(change.key)}`, params };
    }
    case 'increment': {
      const deltas = Object.keys(change.deltas);
      const initial = Object.keys(change.initial ?? {}).filter((column) => !(column in change.deltas));
      const columns = [...table.primaryKey, ...deltas, ...initial];
      const placeholders = columns.map((column) =>
        bind(column, change.key[column] ?? change.deltas[column] ?? change.initial?.[column]),
      );
      const update = deltas.length
        ? `DO UPDATE SET ${deltas.map((c) => `${quote(c)} = COALESCE(cur.${quote(c)}, 0) + excluded.${quote(c)}`).join(', ')}`
        : 'DO NOTHING';
      return {
        text: `INSERT INTO ${target} AS cur (${columns.map(quote).join(', ')}) VALUES (${placeholders.join(', ')}) ON CONFLICT (${conflict}) ${update}`,
        params,
      };
    }
    case 'delete':
      return { text: `DELETE FROM ${target} WHERE ${where(change.key)}`, params };
    case 'deleteWhere':
      return { text: `DELETE FROM ${target} WHERE ${where(change.where)}`, params };
  }
}
