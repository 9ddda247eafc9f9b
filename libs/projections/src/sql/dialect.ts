import { createHash } from 'node:crypto';
import type { CellValue } from '../definition/rows';
import type { ColumnType } from '../definition/schema';

export type DialectName = 'sqlite' | 'postgres';

/** The few places where SQLite and PostgreSQL differ for the read-model runtime. */
export interface Dialect {
  readonly name: DialectName;
  /** `"name"` in SQLite, `"schema"."name"` in PostgreSQL. */
  qualify(name: string): string;
  placeholder(index: number): string;
  columnType(type: ColumnType): string;
  encode(type: ColumnType, value: CellValue | undefined): unknown;
  decode(type: ColumnType, value: unknown): CellValue;
}

export function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** PostgreSQL truncates identifiers at 63 bytes; long derived names keep a hash to stay unique. */
export function physicalName(name: string): string {
  if (name.length <= 63) return name;
  return `${name.slice(0, 50)}_${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

function encodeCommon(type: ColumnType, value: CellValue | undefined): unknown {
  if (value === undefined || value === null) return null;
  // Always stringify json ourselves: pg would turn JS arrays into PostgreSQL arrays, not jsonb.
  if (type === 'json') return JSON.stringify(value);
  return value;
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  qualify: (name) => quote(name),
  placeholder: () => '?',
  columnType: (type) =>
    ({ text: 'TEXT', integer: 'INTEGER', real: 'REAL', boolean: 'INTEGER', json: 'TEXT' })[type],
  encode(type, value) {
    if (type === 'boolean' && typeof value === 'boolean') return value ? 1 : 0;
    return encodeCommon(type, value);
  },
  decode(type, value) {
    if (value === null || value === undefined) return null;
    if (type === 'boolean') return value === 1 || value === true;
    if (type === 'json') return JSON.parse(String(value)) as CellValue;
    return value as CellValue;
  },
};

export function postgresDialect(schema: string): Dialect {
  return {
    name: 'postgres',
    qualify: (name) => `${quote(schema)}.${quote(name)}`,
    placeholder: (index) => `$${index}`,
    // Text columns compare by code point (`COLLATE "C"`), as SQLite's BINARY does, whatever the
    // database's collation: an ORDER BY, a keyset comparison or an index on them then gives the same
    // order on both stores (a locale put 'émile' before 'zeta' and 'a-c' after 'ab' on PostgreSQL only).
    columnType: (type) =>
      ({
        text: 'text COLLATE "C"',
        integer: 'bigint',
        real: 'double precision',
        boolean: 'boolean',
        json: 'jsonb',
      })[type],
    encode: encodeCommon,
    decode(type, value) {
      if (value === null || value === undefined) return null;
      // int8 arrives as a string unless a type parser is set; accept both.
      if (type === 'integer' && typeof value === 'string') return Number(value);
      return value as CellValue;
    },
  };
}
