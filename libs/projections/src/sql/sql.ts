import type { Dialect } from './dialect';

/** Text inserted verbatim (identifiers from `t('table')`, or trusted SQL via `sql.raw`). */
export class RawSql {
  constructor(readonly text: string) {}
}

/**
 * A parameterised SQL fragment built with the `sql` tag. Interpolated values become bind
 * parameters (never concatenated), fragments nest, and placeholders are rendered per dialect.
 */
export class SqlFragment {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  return new SqlFragment([...strings], values);
}

sql.raw = (text: string): RawSql => new RawSql(text);
sql.join = (fragments: Array<SqlFragment | RawSql>, separator = ', '): SqlFragment => {
  const strings = ['', ...fragments.slice(1).map(() => separator), ''];
  return new SqlFragment(strings, fragments);
};

export interface RenderedSql {
  text: string;
  params: unknown[];
}

export function renderSql(fragment: SqlFragment, dialect: Dialect): RenderedSql {
  const params: unknown[] = [];
  const walk = (node: SqlFragment): string => {
    let text = node.strings[0];
    node.values.forEach((value, i) => {
      if (value instanceof SqlFragment) text += walk(value);
      else if (value instanceof RawSql) text += value.text;
      else {
        // better-sqlite3 cannot bind booleans; SQLite stores them as 0/1 anyway.
        params.push(dialect.name === 'sqlite' && typeof value === 'boolean' ? Number(value) : value);
        text += dialect.placeholder(params.length);
      }
      text += node.strings[i + 1];
    });
    return text;
  };
  return { text: walk(fragment), params };
}
