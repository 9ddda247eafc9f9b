import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { IdempotencyRecord } from './idempotency-store';
import { describeReservations } from './testing/reservation-contract';
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

  describeReservations(() => store);

  it('keeps the first record of a key: a later save gets the stored one back', async () => {
    await store.save(record('a', 201));
    expect(await store.save(record('b', 200))).toEqual(record('a', 201));
    expect(await store.find('svc', 'k-1')).toEqual(record('a', 201));
  });
});

describe('SqliteIdempotencyStore adopting the keys an earlier version kept in the read models’ file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pc-idem-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('moves them to its own file once, then finds them there; the old table is gone', async () => {
    const readModels = join(dir, 'read-models.sqlite');
    const old = new SqliteIdempotencyStore(readModels);
    await old.save(record('a', 201));
    await old.close();

    const adopted = new SqliteIdempotencyStore(join(dir, 'keys.sqlite'), { adoptFrom: readModels });
    expect(await adopted.find('svc', 'k-1')).toEqual(record('a', 201));
    await adopted.close();
    const leftover = new Database(readModels);
    expect(leftover.prepare("SELECT name FROM sqlite_master WHERE name = 'idempotency_keys'").all()).toEqual(
      [],
    );
    leftover.close();

    // Later starts find nothing to adopt and keep what they have.
    const again = new SqliteIdempotencyStore(join(dir, 'keys.sqlite'), { adoptFrom: readModels });
    expect(await again.find('svc', 'k-1')).toEqual(record('a', 201));
    await again.close();
  });

  it('starts empty when the other file does not exist, and does not create it', async () => {
    const store = new SqliteIdempotencyStore(join(dir, 'keys.sqlite'), {
      adoptFrom: join(dir, 'none.sqlite'),
    });
    expect(await store.find('svc', 'k-1')).toBeNull();
    await store.close();
    expect(existsSync(join(dir, 'none.sqlite'))).toBe(false);
  });
});
