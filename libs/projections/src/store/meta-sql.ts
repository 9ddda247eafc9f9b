import type { Position } from '@pc/event-store';
import { quote, type Dialect } from '../sql/dialect';
import type {
  GenerationRecord,
  GenerationStatus,
  ProjectionFailure,
  ProjectionState,
} from './read-model-store';

/**
 * The store's own bookkeeping, identical on both dialects. Statements are written with `$n`
 * placeholders (PostgreSQL); `forSqlite` rewrites them to `?` with the parameters reordered.
 */
export const META = {
  migrations: 'pc_rm_migrations',
  projections: 'pc_rm_projections',
  generations: 'pc_rm_generations',
  leases: 'pc_rm_leases',
  requests: 'pc_rm_requests',
} as const;

/** What an operator may ask of a projection from any process; its lease holder carries it out. */
export type ProjectionRequest = 'rebuild' | 'resume';

/** A recorded request and when it was (last) asked. */
export interface PendingRequest {
  action: ProjectionRequest;
  requestedAt: string;
}

export interface Migration {
  version: number;
  name: string;
  statements: (dialect: Dialect) => string[];
}

/** Append-only: a released migration is never edited, a new version is added instead. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'registry, generations and leases',
    statements: (d) => [
      `CREATE TABLE IF NOT EXISTS ${d.qualify(META.projections)} (
        name TEXT NOT NULL PRIMARY KEY,
        active_generation INTEGER,
        updated_at TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${d.qualify(META.generations)} (
        projection TEXT NOT NULL,
        generation INTEGER NOT NULL,
        version INTEGER NOT NULL,
        schema_hash TEXT NOT NULL,
        status TEXT NOT NULL,
        state TEXT NOT NULL,
        position TEXT,
        position_recorded_at TEXT,
        owned_tables TEXT NOT NULL,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (projection, generation))`,
      `CREATE TABLE IF NOT EXISTS ${d.qualify(META.leases)} (
        projection TEXT NOT NULL PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at BIGINT NOT NULL)`,
    ],
  },
  {
    version: 2,
    name: 'requests for the lease holder',
    statements: (d) => [
      `CREATE TABLE IF NOT EXISTS ${d.qualify(META.requests)} (
        projection TEXT NOT NULL,
        action TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        PRIMARY KEY (projection, action))`,
    ],
  },
];

export function migrationsTableDdl(d: Dialect): string {
  return `CREATE TABLE IF NOT EXISTS ${d.qualify(META.migrations)} (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`;
}

export function forSqlite(text: string, params: unknown[]): { text: string; params: unknown[] } {
  const ordered: unknown[] = [];
  const rewritten = text.replace(/\$(\d+)/g, (_, index: string) => {
    ordered.push(params[Number(index) - 1]);
    return '?';
  });
  return { text: rewritten, params: ordered };
}

/** Statement texts over the bookkeeping tables, qualified for one dialect. */
export function metaStatements(d: Dialect) {
  const gens = d.qualify(META.generations);
  const projections = d.qualify(META.projections);
  const leases = d.qualify(META.leases);
  const requests = d.qualify(META.requests);
  return {
    // A request asked again before it was carried out stays one request, with the later time: the
    // holder clears it only if it was not asked again after it picked it up.
    insertRequest: `INSERT INTO ${requests} (projection, action, requested_at) VALUES ($1, $2, $3)
      ON CONFLICT (projection, action) DO UPDATE SET requested_at = excluded.requested_at`,
    selectRequests: `SELECT action, requested_at FROM ${requests} WHERE projection = $1 ORDER BY action`,
    deleteRequest: `DELETE FROM ${requests} WHERE projection = $1 AND action = $2 AND requested_at = $3`,
    selectGenerations: `SELECT * FROM ${gens} ORDER BY projection, generation`,
    selectGenerationsOf: `SELECT * FROM ${gens} WHERE projection = $1 ORDER BY generation`,
    selectGeneration: `SELECT * FROM ${gens} WHERE projection = $1 AND generation = $2`,
    selectActive: `SELECT active_generation FROM ${projections} WHERE name = $1`,
    insertGeneration: `INSERT INTO ${gens} (projection, generation, version, schema_hash, status, state, position,
        position_recorded_at, owned_tables, error, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, 'catching-up', NULL, NULL, $6, NULL, $7, $7)
      ON CONFLICT (projection, generation) DO NOTHING`,
    upsertActive: `INSERT INTO ${projections} (name, active_generation, updated_at) VALUES ($1, $2, $3)
      ON CONFLICT (name) DO UPDATE SET active_generation = excluded.active_generation, updated_at = excluded.updated_at`,
    setStatus: `UPDATE ${gens} SET status = $3, updated_at = $4 WHERE projection = $1 AND generation = $2`,
    retireOthers: `UPDATE ${gens} SET status = 'retired', updated_at = $3
      WHERE projection = $1 AND generation <> $2 AND status = 'live'`,
    setState: `UPDATE ${gens} SET state = $3, error = $4, updated_at = $5 WHERE projection = $1 AND generation = $2`,
    setStateKeepError: `UPDATE ${gens} SET state = $3, updated_at = $4 WHERE projection = $1 AND generation = $2`,
    deleteGeneration: `DELETE FROM ${gens} WHERE projection = $1 AND generation = $2`,
    clearActiveIf: `UPDATE ${projections} SET active_generation = NULL, updated_at = $3 WHERE name = $1 AND active_generation = $2`,
    // The checkpoint compare-and-set that makes a batch apply at most once, whoever else is running.
    advanceCheckpoint: `UPDATE ${gens} SET position = $3, position_recorded_at = $4, updated_at = $5
      WHERE projection = $1 AND generation = $2 AND (position = $6 OR (position IS NULL AND $6 IS NULL))`,
    acquireLease: `INSERT INTO ${leases} (projection, owner, expires_at) VALUES ($1, $2, $3)
      ON CONFLICT (projection) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
      WHERE ${leases}.owner = excluded.owner OR ${leases}.expires_at < $4`,
    selectLease: `SELECT owner, expires_at FROM ${leases} WHERE projection = $1`,
    selectLiveLease: `SELECT owner FROM ${leases} WHERE projection = $1 AND expires_at >= $2`,
    // Still ours means nobody took it over, even if it lapsed meanwhile: taking over rewrites the owner.
    renewLease: `UPDATE ${leases} SET expires_at = $3 WHERE projection = $1 AND owner = $2`,
    releaseLease: `DELETE FROM ${leases} WHERE projection = $1 AND owner = $2`,
  };
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function toGenerationRecord(row: Record<string, unknown>): GenerationRecord {
  return {
    projection: String(row.projection),
    generation: Number(row.generation),
    version: Number(row.version),
    schemaHash: String(row.schema_hash),
    status: String(row.status) as GenerationStatus,
    state: String(row.state) as ProjectionState,
    position: text(row.position) as Position | null,
    positionRecordedAt: text(row.position_recorded_at),
    error: row.error ? (JSON.parse(String(row.error)) as ProjectionFailure) : null,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

export function ownedTables(row: Record<string, unknown>): string[] {
  return JSON.parse(String(row.owned_tables)) as string[];
}

export { quote };

export function toPendingRequest(row: Record<string, unknown>): PendingRequest {
  return { action: String(row.action) as ProjectionRequest, requestedAt: String(row.requested_at) };
}
