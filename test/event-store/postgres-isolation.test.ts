import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PostgresEventStore, type NewEvent } from '@pc/event-store';
import { appendLockKeys, notifyChannel, statements } from '@pc/event-store/postgres/postgres-schema';
import { runEventStoreContract } from '@pc/event-store/testing/contract';
import { createTestSchema, pgUrl, type TestSchema } from '../support/postgres';
import { eventually } from '@pc/projections/testing';

/**
 * The adapter's gap safety and revision check rely on READ COMMITTED: the head and the stream's
 * revision are read AFTER the append lock is granted, and must see what the previous lock holder
 * committed. A database or role configured with `default_transaction_isolation = 'repeatable read'`
 * (or 'serializable') must not change that: with a plain BEGIN, the transaction's snapshot would be
 * taken by the statement that waits for the lock, i.e. before the previous holder committed, and
 * contended appends would fail spuriously. Every connection here gets that default through the
 * connection string (libpq `options`), as an operator's ALTER DATABASE/ROLE ... SET would give it.
 */
jest.setTimeout(60_000);

function repeatableReadUrl(): string {
  const url = new URL(pgUrl());
  url.searchParams.set('options', '-c default_transaction_isolation=repeatable\\ read');
  return url.toString();
}

const event = (type = 'Isolated'): NewEvent => ({ id: randomUUID(), type, data: { type } });

runEventStoreContract('postgres (default_transaction_isolation = repeatable read)', async () => {
  const schema = await createTestSchema('es_rr_contract');
  const store = await PostgresEventStore.connect({
    connectionString: repeatableReadUrl(),
    schema: schema.name,
  });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await schema.drop();
    },
  };
});

describe('postgres event store: contended appends under default_transaction_isolation = repeatable read', () => {
  let schema: TestSchema;
  /** Several stores on one schema: separate pools and writers, as separate processes would have. */
  let stores: PostgresEventStore[];
  /** Takes the append lock the way a slow appender of another process does. */
  let other: Client;

  beforeEach(async () => {
    schema = await createTestSchema('es_rr');
    stores = [];
    for (let i = 0; i < 4; i++) {
      stores.push(
        await PostgresEventStore.connect({
          connectionString: repeatableReadUrl(),
          schema: schema.name,
          pollIntervalMs: 50,
        }),
      );
    }
    other = new Client({ connectionString: repeatableReadUrl() });
    await other.connect();
  });
  afterEach(async () => {
    await other.end();
    await Promise.all(stores.map((store) => store.close()));
    await schema.drop();
  });

  it('really runs with repeatable read as the connections’ default', async () => {
    const { rows } = await other.query<{ default_transaction_isolation: string }>(
      'SHOW default_transaction_isolation',
    );
    expect(rows[0].default_transaction_isolation).toBe('repeatable read');
  });

  /** Holds the append lock in `other` and inserts one event of `stream` at position 1, uncommitted. */
  async function insertHoldingTheLock(stream: string, events: NewEvent[]): Promise<void> {
    const [namespace, key] = appendLockKeys(schema.name);
    await other.query(`BEGIN; SELECT pg_advisory_xact_lock(${namespace}, ${key});`);
    await other.query(statements(schema.name).insert, [
      '0',
      stream,
      -1,
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map(() => '{}'),
      notifyChannel(schema.name),
    ]);
  }

  /**
   * Commits `other`'s transaction once an append of THIS schema waits for its lock (another test file's
   * appends, running in parallel, wait for other keys): the append then runs after the holder's commit.
   */
  async function commitOnceAnAppendWaits(): Promise<void> {
    // Two-key advisory locks show in pg_locks as classid/objid, unsigned.
    const [namespace, key] = appendLockKeys(schema.name).map((k) => k >>> 0);
    await eventually('an append to wait for the append lock', async () => {
      const { rows } = await other.query<{ waiting: string }>(
        `SELECT count(*) AS waiting FROM pg_locks
         WHERE locktype = 'advisory' AND NOT granted AND classid = $1::bigint::oid AND objid = $2::bigint::oid`,
        [namespace, key],
      );
      return Number(rows[0].waiting) > 0;
    });
    await other.query('COMMIT');
  }

  it('an append that waited for the lock sees the head the holder committed (another stream)', async () => {
    const held = event('Held');
    await insertHoldingTheLock('rr-held', [held]);
    const waiting = stores[1].append('rr-waiting', [event('Waiting')]);
    await commitOnceAnAppendWaits();

    await expect(waiting).resolves.toEqual({
      nextExpectedRevision: 0,
      position: '00000000000000000002',
      duplicate: false,
    });
    expect((await stores[2].readAll()).map((e) => e.position)).toEqual([
      '00000000000000000001',
      '00000000000000000002',
    ]);
  });

  it('a retry that waited for the lock finds the events the holder committed: a duplicate', async () => {
    const batch = [event(), event()];
    await insertHoldingTheLock('rr-retry', batch);
    const retry = stores[1].append('rr-retry', batch, { expectedRevision: 'no_stream' });
    await commitOnceAnAppendWaits();

    await expect(retry).resolves.toEqual({
      nextExpectedRevision: 1,
      position: '00000000000000000002',
      duplicate: true,
    });
  });

  it('an exact revision that waited for the lock is checked against the committed stream', async () => {
    await insertHoldingTheLock('rr-exact', [event()]);
    const next = stores[1].append('rr-exact', [event()], { expectedRevision: 0 });
    await commitOnceAnAppendWaits();

    await expect(next).resolves.toMatchObject({ nextExpectedRevision: 1, duplicate: false });
  });

  it('concurrent appenders in several stores, to one stream and to many: none fails, log is dense', async () => {
    const perStore = 30;
    const results = await Promise.all(
      stores.flatMap((store, s) =>
        Array.from({ length: perStore }, (_, i) =>
          store.append(i % 2 === 0 ? 'rr-shared' : `rr-own-${s}-${i % 5}`, [event(), event()]),
        ),
      ),
    );
    expect(results.every((r) => !r.duplicate)).toBe(true);
    const all = await stores[0].readAll();
    expect(all).toHaveLength(stores.length * perStore * 2);
    expect(all.map((e) => e.position)).toEqual(all.map((_, i) => String(i + 1).padStart(20, '0')));
    const shared = await stores[0].readStream('rr-shared');
    expect(shared.map((e) => e.revision)).toEqual(shared.map((_, i) => i));
    // Half of each store's appends, two events each.
    expect(shared).toHaveLength(stores.length * (perStore / 2) * 2);
  });
});
