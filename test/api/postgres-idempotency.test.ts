import { PostgresIdempotencyStore } from '../../apps/api/src/platform/idempotency/postgres-idempotency-store';
import type { IdempotencyRecord } from '../../apps/api/src/platform';
import { describeReservations } from '../../apps/api/src/platform/idempotency/testing/reservation-contract';
import { createTestSchema, pgUrl, type TestSchema } from '../support/postgres';

/** The PostgreSQL idempotency table behaves like the SQLite one the e2e tests use. */
describe('PostgresIdempotencyStore', () => {
  let schema: TestSchema;
  let store: PostgresIdempotencyStore;

  beforeAll(async () => {
    schema = await createTestSchema('idem');
    const url = new URL(pgUrl());
    url.searchParams.set('options', `-c search_path=${schema.name}`);
    store = new PostgresIdempotencyStore(url.toString());
  });
  afterAll(async () => {
    await store?.close();
    await schema?.drop();
  });

  const record = (hash: string): IdempotencyRecord => ({
    service: 'svc',
    key: 'k1',
    requestHash: hash,
    status: 'completed',
    response: { statusCode: 201, headers: { ETag: '"0"' }, body: { commandId: 'c', ids: {}, events: ['X'] } },
    createdAt: '2031-01-01T00:00:00.000Z',
  });

  it('stores once; the first record wins; survives a new connection pool', async () => {
    await store.ping();
    expect(await store.find('svc', 'k1')).toBeNull();
    expect(await store.save(record('h1'))).toEqual(record('h1'));
    expect((await store.save(record('h2'))).requestHash).toBe('h1');
    const url = new URL(pgUrl());
    url.searchParams.set('options', `-c search_path=${schema.name}`);
    const reopened = new PostgresIdempotencyStore(url.toString());
    try {
      expect(await reopened.find('svc', 'k1')).toEqual(record('h1'));
      expect(await reopened.find('other', 'k1')).toBeNull();
    } finally {
      await reopened.close();
    }
  });

  describeReservations(() => store);
});
