import { postgresDialect, sqliteDialect } from './dialect';
import { renderSql, sql } from './sql';

describe('sql tag', () => {
  const fragment = () => {
    const where = sql`partner_id = ${'p1'} AND active = ${true}`;
    return sql`SELECT * FROM ${sql.raw('"t"')} WHERE ${where} LIMIT ${10}`;
  };

  it('binds values as parameters with dialect placeholders', () => {
    expect(renderSql(fragment(), postgresDialect('rm'))).toEqual({
      text: 'SELECT * FROM "t" WHERE partner_id = $1 AND active = $2 LIMIT $3',
      params: ['p1', true, 10],
    });
    expect(renderSql(fragment(), sqliteDialect)).toEqual({
      text: 'SELECT * FROM "t" WHERE partner_id = ? AND active = ? LIMIT ?',
      params: ['p1', 1, 10],
    });
  });

  it('joins fragments', () => {
    const list = sql.join([sql`a = ${1}`, sql`b = ${2}`], ' OR ');
    expect(renderSql(sql`WHERE ${list}`, postgresDialect('x')).text).toBe('WHERE a = $1 OR b = $2');
  });
});
