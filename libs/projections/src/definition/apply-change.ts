import type { Change } from './changes';
import type { Projection } from './projection';
import { keyId, type CellValue, type Row, type RowKey } from './rows';
import type { ColumnType, NormalizedTable } from './schema';

/** A change the schema does not allow: a bug in the projection, attributed to the event that produced it. */
export class InvalidChangeError extends Error {
  constructor(
    readonly projection: string,
    message: string,
  ) {
    super(`Projection '${projection}': ${message}`);
    this.name = 'InvalidChangeError';
  }
}

function fits(type: ColumnType, value: CellValue): boolean {
  switch (type) {
    case 'text':
      return typeof value === 'string';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'real':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'json':
      return value !== undefined;
  }
}

function checkValues(projection: string, table: NormalizedTable, values: Row, what: string): void {
  for (const [column, value] of Object.entries(values)) {
    const spec = table.columnsByName.get(column);
    if (!spec)
      throw new InvalidChangeError(projection, `${what} on '${table.name}' sets unknown column '${column}'`);
    if (table.primaryKey.includes(column)) {
      throw new InvalidChangeError(
        projection,
        `${what} on '${table.name}' sets key column '${column}' outside the key`,
      );
    }
    if (value === null ? !spec.nullable : !fits(spec.type, value)) {
      throw new InvalidChangeError(
        projection,
        `${what} on '${table.name}': ${JSON.stringify(value)} is not a valid ${spec.nullable ? 'nullable ' : ''}${spec.type} for '${column}'`,
      );
    }
  }
}

function checkKey(projection: string, table: NormalizedTable, key: RowKey, what: string): void {
  const given = Object.keys(key);
  if (given.length !== table.primaryKey.length || !table.primaryKey.every((column) => column in key)) {
    throw new InvalidChangeError(
      projection,
      `${what} on '${table.name}' must give exactly the key (${table.primaryKey.join(', ')}), got (${given.join(', ')})`,
    );
  }
  for (const column of table.primaryKey) {
    const spec = table.columnsByName.get(column);
    if (spec && !fits(spec.type, key[column])) {
      throw new InvalidChangeError(
        projection,
        `${what} on '${table.name}': key ${column}=${JSON.stringify(key[column])} is not a ${spec.type}`,
      );
    }
  }
}

/** Checks a change against the schema, so a bad projection fails on its event rather than in SQL. */
export function validateChange(projection: Projection, change: Change): NormalizedTable {
  const table = projection.tables.get(change.table);
  if (!table)
    throw new InvalidChangeError(projection.name, `${change.op} names unknown table '${change.table}'`);
  switch (change.op) {
    case 'upsert':
    case 'patch':
      checkKey(projection.name, table, change.key, change.op);
      checkValues(projection.name, table, change.values, change.op);
      break;
    case 'increment':
      checkKey(projection.name, table, change.key, change.op);
      checkValues(projection.name, table, change.initial ?? {}, change.op);
      for (const [column, delta] of Object.entries(change.deltas)) {
        const spec = table.columnsByName.get(column);
        if (!spec || (spec.type !== 'integer' && spec.type !== 'real') || table.primaryKey.includes(column)) {
          throw new InvalidChangeError(
            projection.name,
            `increment on '${table.name}': '${column}' is not a numeric column`,
          );
        }
        if (!fits(spec.type, delta)) {
          throw new InvalidChangeError(
            projection.name,
            `increment on '${table.name}': delta ${delta} is not a ${spec.type}`,
          );
        }
      }
      break;
    case 'delete':
      checkKey(projection.name, table, change.key, change.op);
      break;
    case 'deleteWhere':
      if (Object.keys(change.where).length === 0) {
        throw new InvalidChangeError(
          projection.name,
          `deleteWhere on '${table.name}' needs at least one column`,
        );
      }
      for (const [column, value] of Object.entries(change.where)) {
        const spec = table.columnsByName.get(column);
        if (!spec || spec.type === 'json' || value === null || !fits(spec.type, value)) {
          throw new InvalidChangeError(
            projection.name,
            `deleteWhere on '${table.name}': bad condition on '${column}'`,
          );
        }
      }
      break;
  }
  return table;
}

/**
 * A row nobody else holds: json cells (arrays, objects) are deep-copied, everything else is a primitive.
 * Cheaper than structuredClone of the whole row, and only paid where rows outlive the call: rows kept in
 * memory (RowMaps) and rows handed to a projection that may mutate them (BatchView.get).
 */
export function copyRow(row: Row): Row {
  const copy: Row = {};
  for (const column in row) {
    const value = row[column];
    copy[column] = value !== null && typeof value === 'object' ? structuredClone(value) : value;
  }
  return copy;
}

/**
 * The NOT NULL column a new row built from `key` and `values` would leave empty, if any: the rule the
 * databases enforce, so in-memory tests fail where production would.
 */
export function missingNotNull(table: NormalizedTable, key: RowKey, values: Row): string | undefined {
  return table.columns.find(
    (column) => !column.nullable && (key[column.name] ?? values[column.name] ?? null) === null,
  )?.name;
}

/**
 * Upserts and increments are INSERT ... ON CONFLICT: SQLite and PostgreSQL check NOT NULL on the row
 * to insert before the conflict turns it into an update, so they refuse one that leaves a NOT NULL
 * column out even when the row exists. Checked whether or not it does, for the same reason.
 */
function checkInsertable(table: NormalizedTable, key: RowKey, values: Row): void {
  const missing = missingNotNull(table, key, values);
  if (missing !== undefined) throw new Error(`NOT NULL constraint failed: ${table.name}.${missing}`);
}

function fresh(table: NormalizedTable, key: RowKey, values: Row): Row {
  const row: Row = {};
  for (const column of table.columns) row[column.name] = null;
  Object.assign(row, key);
  Object.assign(row, values);
  return row;
}

export function matchesWhere(row: Row, where: Record<string, CellValue>): boolean {
  return Object.entries(where).every(([column, value]) => row[column] === value);
}

/**
 * The effect of one change on one row (undefined = no row), for a change known to target it. Never
 * mutates `row`, but the result may share json values with `row` and the change: callers that keep it
 * or hand it out copy it (copyRow). The SQL stores only encode it, so they skip the copy.
 */
export function applyToRow(table: NormalizedTable, row: Row | undefined, change: Change): Row | undefined {
  switch (change.op) {
    case 'upsert':
      checkInsertable(table, change.key, change.values);
      return row ? merge(row, change.values) : fresh(table, change.key, change.values);
    case 'patch':
      return row ? merge(row, change.values) : undefined;
    case 'increment': {
      const inserted = { ...change.initial, ...change.deltas };
      checkInsertable(table, change.key, inserted);
      if (!row) return fresh(table, change.key, inserted);
      const next = { ...row };
      for (const [column, delta] of Object.entries(change.deltas))
        next[column] = ((row[column] as number | null) ?? 0) + delta;
      return next;
    }
    case 'delete':
      return undefined;
    case 'deleteWhere':
      return row && matchesWhere(row, change.where) ? undefined : row;
  }
}

function merge(row: Row, values: Row): Row {
  return { ...row, ...values };
}

/** Rows of one projection held in maps: the in-memory store, and the overlay of a batch in flight. */
export class RowMaps {
  private readonly tables = new Map<string, Map<string, Row>>();

  constructor(private readonly projection: Projection) {
    for (const name of projection.tables.keys()) this.tables.set(name, new Map());
  }

  get(tableName: string, key: RowKey): Row | undefined {
    const table = this.projection.table(tableName);
    const row = this.tables.get(tableName)?.get(keyId(table, key));
    return row ? copyRow(row) : undefined;
  }

  apply(change: Change): void {
    const table = validateChange(this.projection, change);
    const rows = this.tables.get(table.name) as Map<string, Row>;
    if (change.op === 'deleteWhere') {
      for (const [id, row] of rows) if (matchesWhere(row, change.where)) rows.delete(id);
      return;
    }
    const id = keyId(table, change.key);
    const next = applyToRow(table, rows.get(id), change);
    // Stored rows must not share json values with the change the caller still holds.
    if (next) rows.set(id, copyRow(next));
    else rows.delete(id);
  }

  rows(tableName: string): Row[] {
    return [...(this.tables.get(tableName)?.values() ?? [])];
  }
}
