import Database from 'better-sqlite3';
import { withClient } from '../../support/postgres';

/**
 * Changes an event's stored data BY HAND, straight in the database (libs/event-store's table
 * `events`, columns stream_name / revision / data), as someone with database access would: no port,
 * no pipeline, no hash recomputed. Fails the test if nothing was changed.
 */
export async function tamperEventData(
  env: Record<string, string>,
  stream: string,
  revision: number,
  from: string,
  to: string,
): Promise<void> {
  if (env.EVENT_STORE === 'sqlite') {
    const db = new Database(env.EVENT_STORE_PATH);
    try {
      const result = db
        .prepare(
          'UPDATE events SET data = replace(data, ?, ?) WHERE stream_name = ? AND revision = ? AND instr(data, ?) > 0',
        )
        .run(from, to, stream, revision, from);
      if (result.changes !== 1)
        throw new Error(`tamper: no event ${stream}@${revision} containing '${from}'`);
    } finally {
      db.close();
    }
    return;
  }
  const schema = env.EVENT_STORE_SCHEMA;
  await withClient(async (client) => {
    // json (not jsonb) keeps the text as written, so replace() changes exactly those bytes.
    const result = await client.query(
      `UPDATE "${schema}".events SET data = replace(data::text, $1, $2)::json
       WHERE stream_name = $3 AND revision = $4 AND strpos(data::text, $1) > 0`,
      [from, to, stream, revision],
    );
    if (result.rowCount !== 1) throw new Error(`tamper: no event ${stream}@${revision} containing '${from}'`);
  });
}
