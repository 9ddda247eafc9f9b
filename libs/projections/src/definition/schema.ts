/**
 * Read-model schemas, declared once and rendered for SQLite and PostgreSQL alike. The column
 * types are deliberately few: each one must round-trip to the same JS value on both dialects, so
 * that a rebuild compares equal to the live tables row by row.
 */

/**
 * - text: string. - integer: 64-bit in the database, a JS number (safe up to 2^53) in code.
 * - real: double. - boolean: INTEGER 0/1 in SQLite, boolean in PostgreSQL.
 * - json: TEXT in SQLite, jsonb in PostgreSQL; compared canonically (sorted keys).
 */
export type ColumnType = 'text' | 'integer' | 'real' | 'boolean' | 'json';

export interface ColumnDef {
  type: ColumnType;
  /** Defaults to false: a column is NOT NULL unless declared nullable. */
  nullable?: boolean;
}

export interface IndexDef {
  columns: string[];
  unique?: boolean;
}

export interface TableDef {
  columns: Record<string, ColumnType | ColumnDef>;
  primaryKey: string[];
  /** Keyed by a short local name; the physical name is derived per generation. */
  indexes?: Record<string, IndexDef>;
  /**
   * The column holding the partner id, when the table is per partner. Change notifications use it
   * to tell the API which partners' dashboards to refresh.
   */
  partnerIdColumn?: string;
}

/** Names handed to dialect-specific DDL, already quoted and qualified for the generation being built. */
export interface ExtraDdlContext {
  /** The physical name of one of the projection's declared tables. */
  table(name: string): string;
  /**
   * A physical name for an extra object (e.g. an FTS5 table) owned by this generation. Tables named
   * through here are recorded and dropped with the generation.
   */
  object(name: string): string;
  /** A physical name for an extra index (unqualified in PostgreSQL, as CREATE INDEX requires). */
  index(name: string): string;
}

export interface ProjectionSchema {
  tables: Record<string, TableDef>;
  /** Extra statements per dialect, run after the tables and indexes exist (search indexes, FTS...). */
  extraDdl?: {
    sqlite?: (ctx: ExtraDdlContext) => string[];
    postgres?: (ctx: ExtraDdlContext) => string[];
  };
}

export interface NormalizedColumn {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

export interface NormalizedTable {
  name: string;
  columns: NormalizedColumn[];
  columnsByName: Map<string, NormalizedColumn>;
  primaryKey: string[];
  indexes: Array<{ name: string } & IndexDef>;
  partnerIdColumn?: string;
}

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

export class ProjectionDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectionDefinitionError';
  }
}

export function assertIdentifier(kind: string, name: string, maxLength = 40): void {
  // Lower-case snake case only: the names become SQL identifiers on two dialects with different
  // case-folding rules, and double underscores are reserved for the generation suffix.
  if (!IDENTIFIER.test(name) || name.includes('__') || name.length > maxLength) {
    throw new ProjectionDefinitionError(
      `${kind} name '${name}' must be lower-case snake_case (a-z, 0-9, single _), at most ${maxLength} characters`,
    );
  }
}

export function normalizeTable(name: string, def: TableDef): NormalizedTable {
  assertIdentifier('Table', name, 30);
  const columns = Object.entries(def.columns).map(([columnName, spec]): NormalizedColumn => {
    assertIdentifier('Column', columnName, 50);
    const column = typeof spec === 'string' ? { type: spec } : spec;
    return { name: columnName, type: column.type, nullable: column.nullable ?? false };
  });
  const columnsByName = new Map(columns.map((column) => [column.name, column]));
  if (def.primaryKey.length === 0) throw new ProjectionDefinitionError(`Table '${name}' needs a primary key`);
  const mustExist = (column: string, where: string): void => {
    if (!columnsByName.has(column)) {
      throw new ProjectionDefinitionError(`Table '${name}': ${where} names unknown column '${column}'`);
    }
  };
  for (const column of def.primaryKey) {
    mustExist(column, 'primary key');
    const spec = columnsByName.get(column);
    if (spec?.nullable)
      throw new ProjectionDefinitionError(`Table '${name}': key column '${column}' is nullable`);
    if (spec?.type === 'json' || spec?.type === 'real') {
      throw new ProjectionDefinitionError(
        `Table '${name}': key column '${column}' must be text, integer or boolean`,
      );
    }
  }
  const indexes = Object.entries(def.indexes ?? {}).map(([indexName, index]) => {
    assertIdentifier('Index', indexName, 30);
    index.columns.forEach((column) => mustExist(column, `index '${indexName}'`));
    return { name: indexName, ...index };
  });
  if (def.partnerIdColumn !== undefined) mustExist(def.partnerIdColumn, 'partnerIdColumn');
  return {
    name,
    columns,
    columnsByName,
    primaryKey: [...def.primaryKey],
    indexes,
    partnerIdColumn: def.partnerIdColumn,
  };
}
