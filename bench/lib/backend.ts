import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { EventStoreConfig } from '@pc/event-store';
import type { ReadModelStoreConfig } from '@pc/projections';

export type BackendName = 'sqlite' | 'postgres';

export const pgUrl = (): string => process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * One run's storage on one backend. SQLite: files in a fresh temp directory (the event store may be
 * copied in from bench/.cache). PostgreSQL: a dedicated schema for the event store and one for the
 * read models (idempotency keys, due list, read models), both dropped at the end.
 */
export interface BackendRun {
  name: BackendName;
  eventStore: EventStoreConfig;
  readModels: ReadModelStoreConfig;
  /** A second, empty read-model store for scratch rebuilds (never shared with the API's own runners). */
  scratchReadModels: ReadModelStoreConfig;
  /** Environment of the API child process for this storage. */
  apiEnv: Record<string, string>;
  /** SQLite only: the event-store file. */
  eventsPath?: string;
  cleanup(): Promise<void>;
}

async function withPg<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: pgUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function openBackend(name: BackendName, cachedEvents?: string): Promise<BackendRun> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'pc-bench-'));
    const eventsPath = join(dir, 'events.sqlite');
    if (cachedEvents !== undefined && existsSync(cachedEvents)) copyFileSync(cachedEvents, eventsPath);
    const readModelPath = join(dir, 'read-models.sqlite');
    return {
      name,
      eventsPath,
      eventStore: { kind: 'sqlite', path: eventsPath },
      readModels: { kind: 'sqlite', path: readModelPath },
      scratchReadModels: { kind: 'sqlite', path: join(dir, 'scratch-read-models.sqlite') },
      apiEnv: {
        EVENT_STORE: 'sqlite',
        EVENT_STORE_PATH: eventsPath,
        READ_MODEL_STORE: 'sqlite',
        READ_MODEL_PATH: readModelPath,
      },
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const id = randomBytes(6).toString('hex');
  const schemas = [`bench_${id}`, `bench_${id}_rm`, `bench_${id}_scratch`];
  await withPg(async (client) => {
    for (const schema of schemas) await client.query(`CREATE SCHEMA "${schema}"`);
  });
  return {
    name,
    eventStore: { kind: 'postgres', url: pgUrl(), schema: schemas[0] },
    readModels: { kind: 'postgres', url: pgUrl(), schema: schemas[1] },
    scratchReadModels: { kind: 'postgres', url: pgUrl(), schema: schemas[2] },
    apiEnv: {
      EVENT_STORE: 'postgres',
      EVENT_STORE_URL: pgUrl(),
      EVENT_STORE_SCHEMA: schemas[0],
      READ_MODEL_STORE: 'postgres',
      READ_MODEL_URL: pgUrl(),
      READ_MODEL_SCHEMA: schemas[1],
    },
    cleanup: () =>
      withPg(async (client) => {
        for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }),
  };
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/** Fails fast (with a clear message) when PostgreSQL is not reachable. */
export async function checkPostgres(): Promise<void> {
  await withPg((client) => client.query('SELECT 1'));
}
