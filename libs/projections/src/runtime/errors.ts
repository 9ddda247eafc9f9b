import { InvalidChangeError } from '../definition/apply-change';

/**
 * Whether a failed commit is the batch's fault (it will fail again, however often we retry) or
 * the infrastructure's (retry later). Only the former stops a projection on an event.
 */
export function isDeterministicFailure(error: unknown): boolean {
  if (error instanceof InvalidChangeError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // SQLite constraint / type errors, PostgreSQL data exceptions (22xxx) and integrity violations (23xxx).
  return (
    code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || /^2[23][0-9A-Z]{3}$/.test(code)
  );
}

export function describeError(error: unknown): string {
  // Duck-typed: errors from native drivers are not always `instanceof Error` (other realms).
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof message === 'string') return `${typeof name === 'string' ? name : 'Error'}: ${message}`;
  return String(error);
}
