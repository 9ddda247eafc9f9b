/**
 * The event-store contract through the REAL `@eventstore/db-client` against the in-process gRPC
 * TEST DOUBLE of EventStoreDB (test/support/esdb-double) — not against EventStoreDB itself; see
 * eventstoredb-real.contract.test.ts for that. Each store gets its own double, so `$all` starts
 * with only the double's seeded system events.
 *
 * Run twice: as a current (23.10+) node — the client appends through BatchAppend and subscriptions
 * get CaughtUp — and as a legacy (21.x/22.x) node — plain Append, no CaughtUp and no checkpoint when
 * a filtered subscription goes live, so the adapter's own way to caught-up is exercised too.
 */
import { randomUUID } from 'node:crypto';
import {
  EventStoreUnavailableError,
  InvalidAppendError,
  type AppendResult,
  type EventStore,
  type NewEvent,
} from '@pc/event-store';
import {
  ANY,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  eventTypeFilter,
  jsonEvent,
} from '@eventstore/db-client';
import type { Position as EsdbPosition } from '@eventstore/db-client';
import { createEventStoreDbEventStore } from '@pc/event-store/eventstoredb/eventstoredb-event-store';
import { runEventStoreContract } from '@pc/event-store/testing/contract';
import { SubscriptionReader } from '@pc/event-store/testing/subscription-reader';
import { startEsdbDouble, type EsdbDouble, type EsdbDoubleOptions } from '../support/esdb-double';
import { raceAfterHeadRead } from '../support/esdb-double/race';

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
      // (current) or, on a legacy node that sends neither CaughtUp nor a checkpoint when going live,
      // from the adapter's own look below the head — ordered behind the events still buffered.
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

    it('reaches caught-up on a quiet store whose newest event the filter drops', async () => {
      // The review's repro: against a real 21.x/22.x node nothing ever passes the head here.
      const kept = [event('Kept.Quiet'), event('Kept.Quiet'), event('Kept.Quiet')];
      for (const k of kept) await store.append('spec-quiet', [k]);
      await store.append('spec-quiet', [event('Dropped')]);
      const reader = new SubscriptionReader(
        store.subscribeToAll({ filter: { eventTypePrefixes: ['Kept.'] } }),
      );
      try {
        await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'), 10_000);
        expect(reader.messages.map((m) => m.type)).toEqual(['event', 'event', 'event', 'caught-up']);
        expect(reader.events().map((e) => e.id)).toEqual(kept.map((k) => k.id));
        expect(reader.messages[3]).toEqual({ type: 'caught-up', position: reader.events()[2].position });
        const live = event('Kept.Live');
        await store.append('spec-quiet', [event('Dropped'), live]);
        await reader.waitFor('live event', () => reader.events().length === 4);
        expect(reader.events()[3].id).toBe(live.id);
        expect(reader.messages.filter((m) => m.type === 'caught-up')).toHaveLength(1);
      } finally {
        await reader.close();
      }
    });

    it('reaches caught-up when nothing in the store matches the filter', async () => {
      // 43 records: a legacy node checkpoints after its first page only, far below the head.
      for (let i = 0; i < 4; i++) {
        await store.append(
          `spec-none-${i}`,
          Array.from({ length: 10 }, () => event('Dropped')),
        );
      }
      const reader = new SubscriptionReader(
        store.subscribeToAll({ filter: { eventTypePrefixes: ['Kept.'] } }),
      );
      try {
        await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'), 10_000);
        expect(reader.messages).toEqual([{ type: 'caught-up', position: null }]);
        const live = event('Kept.Live');
        await store.append('spec-none-live', [live]);
        await reader.waitFor('live event', () => reader.events().length === 1);
        expect(reader.events()[0].id).toBe(live.id);
      } finally {
        await reader.close();
      }
    });

    it('reaches caught-up from a position after which only dropped events follow', async () => {
      const { position } = await store.append('spec-from', [event('Kept.From')]);
      await store.append('spec-from', [event('Dropped'), event('Dropped')]);
      const reader = new SubscriptionReader(
        store.subscribeToAll({ fromPosition: position, filter: { eventTypePrefixes: ['Kept.'] } }),
      );
      try {
        await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'), 10_000);
        expect(reader.messages).toEqual([{ type: 'caught-up', position }]);
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

    // Regression (review): the same command id run by two processes at once. The other process's
    // append of the SAME event ids commits between this append's head read and its append; the
    // server takes this append as an idempotent retry and answers with the other write's position,
    // which is above the head read, so the head check alone reported `duplicate: false`.
    describe('when a write of the same ids races in between the head read and the append', () => {
      let other: EventStore;
      beforeEach(async () => {
        other = await createEventStoreDbEventStore(double.connectionString);
      });
      afterEach(async () => {
        await other.close();
      });

      const setups = {
        no_stream: async () => 'no_stream' as const,
        'an exact revision': async (stream: string) => {
          await other.append(stream, [event('Before')], { expectedRevision: 'no_stream' });
          return 0;
        },
        any: async (stream: string) => {
          await other.append(stream, [event('Before')], { expectedRevision: 'no_stream' });
          return 'any' as const;
        },
      };

      it.each(Object.keys(setups) as (keyof typeof setups)[])(
        'reports the append as a duplicate with the stored result (expecting %s)',
        async (kind) => {
          const stream = `spec-race-${randomUUID()}`;
          const expectedRevision = await setups[kind](stream);
          const ids = [randomUUID(), randomUUID()];
          const batch = (by: string, at: string): NewEvent[] =>
            ids.map((id, i) => ({
              id,
              type: 'Tested',
              // Data alike, metadata not: the pipeline's case (another occurredAt, other hashes).
              data: { index: i },
              metadata: { by, occurredAt: at },
            }));
          let original: AppendResult | undefined;
          raceAfterHeadRead(store, async () => {
            original = await other.append(stream, batch('other', '2026-01-05T09:00:01.000Z'), {
              expectedRevision,
            });
          });
          const retried = await store.append(stream, batch('me', '2026-01-05T09:00:02.000Z'), {
            expectedRevision,
          });
          expect(original).toMatchObject({ duplicate: false });
          expect(retried).toEqual({ ...original, duplicate: true });
          const stored = await store.readStream(stream);
          expect(stored.slice(-2).map((e) => [e.id, e.metadata.by])).toEqual(ids.map((id) => [id, 'other']));
        },
      );

      it('reports it as a duplicate when only the data or the type of one event differs', async () => {
        for (const change of [{ data: { index: 1, extra: true } }, { type: 'Other' }]) {
          const stream = `spec-race-${randomUUID()}`;
          const ids = [randomUUID(), randomUUID()];
          const mine: NewEvent[] = ids.map((id, i) => ({ id, type: 'Tested', data: { index: i } }));
          let original: AppendResult | undefined;
          raceAfterHeadRead(store, async () => {
            original = await other.append(stream, [mine[0], { ...mine[1], ...change }], {
              expectedRevision: 'no_stream',
            });
          });
          const retried = await store.append(stream, mine, { expectedRevision: 'no_stream' });
          expect(retried).toEqual({ ...original, duplicate: true });
        }
      });

      it('takes an identical racing write for its own: the stream holds exactly what it sent', async () => {
        // Indistinguishable for any client; harmless, since the store holds what the caller believes.
        const stream = `spec-race-${randomUUID()}`;
        const mine: NewEvent[] = [event(), event()].map((e) => ({ ...e, metadata: { by: 'both' } }));
        let original: AppendResult | undefined;
        raceAfterHeadRead(store, async () => {
          original = await other.append(stream, mine, { expectedRevision: 'no_stream' });
        });
        const retried = await store.append(stream, mine, { expectedRevision: 'no_stream' });
        expect(retried).toEqual(original);
      });
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
 * A busy node: every catch-up page comes late, so the subscription falls silent long before the
 * server has reached the head. Caught-up must still wait for the last event the filter keeps.
 */
describe.each(['current', 'legacy'] as const)(
  'eventstoredb adapter on a slow gRPC double (%s node)',
  (profile) => {
    let double: EsdbDouble;
    let store: EventStore;

    beforeEach(async () => {
      double = await startEsdbDouble({ profile, catchUpPageDelayMs: 150 });
      store = await createEventStoreDbEventStore(double.connectionString);
    });
    afterEach(async () => {
      await store.close();
      await double.stop();
    });

    it('never takes a slow catch-up for its end', async () => {
      const event = (type: string): NewEvent => ({ id: randomUUID(), type, data: {} });
      const kept: NewEvent[] = [];
      for (let i = 0; i < 10; i++) {
        const batch = Array.from({ length: 10 }, () => event('Kept.Slow'));
        kept.push(...batch);
        await store.append(`spec-slow-${i}`, batch);
      }
      for (let i = 0; i < 10; i++) {
        await store.append(
          `spec-slow-dropped-${i}`,
          Array.from({ length: 10 }, () => event('Dropped')),
        );
      }
      const reader = new SubscriptionReader(
        store.subscribeToAll({ filter: { eventTypePrefixes: ['Kept.'] } }),
      );
      try {
        await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
        const caughtUpAt = reader.messages.findIndex((m) => m.type === 'caught-up');
        expect(caughtUpAt).toBe(kept.length);
        expect(reader.events().map((e) => e.id)).toEqual(kept.map((e) => e.id));
        expect(reader.messages[caughtUpAt]).toEqual({
          type: 'caught-up',
          position: reader.events()[kept.length - 1].position,
        });
      } finally {
        await reader.close();
      }
    });
  },
);

/**
 * FellBehind, as the 23.10+ protocol defines it (a node sends it when a subscription's live buffer
 * overflowed, then catches up again and sends CaughtUp): the caught-up that follows must come after
 * everything the subscription catches up on, not as soon as it passes the head read at the start.
 */
describe('eventstoredb adapter on a gRPC double whose subscription falls behind (current node)', () => {
  let double: EsdbDouble;
  let store: EventStore;

  beforeEach(async () => {
    double = await startEsdbDouble({ profile: 'current' });
    store = await createEventStoreDbEventStore(double.connectionString);
  });
  afterEach(async () => {
    await store.close();
    await double.stop();
  });

  const event = (): NewEvent => ({ id: randomUUID(), type: 'Tested', data: {} });

  it('reports caught-up again only once the server has caught up again', async () => {
    const first = event();
    await store.append('spec-behind', [first]);
    const reader = new SubscriptionReader(store.subscribeToAll());
    try {
      await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
      expect(reader.messages.map((m) => m.type)).toEqual(['event', 'caught-up']);
      expect(double.fallBehind()).toBe(1);
      // One append: the subscription wakes up with all five in the log, falls behind, catches up.
      const batch = Array.from({ length: 5 }, () => event());
      await store.append('spec-behind', batch);
      await reader.waitFor(
        'a second caught-up',
        () => reader.messages.filter((m) => m.type === 'caught-up').length === 2,
      );
      expect(reader.messages.map((m) => m.type)).toEqual([
        'event',
        'caught-up',
        'event',
        'event',
        'event',
        'event',
        'event',
        'caught-up',
      ]);
      expect(reader.events().map((e) => e.id)).toEqual([first, ...batch].map((e) => e.id));
      expect(reader.messages[7]).toEqual({ type: 'caught-up', position: reader.events()[5].position });
      const live = event();
      await store.append('spec-behind', [live]);
      await reader.waitFor('live event', () => reader.events().length === 7);
      expect(reader.events()[6].id).toBe(live.id);
      expect(reader.messages.filter((m) => m.type === 'caught-up')).toHaveLength(2);
    } finally {
      await reader.close();
    }
  });

  it('the legacy profile refuses to fall behind: no pre-23.10 node sends FellBehind', async () => {
    const legacy = await startEsdbDouble({ profile: 'legacy' });
    try {
      expect(() => legacy.fallBehind()).toThrow(/FellBehind/);
    } finally {
      await legacy.stop();
    }
  });
});

/**
 * The double itself, through the raw client: what a filtered `$all` subscription sends on each
 * profile, against the rules of the server sources (AllSubscriptionFiltered, 22.x and 23.10, and
 * the SubscriptionsService's live checkpoints), for a log the test lays out page by page.
 */
describe.each([
  {
    profile: 'legacy' as const,
    // Pages of 32 considered events: records 0-31 and 32-63 checkpoint (at the page start: they
    // deliver nothing), 64-73 is the last page: no checkpoint, no CaughtUp; the 10 it considered
    // carry over, so the 22nd live event completes the interval.
    catchUp: (p: bigint[]) => [
      { commit: 0n, prepare: 0n },
      { commit: p[32], prepare: 0n },
    ],
    caughtUp: 0,
    liveToCheckpoint: 22,
  },
  {
    profile: 'current' as const,
    // 23.10: the later of the last position sent and the page start; a checkpoint at the last event
    // sent and CaughtUp when going live; the live count starts from 0.
    catchUp: (p: bigint[]) => [
      { commit: 0n, prepare: 0n },
      { commit: p[32], prepare: 0n },
      { commit: p[73], prepare: p[73] },
    ],
    caughtUp: 1,
    liveToCheckpoint: 32,
  },
])(
  'the gRPC double: a filtered $all subscription ($profile node, raw client)',
  ({ profile, catchUp, caughtUp, liveToCheckpoint }) => {
    it('checkpoints as the server does, and (legacy) not when going live', async () => {
      const double = await startEsdbDouble({ profile });
      const client = EventStoreDBClient.connectionString(double.connectionString);
      const dropped = (n: number) =>
        Array.from({ length: n }, () => jsonEvent({ type: 'Dropped', data: {} }));
      try {
        // 3 seeded system records, 70 dropped, 1 kept: 74 records.
        await client.appendToStream('raw-dropped', dropped(70));
        await client.appendToStream('raw-kept', [jsonEvent({ type: 'Kept.Raw', data: {} })]);
        const positions: bigint[] = [];
        for await (const { event } of client.readAll({
          direction: FORWARDS,
          fromPosition: START,
          maxCount: 1_000,
        })) {
          if (event !== undefined) positions.push(event.position.commit);
        }
        expect(positions).toHaveLength(74);

        const events: bigint[] = [];
        const checkpoints: EsdbPosition[] = [];
        let caughtUps = 0;
        const subscription = client.subscribeToAll({
          fromPosition: START,
          filter: eventTypeFilter({
            prefixes: ['Kept.'],
            checkpointReached: (_subscription, position) => {
              checkpoints.push(position);
            },
          }),
        });
        subscription.on('data', ({ event }) => {
          if (event !== undefined) events.push(event.position.commit);
        });
        subscription.on('caughtUp', () => {
          caughtUps += 1;
        });
        /** Waits for `condition` (if any), then a little longer so that anything unexpected shows up. */
        const settle = async (condition: () => boolean = () => true): Promise<void> => {
          const deadline = Date.now() + 10_000;
          while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          await new Promise((r) => setTimeout(r, 300));
        };
        try {
          await settle(() => events.length === 1);
          expect(events).toEqual([positions[73]]);
          expect(checkpoints).toEqual(catchUp(positions));
          expect(caughtUps).toBe(caughtUp);

          await client.appendToStream('raw-dropped', dropped(liveToCheckpoint - 1));
          await settle();
          expect(checkpoints).toHaveLength(catchUp(positions).length);
          const { position } = await client.appendToStream('raw-dropped', dropped(1));
          await settle(() => checkpoints.length > catchUp(positions).length);
          expect(checkpoints.slice(catchUp(positions).length)).toEqual([position]);
          expect(caughtUps).toBe(caughtUp);
        } finally {
          await subscription.unsubscribe();
        }
      } finally {
        await client.dispose();
        await double.stop();
      }
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
