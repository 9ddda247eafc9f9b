import type { Projection } from '../definition/projection';
import type { ExtraDdlContext } from '../definition/schema';
import { physicalName, quote, type Dialect } from './dialect';

/** Physical (unquoted) name of a projection table in one generation, e.g. `client_list__clients__g3`. */
export function generationTableName(projection: string, table: string, generation: number): string {
  return physicalName(`${projection}__${table}__g${generation}`);
}

export interface GenerationDdl {
  statements: string[];
  /** Every table this generation owns (declared and extra), recorded so it can be dropped later. */
  ownedTables: string[];
}

export function generationDdl(dialect: Dialect, projection: Projection, generation: number): GenerationDdl {
  const statements: string[] = [];
  const ownedTables: string[] = [];
  for (const table of projection.tables.values()) {
    const name = generationTableName(projection.name, table.name, generation);
    ownedTables.push(name);
    const columns = table.columns.map(
      (column) =>
        `${quote(column.name)} ${dialect.columnType(column.type)}${column.nullable ? '' : ' NOT NULL'}`,
    );
    const key = table.primaryKey.map(quote).join(', ');
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${dialect.qualify(name)} (${columns.join(', ')}, PRIMARY KEY (${key}))`,
    );
    for (const index of table.indexes) {
      const indexName = quote(physicalName(`${name}__${index.name}`));
      const unique = index.unique ? 'UNIQUE ' : '';
      const columnsSql = index.columns.map(quote).join(', ');
      statements.push(
        `CREATE ${unique}INDEX IF NOT EXISTS ${indexName} ON ${dialect.qualify(name)} (${columnsSql})`,
      );
    }
  }
  const context: ExtraDdlContext = {
    table: (name) =>
      dialect.qualify(generationTableName(projection.name, projection.table(name).name, generation)),
    object(name) {
      const physical = physicalName(`${projection.name}__${name}__g${generation}`);
      if (!ownedTables.includes(physical)) ownedTables.push(physical);
      return dialect.qualify(physical);
    },
    index: (name) => quote(physicalName(`${projection.name}__${name}__g${generation}`)),
  };
  const extra =
    dialect.name === 'sqlite' ? projection.schema.extraDdl?.sqlite : projection.schema.extraDdl?.postgres;
  statements.push(...(extra?.(context) ?? []));
  return { statements, ownedTables };
}
