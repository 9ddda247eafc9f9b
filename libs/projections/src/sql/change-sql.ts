import type { Change } from '../definition/changes';
import type { CellValue } from '../definition/rows';
import type { NormalizedTable } from '../definition/schema';
import { quote, type Dialect } from './dialect';

export interface Statement {
  text: string;
  params: unknown[];
}

/**
 * Statement text depends only on the target table, the operation and the columns involved (never on
 * the values), so it is cached per dialect: a rebuild otherwise rebuilt the same strings for every
 * change. Keyed by dialect object because PostgreSQL dialects are per schema. Cleared when it grows
 * past a bound, since each rebuild generation brings new physical table names.
 */
const textCache = new WeakMap<Dialect, Map<string, string>>();
const MAX_CACHED_TEXTS = 2_000;

function cachedText(dialect: Dialect, shape: string, build: () => string): string {
  let texts = textCache.get(dialect);
  if (texts === undefined) {
    texts = new Map();
    textCache.set(dialect, texts);
  }
  let text = texts.get(shape);
  if (text === undefined) {
    if (texts.size >= MAX_CACHED_TEXTS) texts.clear();
    text = build();
    texts.set(shape, text);
  }
  return text;
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
  const encode = (column: string, value: CellValue | undefined): unknown =>
    dialect.encode(table.columnsByName.get(column)?.type ?? 'text', value);
  // Placeholders are numbered in parameter order, so a text built once fits every change of that shape.
  const placeholders = (columns: string[], first: number): string[] =>
    columns.map((_, i) => dialect.placeholder(first + i));
  const conditions = (columns: string[], first: number): string =>
    columns.map((column, i) => `${quote(column)} = ${dialect.placeholder(first + i)}`).join(' AND ');
  const shape = (columns: string[]): string => `${physical}\u0000${change.op}\u0000${columns.join('\u0000')}`;
  const conflict = (): string => table.primaryKey.map(quote).join(', ');
  switch (change.op) {
    case 'upsert': {
      const values = Object.keys(change.values);
      const columns = [...table.primaryKey, ...values];
      const params = columns.map((column) => encode(column, change.key[column] ?? change.values[column]));
      const text = cachedText(dialect, shape(columns), () => {
        const update = values.length
          ? `DO UPDATE SET ${values.map((column) => `${quote(column)} = excluded.${quote(column)}`).join(', ')}`
          : 'DO NOTHING';
        return `INSERT INTO ${dialect.qualify(physical)} (${columns.map(quote).join(', ')}) VALUES (${placeholders(columns, 1).join(', ')}) ON CONFLICT (${conflict()}) ${update}`;
      });
      return { text, params };
    }
    case 'patch': {
      const values = Object.keys(change.values);
      if (values.length === 0) return null;
      const keys = Object.keys(change.key);
      const params = [
        ...values.map((column) => encode(column, change.values[column])),
        ...keys.map((column) => encode(column, change.key[column])),
      ];
      // The key columns are part of the shape: their order decides the parameter order.
      const text = cachedText(dialect, shape([...values, '', ...keys]), () => {
        const set = values.map((column, i) => `${quote(column)} = ${dialect.placeholder(1 + i)}`).join(', ');
        return `UPDATE ${dialect.qualify(physical)} SET ${set} WHERE ${conditions(keys, values.length + 1)}`;
      });
      return { text, params };
    }
    case 'increment': {
      const deltas = Object.keys(change.deltas);
      const initial = Object.keys(change.initial ?? {}).filter((column) => !(column in change.deltas));
      const columns = [...table.primaryKey, ...deltas, ...initial];
      const params = columns.map((column) =>
        encode(column, change.key[column] ?? change.deltas[column] ?? change.initial?.[column]),
      );
      const text = cachedText(dialect, shape([...table.primaryKey, '', ...deltas, '', ...initial]), () => {
        const update = deltas.length
          ? `DO UPDATE SET ${deltas.map((c) => `${quote(c)} = COALESCE(cur.${quote(c)}, 0) + excluded.${quote(c)}`).join(', ')}`
          : 'DO NOTHING';
        return `INSERT INTO ${dialect.qualify(physical)} AS cur (${columns.map(quote).join(', ')}) VALUES (${placeholders(columns, 1).join(', ')}) ON CONFLICT (${conflict()}) ${update}`;
      });
      return { text, params };
    }
    case 'delete':
    case 'deleteWhere': {
      const values = change.op === 'delete' ? change.key : change.where;
      const columns = Object.keys(values);
      const params = columns.map((column) => encode(column, values[column]));
      const text = cachedText(
        dialect,
        shape(columns),
        () => `DELETE FROM ${dialect.qualify(physical)} WHERE ${conditions(columns, 1)}`,
      );
      return { text, params };
    }
  }
}
