import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PostgresEventStore, type RecordedEvent } from '@pc/event-store';
import { appendLockKeys, notifyChannel, statements } from '@pc/event-store/postgres/postgres-schema';
import { SubscriptionReader } from '@pc/event-store/testing/subscription-reader';
import { createTestSchema, pgUrl, type TestSchema } from '../support/postgres';
import { eventually } from '@pc/projections/testing';

/**
 * The property under test: once a reader has seen position N, no event with a position below N can
 * appear later. A position-driven subscription relies on it; breaking it silently drops events.
 */
// Generous, only so a broken adapter cannot hang the run.
jest.setTimeout(60_000);

describe('postgres event store: gap-safe global order', () => {
  let schema: TestSchema;
  let store: PostgresEventStore;

  beforeEach(async () => {
    schema = await createTestSchema('es_gap');
    store = await PostgresEventStore.connect({
      connectionString: pgUrl(),
      schema: schema.name,
      pollIntervalMs: 50,
    });
  });
  afterEach(async () => {
    await store.close();
    await schema.drop();
  });

  const event = (type: string) => ({ id: randomUUID(), type, data: { type } });

  it('a fast append waits for a slow transaction holding the lower position; readers skip nothing', async () => {
    const first = event('First');
    await store.append('gap-a', [first]);
    const reader = new SubscriptionReader(store.subscribeToAll());

    // Impersonate a slow appender: take the append lock, insert the next position, and do not commit yet.
    const slow = new Client({ connectionString: pgUrl() });
    await slow.connect();
    try {
      await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
      const [namespace, key] = appendLockKeys(schema.name);
      const slowEvent = event('Slow');
      await slow.query(`BEGIN; SELECT pg_advisory_xact_lock(${namespace}, ${key});`);
      await slow.query(statements(schema.name).insert, [
        '1',
        'gap-b',
        -1,
        [slowEvent.id],
        [slowEvent.type],
        [JSON.stringify(slowEvent.data)],
        ['{}'],
        notifyChannel(schema.name),
      ]);

      const fastEvent = event('Fast');
      const fastAppend = store.append('gap-c', [fastEvent]);
      await eventually('the fast append to wait for the append lock', async () => {
        const { rows } = await slow.query<{ waiting: string }>(
          "SELECT count(*) AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        );
        return Number(rows[0].waiting) > 0;
      });
      // Neither the uncommitted slow event nor the blocked fast one is visible yet.
      expect((await store.readAll()).map((e) => e.id)).toEqual([first.id]);

      await slow.query('COMMIT');
      const fastResult = await fastAppend;
      expect(fastResult.position).toBe('00000000000000000003');

      const all = await store.readAll();
      expect(all.map((e) => e.id)).toEqual([first.id, slowEvent.id, fastEvent.id]);
      await reader.waitFor('all three events', () => reader.events().length >= 3);
      expect(reader.events().map((e) => e.id)).toEqual(all.map((e) => e.id));
    } finally {
      await slow.end();
      await reader.close();
    }
  });

  it('under concurrent appenders, a tailing reader and a subscription see exactly the final log', async () => {
    const reader = new SubscriptionReader(store.subscribeToAll());
    let writing = true;
    // Tails $all as fast as it can, each read strictly after the last position seen: a gap would drop an event.
    const tail = (async () => {
      const seen: RecordedEvent[] = [];
      for (;;) {
        const done = !writing;
        const batch = await store.readAll({ fromPosition: seen.at(-1)?.position, maxCount: 50 });
        seen.push(...batch);
        if (done && batch.length < 50) return seen;
      }
    })();

    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 25; i += 1)
        await store.append(`gap-w${w}`, [event('Concurrent'), event('Concurrent')]);
    });
    await Promise.all(writers);
    writing = false;

    const final = await store.readAll();
    expect(final).toHaveLength(8 * 25 * 2);
    expect((await tail).map((e) => e.id)).toEqual(final.map((e) => e.id));
    await reader.waitFor('every event', () => reader.events().length >= final.length);
    expect(reader.events().map((e) => e.id)).toEqual(final.map((e) => e.id));
    await reader.close();
  });
});
