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
