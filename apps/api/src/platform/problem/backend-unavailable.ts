/**
 * Whether an error means a backend other than the event store (the read-model store, the idempotency
 * store) is away for now rather than that the request or our code is wrong: the connection failed or
 * was cut, the server is shutting down or refusing connections, a statement timed out, the database
 * is locked or cannot be opened or written. Such a request is answered 503 with Retry-After and can
 * be retried as it was; anything else stays a 500. (The event store's adapters type their own
 * failures as EventStoreUnavailableError.)
 */
export function isBackendUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NODE_NETWORK_CODES.has(code)) return true;
    // PostgreSQL SQLSTATEs: 08 connection exception, 57P01–57P03 shutdown / cannot connect now,
    // 57014 statement timeout or cancel, 53300 too many connections, 55P03 lock timeout.
    if (
      /^08[0-9A-Z]{3}$/.test(code) ||
      /^57P0[1-3]$/.test(code) ||
      ['57014', '53300', '55P03'].includes(code)
    )
      return true;
    // 55000 is a general "object not in prerequisite state": only a database refusing connections.
    if (
      code === '55000' &&
      typeof message === 'string' &&
      /not currently accepting connections/.test(message)
    )
      return true;
    // SQLite: busy or locked past the busy timeout, I/O error, cannot open, disk full, read-only file.
    if (/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY)/.test(code)) return true;
  }
  if (typeof message !== 'string') return false;
  // node-postgres's pool and client, and better-sqlite3 on a closed database, say so only in words.
  return (
    /^Connection terminated/.test(message) ||
    /timeout exceeded when trying to connect/.test(message) ||
    /^Client has encountered a connection error/.test(message) ||
    message === 'The database connection is not open'
  );
}

const NODE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
