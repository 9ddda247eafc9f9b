/**
 * One table holds every event. `global_position` is the rowid (INTEGER PRIMARY KEY): SQLite assigns
 * max(rowid)+1, and events are never deleted, so it only grows; because writers serialise on the
 * database write lock, position order is commit order.
 *
 * No index on `type`: filtered reads walk `$all` in position order with a LIMIT (what catch-up needs),
 * and a prefix index cannot produce that order, so it would only cost write time.
 */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  global_position INTEGER PRIMARY KEY,
  stream_name     TEXT    NOT NULL,
  revision        INTEGER NOT NULL,
  event_id        TEXT    NOT NULL,
  type            TEXT    NOT NULL,
  data            TEXT    NOT NULL,
  metadata        TEXT    NOT NULL,
  recorded_at     TEXT    NOT NULL,
  UNIQUE (stream_name, revision),
  UNIQUE (stream_name, event_id)
) STRICT;
`;

const COLUMNS = 'global_position, stream_name, revision, event_id, type, data, metadata, recorded_at';

/**
 * Prefix filters arrive as JSON arrays (or NULL for "no condition"), so one prepared statement serves all
 * filters. The test is `starts_with_any`, a function the adapter registers (registerFilterFunction):
 * the json_each sub-select per row used before cost 2–4 µs per event scanned, most of a filtered read.
 */
const FILTER = `
  AND (@types IS NULL OR starts_with_any(type, @types))
  AND (@streams IS NULL OR starts_with_any(stream_name, @streams))`;

/**
 * Registers `starts_with_any(value, prefixesJson)`: 1 when value starts with one of the prefixes. Parsed
 * prefix lists are kept, as a subscription passes the same list on every read.
 */
export function registerFilterFunction(db: {
  function(name: string, options: { deterministic: boolean }, fn: (...args: unknown[]) => unknown): unknown;
}): void {
  const parsed = new Map<string, string[]>();
  db.function('starts_with_any', { deterministic: true }, (value, prefixesJson) => {
    // No list: no condition (the SQL tests IS NULL first; this keeps the function safe on its own).
    if (prefixesJson === null || prefixesJson === undefined) return 1;
    const json = String(prefixesJson);
    let prefixes = parsed.get(json);
    if (prefixes === undefined) {
      if (parsed.size >= 1000) parsed.clear();
      prefixes = JSON.parse(json) as string[];
      parsed.set(json, prefixes);
    }
    return startsWithAny(String(value), prefixes) ? 1 : 0;
  });
}

/** The prefix test of `$all` filters, in SQL (starts_with_any) and in memory (RecentRows). */
export function startsWithAny(text: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => text.startsWith(prefix));
}

export const SQL = {
  // One seek to the end of the stream's range of the UNIQUE (stream_name, revision) index; no row = no stream.
  currentRevision: 'SELECT revision FROM events WHERE stream_name = ? ORDER BY revision DESC LIMIT 1',
  findEventId: 'SELECT revision FROM events WHERE stream_name = ? AND event_id = ?',
  eventIdsFrom:
    'SELECT event_id, revision, global_position FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision LIMIT ?',
  insert: `INSERT INTO events (stream_name, revision, event_id, type, data, metadata, recorded_at)
           VALUES (@streamName, @revision, @id, @type, @data, @metadata, @recordedAt)`,
  streamForwards: `SELECT ${COLUMNS} FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
  streamBackwards: `SELECT ${COLUMNS} FROM events WHERE stream_name = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
  streamExists: 'SELECT 1 AS found FROM events WHERE stream_name = ? LIMIT 1',
  allForwards: `SELECT ${COLUMNS} FROM events WHERE global_position > @from ${FILTER}
                ORDER BY global_position ASC LIMIT @limit`,
  allBackwards: `SELECT ${COLUMNS} FROM events WHERE global_position < @from ${FILTER}
                 ORDER BY global_position DESC LIMIT @limit`,
  head: 'SELECT MAX(global_position) AS position FROM events',
  dataVersion: 'PRAGMA data_version',
};

export interface EventRow {
  global_position: number;
  stream_name: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}
