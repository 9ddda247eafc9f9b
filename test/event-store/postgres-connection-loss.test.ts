import { randomUUID } from 'node:crypto';
import { EventStoreUnavailableError, PostgresEventStore } from '@pc/event-store';
import { PostgresReadModelStore, defineProjection, upsert } from '@pc/projections';
import { PostgresIdempotencyStore } from '../../apps/api/src/platform/idempotency/postgres-idempotency-store';
import { createTestSchema, pgUrl, type TestSchema, withClient } from '../support/postgres';

/**
 * Regression (failure-mode probe): PostgreSQL stopping or restarting under write load killed the
 * process. A pooled client that is checked out has no 'error' listener (the pool takes its own off
 * while the client is lent), so a connection the server ended between two statements of a
 * transaction emitted an unhandled 'error' event. Here every connection of one store is ended by
 * the server (pg_terminate_backend, as a fast shutdown does) again and again while it writes: the
 * writes may fail, as typed errors, but the process must live on, and the store work again after.
 */
describe('PostgreSQL connections ended by the server while in use', () => {
  let schema: TestSchema;
  const appName = `pc-conn-loss-${randomUUID().slice(0, 8)}`;
  const url = () => {
    const parsed = new URL(pgUrl());
    parsed.searchParams.set('application_name', appName);
    return parsed.toString();
  };

  beforeAll(async () => {
    schema = await createTestSchema('connloss');
  });
  afterAll(async () => {
    await schema.drop();
  });

  /** Ends every backend of this suite's connections, repeatedly, until `done` settles. */
  async function terminateUntil(done: Promise<unknown>): Promise<number> {
    let finished = false;
    void done.finally(() => (finished = true));
    let ended = 0;
    await withClient(async (admin) => {
      while (!finished) {
        const { rows } = await admin.query(
          'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
          [appName],
        );
        ended += (rows[0] as { n: number }).n;
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    });
    return ended;
  }

  /** Runs `write` in a loop of concurrent calls for a while; failures are collected, not thrown. */
  async function writeUnderTermination(write: (i: number) => Promise<unknown>): Promise<unknown[]> {
    const failures: unknown[] = [];
    const work = (async () => {
      for (let round = 0; round < 40; round++) {
        await Promise.all(
          Array.from({ length: 8 }, (_, j) => write(round * 8 + j).catch((error) => failures.push(error))),
        );
      }
    })();
    const ended = await terminateUntil(work);
    await work;
    expect(ended).toBeGreaterThan(0);
    return failures;
  }

  it('the event store: appends fail as typed errors, the process lives, and appends work after', async () => {
    const store = await PostgresEventStore.connect({ connectionString: url(), schema: schema.name });
    try {
      const failures = await writeUnderTermination((i) =>
        store.append(`loss-${i % 5}`, [{ id: randomUUID(), type: 'Sample.Created', data: { i } }]),
      );
      // The HTTP layer answers these 503 event-store-unavailable, with Retry-After.
      for (const failure of failures) expect(failure).toBeInstanceOf(EventStoreUnavailableError);
      await expect(
        store.append('loss-after', [{ id: randomUUID(), type: 'Sample.Created', data: {} }]),
      ).resolves.toBeDefined();
    } finally {
      await store.close();
    }
  });

  it('the read-model store: commits fail, the process lives, and commits work after', async () => {
    const projection = defineProjection({
      name: 'conn_loss',
      version: 1,
      schema: { tables: { items: { columns: { id: 'text', n: 'integer' }, primaryKey: ['id'] } } },
      apply: () => [],
    });
    const store = new PostgresReadModelStore({ url: url(), schema: `${schema.name}_rm` });
    try {
      await store.init();
      await store.createGeneration(projection, 1, { activate: true });
      let position: string | null = null;
      const commit = async (i: number) => {
        const next = String(i + 1).padStart(20, '0');
        // Each commit moves the checkpoint on from the last one that succeeded (compare-and-set).
        await store.commit({
          projection,
          generation: 1,
          changes: [upsert('items', { id: `i${i % 7}` }, { n: i })],
          expectedPosition: position,
          position: next,
          recordedAt: null,
        });
        position = next;
      };
      await writeUnderTermination(commit);
      await expect(commit(10_000)).resolves.toBeUndefined();
    } finally {
      await store.close();
      await withClient((client) => client.query(`DROP SCHEMA IF EXISTS "${schema.name}_rm" CASCADE`));
    }
  });

  it('the idempotency store: lookups fail, the process lives, and they work after', async () => {
    const store = new PostgresIdempotencyStore(url(), `${schema.name}_idem`);
    try {
      await writeUnderTermination((i) => store.find('svc', `key-${i}`));
      await expect(store.find('svc', 'key-after')).resolves.toBeNull();
    } finally {
      await store.close();
      await withClient((client) => client.query(`DROP SCHEMA IF EXISTS "${schema.name}_idem" CASCADE`));
    }
  });
});
