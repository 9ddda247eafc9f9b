import { randomUUID } from 'node:crypto';
import { EventStoreUnavailableError, InvalidAppendError, type EventStore } from '@pc/event-store';
import {
  type FreshEventStore,
  freshPostgresEventStore,
  freshSqliteEventStore,
} from '../support/event-stores';

/** The largest sequence both SQL adapters hold (signed 64-bit), and well-formed positions beyond it. */
const MAX_SQL = '09223372036854775807';
const BEYOND = ['09223372036854775808', '99999999999999999999'];

const adapters: [string, () => Promise<FreshEventStore>][] = [
  ['sqlite', async () => freshSqliteEventStore('es-range')],
  ['postgres', () => freshPostgresEventStore('es_range')],
];

/**
 * A well-formed position beyond the range of the store's position column is the caller's mistake:
 * SQLite failed to bind it and PostgreSQL to cast it, and both adapters reported that as
 * EventStoreUnavailableError (the API's 503 with Retry-After) instead of an argument error.
 */
describe.each(adapters)('%s: a position beyond the 64-bit range', (_name, open) => {
  let store: EventStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await open());
    await store.append('range-1', [{ id: randomUUID(), type: 'Happened', data: {} }]);
  });
  afterAll(() => cleanup?.());

  it.each(BEYOND)('readAll from %s is an argument error, not an outage', async (position) => {
    for (const direction of ['forwards', 'backwards'] as const) {
      const read = store.readAll({ fromPosition: position, direction });
      await expect(read).rejects.toBeInstanceOf(InvalidAppendError);
      await expect(read).rejects.not.toBeInstanceOf(EventStoreUnavailableError);
    }
  });

  it('the largest position the column holds is read like any other', async () => {
    await expect(store.readAll({ fromPosition: MAX_SQL })).resolves.toEqual([]);
    const backwards = await store.readAll({ fromPosition: MAX_SQL, direction: 'backwards' });
    expect(backwards.map((event) => event.streamName)).toEqual(['range-1']);
  });
});
