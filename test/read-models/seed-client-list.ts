import { type ReadModelStore, type Row, upsert } from '@pc/projections';
import { clientListProjection } from '@pc/read-models';

/**
 * Makes generation 1 of the client list live in an initialised store, holding exactly `rows` (rows of
 * its `clients` table, keyed by partner and customer), written in one commit at position 1: for query
 * tests that need a list of a given shape without the events that would build it.
 */
export async function seedClientList(store: ReadModelStore, rows: Row[]): Promise<void> {
  await store.createGeneration(clientListProjection, 1, { activate: true });
  await store.commit({
    projection: clientListProjection,
    generation: 1,
    expectedPosition: null,
    position: '00000000000000000001',
    recordedAt: null,
    changes: rows.map(({ partner_id, customer_id, ...values }) =>
      upsert('clients', { partner_id: String(partner_id), customer_id: String(customer_id) }, values),
    ),
  });
}
