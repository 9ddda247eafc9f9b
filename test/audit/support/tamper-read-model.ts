import Database from 'better-sqlite3';
import type { ReadModelStore } from '@pc/projections';
import { clientListProjection } from '@pc/read-models';
import { withClient } from '../../support/postgres';

/**
 * Renames a client BY HAND in the live client list, straight in the read-model database (the
 * active generation's `clients` table, named by the store's registry), as someone with database
 * access would: no event, no projection. Fails the test if no row changed.
 */
export async function tamperClientName(
  env: Record<string, string>,
  live: ReadModelStore,
  customerId: string,
  name: string,
): Promise<void> {
  const table = await live.tableName(clientListProjection, 'clients');
  const statement = `UPDATE ${table} SET name = $1 WHERE customer_id = $2`;
  let changed: number;
  if (env.READ_MODEL_STORE === 'postgres') {
    changed = (await withClient((client) => client.query(statement, [name, customerId]))).rowCount ?? 0;
  } else {
    const db = new Database(env.READ_MODEL_PATH);
    try {
      changed = db.prepare(statement.replace(/\$\d/g, '?')).run(name, customerId).changes;
    } finally {
      db.close();
    }
  }
  if (changed !== 1) throw new Error(`tamper: ${changed} client rows '${customerId}' in ${table}`);
}
