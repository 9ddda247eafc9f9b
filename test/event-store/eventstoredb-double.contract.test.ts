/**
 * The event-store contract through the REAL `@eventstore/db-client` against the in-process gRPC
 * TEST DOUBLE of EventStoreDB (test/support/esdb-double) — not against EventStoreDB itself; see
 * eventstoredb-real.contract.test.ts for that. Each store gets its own double, so `$all` starts
 * with only the double's seeded system events.
 *
 * Run twice: as a current (23.10+) node — the client appends through BatchAppend and subscriptions
 * get CaughtUp — and as a legacy (21.x) node — plain Append, no CaughtUp, so the adapter's
 * head-position fallback for caught-up is exercised too.
 */
import { randomUUID } from 'node:crypto';
import {
  EventStoreUnavailableError,
  InvalidAppendError,
  type EventStore,
  type NewEvent,
} from '@pc/event-store';
import { ANY, EventStoreDBClient, NO_STREAM, jsonEvent } from '@eventstore/db-client';
import { createEventStoreDbEventStore } from '@pc/event-store/eventstoredb/eventstoredb-event-store';
import { runEventStoreContract } from '@pc/event-store/testing/contract';
import { SubscriptionReader } from '@pc/event-store/testing/subscription-reader';
import { startEsdbDouble, type EsdbDouble, type EsdbDoubleOptions } from '../support/esdb-double';

function makeStoreOn(options: EsdbDoubleOptions) {
  return async () => {
    const double = await startEsdbDouble(options);
    const store = await createEventStoreDbEventStore(double.connectionString);
    return {
      store,
      cleanup: async () => {
        await store.close();
        await double.stop();
      },
    };
  };
}

runEventStoreContract('eventstoredb (gRPC double)', makeStoreOn({ profile: 'current' }));
runEventStoreContract('eventstoredb (gRPC double, legacy 21.x node)', makeStoreOn({ profile: 'legacy' }));

/** What the contract cannot see: behaviour specific to this adapter and this server protocol. */
describe.each(['current', 'legacy'] as const)(
  'eventstoredb adapter on the gRPC double (%s node)',
  (profile) => {
    let double: EsdbDouble;
    let store: EventStore;

    beforeEach(async () => {
      double = await startEsdbDouble({ profile });
      store = await createEventStoreDbEventStore(double.connectionString);
    });
    afterEach(async () => {
      await store.close();
      await double.stop();
    });

    const event = (type = 'Tested'): NewEvent => ({ id: randomUUID(), type, data: { ok: true } });

    it('renders positions as fixed-width commit/prepare and rejects malformed ones', async () => {
      const { position } = await store.append('spec-pos', [event()]);
      expect(position).toMatch(/^\d{20}\/\d{20}$/);
      await expect(store.readAll({ fromPosition: '42' })).rejects.toBeInstanceOf(InvalidAppendError);
      expect(() => store.subscribeToAll({ fromPosition: 'nope' })).toThrow(InvalidAppendError);
    });

    it('never exposes system events, in reads, head position or subscriptions', async () => {
      expect(await store.headPosition()).toBeNull();
      expect(await store.readAll()).toEqual([]);
      const reader = new SubscriptionReader(store.subscribeToAll());
      try {
        await reader.waitFor('caught-up on an empty store', () =>
          reader.messages.some((m) => m.type === 'caught-up'),
        );
        expect(reader.messages).toEqual([{ type: 'caught-up', position: null }]);
        double.writeSystemEvent('$stats-127.0.0.1:2113', '$statsCollected', { proc: 1 });
        double.writeSystemEvent('user-stream', '$metadata-like', {});
        const mine = event();
        await store.append('spec-user', [mine]);
        double.writeSystemEvent('$stats-127.0.0.1:2113', '$statsCollected', { proc: 2 });
        await reader.waitFor('the user event', () => reader.events().length === 1);
        expect(reader.events().map((e) => e.id)).toEqual([mine.id]);
        expect((await store.readAll()).map((e) => e.id)).toEqual([mine.id]);
        expect((await store.readAll({ direction: 'backwards', maxCount: 1 })).map((e) => e.id)).toEqual([
          mine.id,
        ]);
        expect(await store.headPosition()).toBe(reader.events()[0].position);
      } finally {
        await reader.close();
      }
    });

    it('keeps caught-up in order behind a backlog larger than its buffers', async () => {
      const backlog = 2_500;
      for (let i = 0; i < backlog; i += 100) {
        await store.append(
          `spec-backlog-${i}`,
          Array.from({ length: 100 }, () => event('Backlog')),
        );
      }
      const reader = new SubscriptionReader(store.subscribeToAll());
      try {
        await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
        const caughtUpAt = reader.messages.findIndex((m) => m.type === 'caught-up');
        expect(caughtUpAt).toBe(backlog);
        const live = event('Live');
        await store.append('spec-live', [live]);
        await reader.waitFor('live event', () => reader.events().length === backlog + 1);
        expect(reader.events()[backlog].id).toBe(live.id);
        expect(reader.messages.filter((m) => m.type === 'caught-up')).toHaveLength(1);
        expect(reader.messages[caughtUpAt]).toEqual({
          type: 'caught-up',
          position: reader.events()[backlog - 1].position,
        });
      } finally {
        await reader.close();
      }
    });

    it('places caught-up right after a filtered backlog whose newest event the server filters out', async () => {
      // The head event is dropped server-side, so caught-up must come from the server's CaughtUp
      // (current) or its going-live checkpoint (legacy), ordered behind the events still buffered.
      const backlog = 2_000;
      for (let i = 0; i < backlog; i += 100) {
        await store.append(
          `spec-fb-${i}`,
          Array.from({ length: 100 }, () => event('Kept.Backlog')),
        );
      }
      await store.append('spec-fb-dropped', [event('Dropped')]);
      const subscription = store.subscribeToAll({ filter: { eventTypePrefixes: ['Kept.'] } });
      // A consumer that starts late: the adapter pauses the gRPC stream, so the server's signal
      // reaches the client while events are still buffered in front of it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const reader = new SubscriptionReader(subscription);
      try {
        await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
        expect(reader.messages.findIndex((m) => m.type === 'caught-up')).toBe(backlog);
        const live = event('Kept.Live');
        await store.append('spec-fb-live', [event('Dropped'), live]);
        await reader.waitFor('live event', () => reader.events().length === backlog + 1);
        expect(reader.events()[backlog].id).toBe(live.id);
      } finally {
        await reader.close();
      }
    });

    it('answers an idempotent append like a server: success WITH the original position (raw client)', async () => {
      // What the double imitates (IndexWriter.CheckCommit -> AlreadyCommitted -> Append/BatchAppend
      // send Position whenever the commit position is known), seen through the client itself.
      const client = EventStoreDBClient.connectionString(double.connectionString);
      try {
        const batch = [event(), event()].map((e) => jsonEvent({ id: e.id, type: e.type, data: e.data }));
        const original = await client.appendToStream('spec-raw-idem', batch, { expectedRevision: NO_STREAM });
        expect(original.position).toBeDefined();
        await client.appendToStream('spec-raw-idem', [jsonEvent({ type: 'Later', data: {} })]);
        for (const expectedRevision of [NO_STREAM, ANY] as const) {
          const retried = await client.appendToStream('spec-raw-idem', batch, { expectedRevision });
          expect(retried.success).toBe(true);
          expect(retried.nextExpectedRevision).toBe(1n);
          expect(retried.position).toEqual(original.position);
        }
      } finally {
        await client.dispose();
      }
    });

    it('reports a retry of events another client wrote as a duplicate with the original result', async () => {
      // The pipeline's cross-process case: what the store holds is the other writer's version.
      const other = await createEventStoreDbEventStore(double.connectionString);
      try {
        const id = randomUUID();
        const original = await other.append('spec-cross', [{ id, type: 'Tested', data: { by: 'other' } }], {
          expectedRevision: 'no_stream',
        });
        expect(original.duplicate).toBe(false);
        const retried = await store.append('spec-cross', [{ id, type: 'Tested', data: { by: 'me' } }], {
          expectedRevision: 'no_stream',
        });
        expect(retried).toEqual({ ...original, duplicate: true });
        const [stored] = await store.readStream('spec-cross');
        expect(stored.data).toEqual({ by: 'other' });
      } finally {
        await other.close();
      }
    });

    it('never takes a new write for a duplicate, with system events written around it', async () => {
      for (let i = 0; i < 5; i++) {
        double.writeSystemEvent('$stats-127.0.0.1:2113', '$statsCollected', { i });
        const written = await store.append('spec-fresh', [event()]);
        expect(written.duplicate).toBe(false);
        double.writeSystemEvent('$stats-127.0.0.1:2113', '$statsCollected', { i });
      }
    });

    it('reports an unreachable server as EventStoreUnavailableError', async () => {
      await store.append('spec-down', [event()]);
      const reader = new SubscriptionReader(store.subscribeToAll());
      await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
      await double.stop();
      await expect(reader.waitFor('the subscription to fail', () => false, 15_000)).rejects.toBeInstanceOf(
        EventStoreUnavailableError,
      );
      expect(reader.hasEnded).toBe(true);
      await expect(store.ping()).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(store.append('spec-down', [event()])).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(store.readStream('spec-down')).rejects.toBeInstanceOf(EventStoreUnavailableError);
    });
  },
);

/**
 * A node that answers a recognised retry with NoPosition (it can no longer read the original event,
 * e.g. truncated by stream metadata): the adapter still reports a duplicate with the original result.
 */
describe.each(['current', 'legacy'] as const)(
  'eventstoredb adapter on a gRPC double answering idempotent appends without a position (%s node)',
  (profile) => {
    let double: EsdbDouble;
    let store: EventStore;

    beforeEach(async () => {
      double = await startEsdbDouble({ profile, idempotentPosition: 'none' });
      store = await createEventStoreDbEventStore(double.connectionString);
    });
    afterEach(async () => {
      await store.close();
      await double.stop();
    });

    it('reads the original event for the position and reports a duplicate', async () => {
      const batch: NewEvent[] = [0, 1].map(() => ({ id: randomUUID(), type: 'Tested', data: {} }));
      const original = await store.append('spec-nopos', batch, { expectedRevision: 'no_stream' });
      expect(original.duplicate).toBe(false);
      for (const expectedRevision of ['no_stream', 'any'] as const) {
        expect(await store.append('spec-nopos', batch, { expectedRevision })).toEqual({
          ...original,
          duplicate: true,
        });
      }
    });
  },
);
