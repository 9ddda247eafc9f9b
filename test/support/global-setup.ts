import { Client } from 'pg';
import { pgUrl } from './postgres';

/**
 * The integration suite needs a real PostgreSQL. If it is not reachable we fail the run with a clear
 * message instead of silently skipping, so a green run always means the postgres adapter was tested.
 */
export default async function globalSetup(): Promise<void> {
  const url = pgUrl();
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      [
        '',
        `Integration tests need PostgreSQL at ${redact(url)}, but it is not reachable: ${reason}`,
        'Start one (e.g. `docker compose up -d postgres`) or point PG_URL at a server where the user may',
        'create and drop schemas, e.g. PG_URL=postgres://postgres@127.0.0.1:5432/test',
        '',
      ].join('\n'),
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
