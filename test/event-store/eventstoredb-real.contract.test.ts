/**
 * The event-store contract against a REAL EventStoreDB server, through the real client. Runs only
 * when EVENTSTORE_CONNECTION_STRING is set, e.g. with the docker-compose.yml at the repo root:
 *
 *   docker compose up -d eventstore
 *   EVENTSTORE_CONNECTION_STRING='esdb://localhost:2113?tls=false' npx jest test/event-store/eventstoredb-real
 *
 * The suite uses random stream names and only asserts on its own events, so a shared, non-empty
 * server is fine.
 */
import { createEventStoreDbEventStore } from '@pc/event-store/eventstoredb/eventstoredb-event-store';
import { runEventStoreContract } from '@pc/event-store/testing/contract';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

if (connectionString !== undefined && connectionString !== '') {
  runEventStoreContract('eventstoredb (real server)', async () => {
    const store = await createEventStoreDbEventStore(connectionString);
    return { store, cleanup: () => store.close() };
  });
} else {
  it('real EventStoreDB run not requested: set EVENTSTORE_CONNECTION_STRING to run the contract against a server', () => {
    expect(process.env.EVENTSTORE_CONNECTION_STRING ?? '').toBe('');
  });
}
