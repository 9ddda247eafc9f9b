import { createHash } from 'node:crypto';
import { InvalidAppendError } from '../errors';

/** Namespaces (first advisory-lock key) so our locks never collide with another application's. */
const APPEND_LOCK_NAMESPACE = 0x50430001;
const MIGRATION_LOCK_NAMESPACE = 0x50430002;

const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new InvalidAppendError(
      `Invalid schema name '${schema}': letters, digits and _ only, at most 63 characters`,
    );
  }
}

function schemaHash(schema: string): Buffer {
  return createHash('sha256').update(schema).digest();
}

/** The two int4 keys of the per-schema append lock (exported so tests can impersonate a slow appender). */
export function appendLockKeys(schema: string): [number, number] {
  return [APPEND_LOCK_NAMESPACE, schemaHash(schema).readInt32BE(0)];
}

export function migrationLockKeys(schema: string): [number, number] {
  return [MIGRATION_LOCK_NAMESPACE, schemaHash(schema).readInt32BE(0)];
}

/** NOTIFY channel for the schema: an identifier that is short and safe whatever the schema is called. */
export function notifyChannel(schema: string): string {
  return `pc_events_${schemaHash(schema).toString('hex').slice(0, 16)}`;
}

/**
 * `data`/`metadata` are `json`, not `jsonb`: json keeps the exact text (key order, every escape), so an
 * event reads back byte for byte as written, which hash chains over event payloads rely on.
 * `global_position` is assigned by the appender under the append lock (see the adapter), not by a
 * sequence, so positions are dense and their order is commit order.
 */
export function schemaSql(schema: string): string {
  const s = `"${schema}"`;
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.events (
  global_position BIGINT      PRIMARY KEY,
  stream_name     TEXT        NOT NULL,
  revision        BIGINT      NOT NULL,
  event_id        UUID        NOT NULL,
  type            TEXT        NOT NULL,
  data            JSON        NOT NULL,
  metadata        JSON        NOT NULL,
  recorded_at     TIMESTAMPTZ NOT NULL,
  CONSTRAINT events_stream_revision_key UNIQUE (stream_name, revision),
  CONSTRAINT events_stream_event_id_key UNIQUE (stream_name, event_id)
);`;
}

const COLUMNS = 'global_position, stream_name, revision, event_id, type, data, metadata, recorded_at';

const FILTER = (types: string, streams: string) => `
  AND (${types}::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest(${types}::text[]) p WHERE starts_with(e.type, p)))
  AND (${streams}::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest(${streams}::text[]) p WHERE starts_with(e.stream_name, p)))`;

/** Statements for one schema. Parameters are positional ($n); a NULL LIMIT means no limit. */
export function statements(schema: string) {
  const t = `"${schema}".events`;
  return {
    state: `SELECT (SELECT max(revision) FROM ${t} WHERE stream_name = $1) AS current,
                   (SELECT revision FROM ${t} WHERE stream_name = $1 AND event_id = $2) AS retried,
                   (SELECT max(global_position) FROM ${t}) AS head`,
    currentRevision: `SELECT max(revision) AS current FROM ${t} WHERE stream_name = $1`,
    eventIdsFrom: `SELECT event_id, revision, global_position FROM ${t}
                   WHERE stream_name = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
    /** Inserts the batch and notifies listeners; NOTIFY is delivered only if the transaction commits. */
    insert: `WITH inserted AS (
               INSERT INTO ${t} (${COLUMNS})
               SELECT $1::bigint + e.n, $2, $3::bigint + e.n, e.id, e.type, e.data, e.metadata, statement_timestamp()
               FROM unnest($4::uuid[], $5::text[], $6::json[], $7::json[]) WITH ORDINALITY AS e(id, type, data, metadata, n)
               RETURNING global_position)
             SELECT count(*) AS written, pg_notify($8, '') FROM inserted`,
    streamForwards: `SELECT ${COLUMNS} FROM ${t} e WHERE stream_name = $1 AND revision >= $2 ORDER BY revision ASC LIMIT $3`,
    streamBackwards: `SELECT ${COLUMNS} FROM ${t} e WHERE stream_name = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`,
    streamExists: `SELECT 1 FROM ${t} WHERE stream_name = $1 LIMIT 1`,
    allForwards: `SELECT ${COLUMNS} FROM ${t} e WHERE global_position > $1 ${FILTER('$2', '$3')}
                  ORDER BY global_position ASC LIMIT $4`,
    allBackwards: `SELECT ${COLUMNS} FROM ${t} e WHERE global_position < $1 ${FILTER('$2', '$3')}
                   ORDER BY global_position DESC LIMIT $4`,
    head: `SELECT max(global_position) AS position FROM ${t}`,
  };
}

export type PostgresStatements = ReturnType<typeof statements>;

export interface PgEventRow {
  global_position: string;
  stream_name: string;
  revision: string;
  event_id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  recorded_at: Date;
}
