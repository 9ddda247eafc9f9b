import type { IdempotencyRecord } from './idempotency-store';
import { SqliteIdempotencyStore } from './sqlite-idempotency-store';

const record = (requestHash: string, statusCode: number): IdempotencyRecord => ({
  service: 'svc',
  key: 'k-1',
  requestHash,
  status: 'completed',
  response: { statusCode, headers: { ETag: '"3"' }, body: { requestHash } },
  createdAt: '2026-11-24T10:00:00.000Z',
});

describe('SqliteIdempotencyStore', () => {
  let store: SqliteIdempotencyStore;
  beforeEach(() => (store = new SqliteIdempotencyStore(':memory:')));
  afterEach(() => store.close());

  it('stores a record and finds it again', async () => {
    expect(await store.find('svc', 'k-1')).toBeNull();
    expect(await store.save(record('a', 201))).toEqual(record('a', 201));
    expect(await store.find('svc', 'k-1')).toEqual(record('a', 201));
    expect(await store.find('other-service', 'k-1')).toBeNull();
  });

  it('keeps the first record of a key: a later save gets the stored one back', async () => {
    await store.save(record('a', 201));
    expect(await store.save(record('b', 200))).toEqual(record('a', 201));
    expect(await store.find('svc', 'k-1')).toEqual(record('a', 201));
  });
});
