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
 * filters. Columns are qualified because json_each has its own `type` column.
 */
const FILTER = `
  AND (@types IS NULL OR EXISTS (SELECT 1 FROM json_each(@types) p WHERE substr(events.type, 1, length(p.value)) = p.value))
  AND (@streams IS NULL OR EXISTS (
    SELECT 1 FROM json_each(@streams) p WHERE substr(events.stream_name, 1, length(p.value)) = p.value))`;

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
