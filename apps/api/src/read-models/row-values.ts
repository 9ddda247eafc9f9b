/**
 * Raw driver values → JS: SQLite returns booleans as 0/1 and json as text; PostgreSQL returns
 * booleans, parsed jsonb and (in this store) bigint as numbers. Queries read through these.
 */
export const bool = (value: unknown): boolean => value === true || value === 1 || value === '1';

export const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));

export const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
