import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/** PostgreSQL used by the integration tests (trust auth on a local server by default). */
export function pgUrl(): string {
  return process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

export interface TestSchema {
  name: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** A fresh, uniquely named schema so tests never see each other's tables (or a developer's data). */
export async function createTestSchema(prefix = 'test'): Promise<TestSchema> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withClient((client) => client.query(`CREATE SCHEMA "${name}"`));
  return {
    name,
    drop: () =>
      withClient((client) => client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)).then(() => undefined),
  };
}

export async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: pgUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
