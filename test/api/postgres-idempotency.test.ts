import { PostgresIdempotencyStore } from '../../apps/api/src/platform/idempotency/postgres-idempotency-store';
import type { IdempotencyRecord } from '../../apps/api/src/platform';
import { describeReservations } from '../../apps/api/src/platform/idempotency/testing/reservation-contract';
import { Client } from 'pg';
import { createTestSchema, pgUrl, type TestSchema } from '../support/postgres';

/** The PostgreSQL idempotency table behaves like the SQLite one the e2e tests use. */
describe('PostgresIdempotencyStore', () => {
  let schema: TestSchema;
  let store: PostgresIdempotencyStore;

  beforeAll(async () => {
    schema = await createTestSchema('idem');
    store = new PostgresIdempotencyStore(pgUrl(), schema.name);
  });
  afterAll(async () => {
    await store?.close();
    await schema?.drop();
  });

  // node-postgres lets a URL's `options` replace the config's, so a statement_timeout set there (the
  // way to bound statements waiting on a lock) dropped the store's search_path: its table went to
  // the database's default schema.
  it("keeps the URL's options (a statement timeout) beside its own search_path", async () => {
    const url = new URL(pgUrl());
    url.searchParams.set('options', '-c statement_timeout=300');
    const bounded = new PostgresIdempotencyStore(url.toString(), schema.name);
    const locker = new Client({ connectionString: pgUrl() });
    await locker.connect();
    try {
      expect(await bounded.find('svc', 'nothing')).toBeNull();
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${schema.name}".idempotency_keys IN ACCESS EXCLUSIVE MODE`);
      await expect(bounded.find('svc', 'nothing')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await bounded.close();
    }
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
    const reopened = new PostgresIdempotencyStore(pgUrl(), schema.name);
    try {
      expect(await reopened.find('svc', 'k1')).toEqual(record('h1'));
      expect(await reopened.find('other', 'k1')).toBeNull();
    } finally {
      await reopened.close();
    }
  });

  describeReservations(() => store);
});
