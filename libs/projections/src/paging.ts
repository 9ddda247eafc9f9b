import type { CellValue } from './definition/rows';

/**
 * Keyset paging cursors: the sort-key values of the last row of a page, opaque to clients.
 * Queries continue with a row-value comparison on an index that matches the sort, e.g.
 *   WHERE partner_id = ${p} AND (name, client_id) > (${c.name}, ${c.client_id}) ORDER BY name, client_id LIMIT ${n}
 * which both SQLite and PostgreSQL answer with an index range scan, however deep the page.
 */
export function encodeCursor(values: Record<string, CellValue>): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Record<string, CellValue> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, CellValue>)
      : null;
  } catch {
    return null;
  }
}
