import { randomUUID } from 'node:crypto';
import {
  EventStoreError,
  InvalidAppendError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../errors';
import {
  comparePositions,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type JsonObject,
  type NewEvent,
  type Position,
  type ReadAllOptions,
  type RecordedEvent,
} from '../types';
import { SubscriptionReader } from './subscription-reader';

/**
 * The executable definition of the event-store port (`types.ts`). Every adapter runs exactly these
 * cases. Stream names and event types carry a random suffix so the suite can run against a shared,
 * non-empty server (EventStoreDB): assertions about `$all` only look at this suite's own events.
 */
export type MakeStore = () => Promise<{ store: EventStore; cleanup: () => Promise<void> }>;

export function runEventStoreContract(label: string, makeStore: MakeStore): void {
  // Generous, only so a broken adapter cannot hang the run; no case asserts on speed.
  jest.setTimeout(60_000);
  describe(`event store contract: ${label}`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterAll(async () => {
      await cleanup?.();
    });

    describe('expected revision', () => {
      it('starts revisions at 0 and reports the last revision written', async () => {
        const stream = uniqueStream('rev');
        const first = await store.append(stream, [newEvent()]);
        expect(first.nextExpectedRevision).toBe(0);
        const second = await store.append(stream, [newEvent(), newEvent()]);
        expect(second.nextExpectedRevision).toBe(2);
        const events = await store.readStream(stream);
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(comparePositions(second.position, first.position)).toBeGreaterThan(0);
        expect(events[2].position).toBe(second.position);
      });

      it("'any' appends to a new and to an existing stream", async () => {
        const stream = uniqueStream('any');
        await expect(store.append(stream, [newEvent()], { expectedRevision: 'any' })).resolves.toMatchObject({
          nextExpectedRevision: 0,
        });
        await expect(store.append(stream, [newEvent()], { expectedRevision: 'any' })).resolves.toMatchObject({
          nextExpectedRevision: 1,
        });
      });

      it("'no_stream' succeeds on a new stream and fails on an existing one", async () => {
        const stream = uniqueStream('nostream');
        await store.append(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const error = await appendError(store, stream, [newEvent()], 'no_stream');
        expectWrongVersion(error, stream, 'no_stream', 1);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it("'stream_exists' fails on a new stream and succeeds on an existing one", async () => {
        const stream = uniqueStream('exists');
        const error = await appendError(store, stream, [newEvent()], 'stream_exists');
        expectWrongVersion(error, stream, 'stream_exists', 'no_stream');
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);

        await store.append(stream, [newEvent()]);
        const result = await store.append(stream, [newEvent()], { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('an exact revision succeeds when it matches and fails with the actual revision otherwise', async () => {
        const stream = uniqueStream('exact');
        const missing = await appendError(store, stream, [newEvent()], 0);
        expectWrongVersion(missing, stream, 0, 'no_stream');

        await store.append(stream, [newEvent()], { expectedRevision: 'no_stream' });
        const ok = await store.append(stream, [newEvent(), newEvent()], { expectedRevision: 0 });
        expect(ok.nextExpectedRevision).toBe(2);

        const stale = await appendError(store, stream, [newEvent()], 0);
        expectWrongVersion(stale, stream, 0, 2);
        const ahead = await appendError(store, stream, [newEvent()], 7);
        expectWrongVersion(ahead, stream, 7, 2);
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      it('rejects invalid appends with InvalidAppendError and writes nothing', async () => {
        const stream = uniqueStream('invalid');
        await expect(store.append('', [newEvent()])).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(store.append(stream, [])).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(store.append(stream, [{ ...newEvent(), id: 'not-a-uuid' }])).rejects.toBeInstanceOf(
          InvalidAppendError,
        );
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('optimistic concurrency', () => {
      it('32 concurrent appenders with exact revisions and retry: one winner per revision, no gaps', async () => {
        const stream = uniqueStream('race');
        const appenders = Array.from({ length: 32 }, () => newEvent('Raced'));

        const results = await Promise.all(appenders.map((event) => appendWithRetry(store, stream, event)));

        const revisions = results.map((r) => r.nextExpectedRevision).sort((a, b) => a - b);
        expect(revisions).toEqual(Array.from({ length: 32 }, (_, i) => i));
        const stored = await store.readStream(stream);
        expect(stored.map((e) => e.revision)).toEqual(Array.from({ length: 32 }, (_, i) => i));
        expect(new Set(stored.map((e) => e.id)).size).toBe(32);
        appenders.forEach((event, i) => {
          expect(stored[results[i].nextExpectedRevision].id).toBe(event.id);
          expect(stored[results[i].nextExpectedRevision].position).toBe(results[i].position);
        });
      });
    });

    describe('idempotent retry', () => {
      // The original result, marked as a duplicate: what the store holds is what the first append
      // wrote, whatever else the retry's events carry (the pipeline relies on telling them apart).
      const retried = (original: AppendResult) => ({ ...original, duplicate: true });

      it('re-appending the same ids writes nothing and returns the original result', async () => {
        const stream = uniqueStream('idem');
        const head = newEvent();
        await store.append(stream, [head], { expectedRevision: 'no_stream' });
        const batch = [newEvent(), newEvent()];
        const original = await store.append(stream, batch, { expectedRevision: 0 });
        expect(original.duplicate).toBe(false);

        expect(await store.append(stream, batch, { expectedRevision: 0 })).toEqual(retried(original));
        expect(await store.append(stream, batch, { expectedRevision: 'any' })).toEqual(retried(original));
        expect(await store.readStream(stream)).toHaveLength(3);

        // Still the original result after the stream moved on.
        await store.append(stream, [newEvent()], { expectedRevision: 2 });
        expect(await store.append(stream, batch, { expectedRevision: 0 })).toEqual(retried(original));
        expect(await store.append(stream, batch, { expectedRevision: 'any' })).toEqual(retried(original));
        expect((await store.readStream(stream)).map((e) => e.id)).toEqual([
          head.id,
          batch[0].id,
          batch[1].id,
          expect.any(String),
        ]);
      });

      it("is idempotent for a first append made with 'no_stream'", async () => {
        const stream = uniqueStream('idem-new');
        const batch = [newEvent(), newEvent(), newEvent()];
        const original = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        expect(await store.append(stream, batch, { expectedRevision: 'no_stream' })).toEqual(
          retried(original),
        );
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      it('a partial overlap of ids is a WrongExpectedVersionError and writes nothing', async () => {
        const stream = uniqueStream('overlap');
        const [a, b, c] = [newEvent(), newEvent(), newEvent()];
        await store.append(stream, [a, b, c], { expectedRevision: 'no_stream' });

        const exact = await appendError(store, stream, [b, newEvent()], 0);
        expect(exact).toBeInstanceOf(WrongExpectedVersionError);
        expect((exact as WrongExpectedVersionError).streamName).toBe(stream);
        const any = await appendError(store, stream, [b, newEvent()], 'any');
        expect(any).toBeInstanceOf(WrongExpectedVersionError);
        expect((await store.readStream(stream)).map((e) => e.id)).toEqual([a.id, b.id, c.id]);
      });
    });

    describe('readStream', () => {
      let stream: string;
      let ids: string[];

      beforeAll(async () => {
        stream = uniqueStream('read');
        const events = Array.from({ length: 5 }, (_, i) => newEvent(`Numbered`, { n: i }));
        ids = events.map((e) => e.id);
        await store.append(stream, events, { expectedRevision: 'no_stream' });
      });

      it('reads forwards by default with the full recorded shape', async () => {
        const events = await store.readStream(stream);
        expect(events.map((e) => e.id)).toEqual(ids);
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
        expect(events[3]).toMatchObject({
          streamName: stream,
          type: 'Numbered',
          data: { n: 3 },
          metadata: {},
        });
        expectStrictlyIncreasing(events.map((e) => e.position));
      });

      it('reads backwards', async () => {
        const events = await store.readStream(stream, { direction: 'backwards' });
        expect(events.map((e) => e.revision)).toEqual([4, 3, 2, 1, 0]);
        const fromEnd = await store.readStream(stream, {
          direction: 'backwards',
          fromRevision: 'end',
          maxCount: 1,
        });
        expect(fromEnd.map((e) => e.revision)).toEqual([4]);
      });

      it('honours an inclusive fromRevision in both directions', async () => {
        const forwards = await store.readStream(stream, { fromRevision: 2 });
        expect(forwards.map((e) => e.revision)).toEqual([2, 3, 4]);
        const backwards = await store.readStream(stream, { direction: 'backwards', fromRevision: 2 });
        expect(backwards.map((e) => e.revision)).toEqual([2, 1, 0]);
        const start = await store.readStream(stream, { fromRevision: 'start', maxCount: 2 });
        expect(start.map((e) => e.revision)).toEqual([0, 1]);
      });

      it('honours maxCount', async () => {
        expect((await store.readStream(stream, { maxCount: 2 })).map((e) => e.revision)).toEqual([0, 1]);
        const back = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
        expect(back.map((e) => e.revision)).toEqual([4, 3]);
        expect(
          (await store.readStream(stream, { fromRevision: 3, maxCount: 10 })).map((e) => e.revision),
        ).toEqual([3, 4]);
      });

      it('throws StreamNotFoundError for a stream without events', async () => {
        const missing = uniqueStream('missing');
        const error = await store.readStream(missing).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StreamNotFoundError);
        expect(error).toBeInstanceOf(EventStoreError);
        expect((error as StreamNotFoundError).streamName).toBe(missing);
      });

      it('throws StreamNotFoundError for a missing stream from any revision, in either direction', async () => {
        const missing = uniqueStream('missing');
        for (const options of [
          { fromRevision: 5 },
          { direction: 'backwards' as const },
          { direction: 'backwards' as const, fromRevision: 2 },
        ]) {
          await expect(store.readStream(missing, options)).rejects.toBeInstanceOf(StreamNotFoundError);
        }
      });

      it('reading an existing stream past its end returns no events', async () => {
        const stream = uniqueStream('short');
        await store.append(stream, [newEvent('A', {}), newEvent('B', {})]);
        expect(await store.readStream(stream, { fromRevision: 2 })).toEqual([]);
      });
    });

    describe('readAll', () => {
      let prefix: string;
      let before: Position | null;
      let written: { id: string; position: Position }[];

      beforeAll(async () => {
        prefix = uniqueStream('all');
        before = await store.headPosition();
        written = [];
        // Sequential appends across many streams: commit order is the order of these awaits.
        for (let i = 0; i < 30; i += 1) {
          const event = newEvent('Spread', { i });
          const result = await store.append(`${prefix}-${i % 10}`, [event]);
          written.push({ id: event.id, position: result.position });
        }
      });

      const mine = (events: RecordedEvent[]) => events.filter((e) => e.streamName.startsWith(prefix));

      it('returns events in commit order with strictly increasing positions', async () => {
        const events = mine(
          await readAllPaged(store, { fromPosition: before ?? undefined }, 50, lastOf(written)),
        );
        expect(events.map((e) => e.id)).toEqual(written.map((w) => w.id));
        expect(events.map((e) => e.position)).toEqual(written.map((w) => w.position));
        expectStrictlyIncreasing(events.map((e) => e.position));
        if (before !== null) expect(comparePositions(events[0].position, before)).toBeGreaterThan(0);
      });

      it('reads backwards', async () => {
        const events = await store.readAll({
          direction: 'backwards',
          filter: { streamNamePrefixes: [prefix] },
        });
        expect(events.map((e) => e.id)).toEqual(written.map((w) => w.id).reverse());
        const head = await store.headPosition();
        const newest = await store.readAll({ direction: 'backwards', maxCount: 1 });
        expect(newest).toHaveLength(1);
        expect(comparePositions(newest[0].position, lastOf(written).position)).toBeGreaterThanOrEqual(0);
        expect(comparePositions(head ?? '', newest[0].position)).toBeGreaterThanOrEqual(0);
      });

      it('pages resumably with an exclusive fromPosition and maxCount, forwards and backwards', async () => {
        const filter = { streamNamePrefixes: [prefix] };
        const forwards: RecordedEvent[] = [];
        let cursor: Position | undefined;
        for (let page = 0; page < 20; page += 1) {
          const batch = await store.readAll({ fromPosition: cursor, maxCount: 7, filter });
          expect(batch.length).toBeLessThanOrEqual(7);
          forwards.push(...batch);
          if (batch.length < 7) break;
          cursor = lastOf(batch).position;
        }
        expect(forwards.map((e) => e.id)).toEqual(written.map((w) => w.id));

        const backwards: RecordedEvent[] = [];
        cursor = undefined;
        for (let page = 0; page < 20; page += 1) {
          const batch = await store.readAll({
            direction: 'backwards',
            fromPosition: cursor,
            maxCount: 4,
            filter,
          });
          backwards.push(...batch);
          if (batch.length < 4) break;
          cursor = lastOf(batch).position;
        }
        expect(backwards.map((e) => e.id)).toEqual(written.map((w) => w.id).reverse());
      });

      it('fromPosition is exclusive', async () => {
        const third = written[2];
        const next = await store.readAll({
          fromPosition: third.position,
          maxCount: 2,
          filter: { streamNamePrefixes: [prefix] },
        });
        expect(next.map((e) => e.id)).toEqual([written[3].id, written[4].id]);
        const previous = await store.readAll({
          direction: 'backwards',
          fromPosition: third.position,
          filter: { streamNamePrefixes: [prefix] },
        });
        expect(previous.map((e) => e.id)).toEqual([written[1].id, written[0].id]);
      });

      it('honours maxCount', async () => {
        expect(await store.readAll({ maxCount: 3, filter: { streamNamePrefixes: [prefix] } })).toHaveLength(
          3,
        );
        expect(await store.readAll({ maxCount: 1 })).toHaveLength(1);
      });
    });

    describe('filtered readAll', () => {
      let prefix: string;
      let typePrefix: string;
      let all: NewEvent[];

      beforeAll(async () => {
        prefix = uniqueStream('flt');
        typePrefix = `Ct${randomUUID().slice(0, 8)}.`;
        const order = (n: number) => newEvent(`${typePrefix}OrderPlaced`, { n });
        const invoice = (n: number) => newEvent(`${typePrefix}InvoiceIssued`, { n });
        const ship = (n: number) => newEvent(`${typePrefix}Shipped`, { n });
        all = [order(0), invoice(1), order(2), ship(3), invoice(4), order(5)];
        // Stream `a` holds orders and invoices; stream `b` holds the rest.
        const streamOf = (i: number) => (i % 2 === 0 ? `${prefix}-a` : `${prefix}-b`);
        for (const [i, event] of all.entries()) await store.append(streamOf(i), [event]);
      });

      const ids = (events: RecordedEvent[]) => events.map((e) => e.id);
      const expected = (keep: (i: number, e: NewEvent) => boolean) =>
        all.filter((e, i) => keep(i, e)).map((e) => e.id);

      it('filters by event type prefixes (any of them)', async () => {
        const orders = await store.readAll({ filter: { eventTypePrefixes: [`${typePrefix}Order`] } });
        expect(ids(orders)).toEqual(expected((_, e) => e.type.endsWith('OrderPlaced')));
        const two = await store.readAll({
          filter: { eventTypePrefixes: [`${typePrefix}Inv`, `${typePrefix}Ship`] },
        });
        expect(ids(two)).toEqual(expected((_, e) => !e.type.endsWith('OrderPlaced')));
      });

      it('filters by stream name prefixes', async () => {
        const b = await store.readAll({ filter: { streamNamePrefixes: [`${prefix}-b`] } });
        expect(ids(b)).toEqual(expected((i) => i % 2 === 1));
        expect(b.every((e) => e.streamName === `${prefix}-b`)).toBe(true);
      });

      it('combines type and stream prefixes with AND', async () => {
        const both = await store.readAll({
          filter: { eventTypePrefixes: [`${typePrefix}Order`], streamNamePrefixes: [`${prefix}-b`] },
        });
        expect(ids(both)).toEqual(expected((i, e) => i % 2 === 1 && e.type.endsWith('OrderPlaced')));
        const aOrders = await store.readAll({
          direction: 'backwards',
          filter: { eventTypePrefixes: [`${typePrefix}Order`], streamNamePrefixes: [`${prefix}-a`] },
        });
        expect(ids(aOrders)).toEqual(
          expected((i, e) => i % 2 === 0 && e.type.endsWith('OrderPlaced')).reverse(),
        );
      });
    });

    describe('subscribeToAll', () => {
      it('delivers catch-up events, then caught-up, then live events', async () => {
        const prefix = uniqueStream('sub');
        const before = await store.headPosition();
        const historic = [newEvent(), newEvent(), newEvent()];
        for (const event of historic) await store.append(`${prefix}-1`, [event]);

        const reader = new SubscriptionReader(store.subscribeToAll({ fromPosition: before ?? undefined }));
        try {
          await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
          const caughtUpAt = reader.messages.findIndex((m) => m.type === 'caught-up');
          const beforeCaughtUp = new SubscriptionReaderView(reader.messages.slice(0, caughtUpAt)).events(
            prefix,
          );
          expect(beforeCaughtUp.map((e) => e.id)).toEqual(historic.map((e) => e.id));

          const live = [newEvent(), newEvent()];
          await store.append(`${prefix}-2`, [live[0]]);
          await store.append(`${prefix}-1`, [live[1]]);
          await reader.waitFor('live events', () => reader.events(prefix).length >= 5);
          expect(reader.events(prefix).map((e) => e.id)).toEqual([...historic, ...live].map((e) => e.id));
          expect(reader.events(prefix)[4]).toMatchObject({ streamName: `${prefix}-1`, revision: 3 });
        } finally {
          await reader.close();
        }
      });

      it('loses and duplicates nothing while concurrent writers append during the hand-off', async () => {
        const prefix = uniqueStream('handoff');
        const before = await store.headPosition();
        for (let i = 0; i < 40; i += 1)
          await store.append(`${prefix}-pre-${i % 4}`, [newEvent('Pre', { i })]);

        const reader = new SubscriptionReader(store.subscribeToAll({ fromPosition: before ?? undefined }));
        try {
          // Writers start together with the subscription, so they overlap catch-up, hand-off and live.
          const writers = Array.from({ length: 4 }, async (_, w) => {
            for (let i = 0; i < 25; i += 1) {
              await store.append(`${prefix}-w${w}`, [newEvent('Live', { w, i })]);
              if (i % 5 === 0) await store.append(`${prefix}-shared`, [newEvent('Shared', { w, i })]);
              if (i % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
            }
          });
          await Promise.all(writers);
          // A sentinel written after everything else: once it arrives, every earlier event has been
          // delivered, and any duplicate would have shown up before it.
          const sentinel = newEvent('Sentinel');
          await store.append(`${prefix}-sentinel`, [sentinel]);
          await reader.waitFor('sentinel', () => reader.events(prefix).some((e) => e.id === sentinel.id));

          const expectedIds = (
            await readAllPaged(store, { fromPosition: before ?? undefined }, 100, { id: sentinel.id })
          )
            .filter((e) => e.streamName.startsWith(prefix))
            .map((e) => e.id);
          const received = reader.events(prefix);
          expect(expectedIds).toHaveLength(40 + 100 + 20 + 1);
          expect(received.map((e) => e.id)).toEqual(expectedIds);
          expectStrictlyIncreasing(received.map((e) => e.position));

          const firstCaughtUp = reader.messages.findIndex((m) => m.type === 'caught-up');
          expect(firstCaughtUp).toBeGreaterThanOrEqual(0);
          const historicBeforeCaughtUp = new SubscriptionReaderView(reader.messages.slice(0, firstCaughtUp))
            .events(prefix)
            .filter((e) => e.type === 'Pre');
          expect(historicBeforeCaughtUp).toHaveLength(40);
        } finally {
          await reader.close();
        }
      });

      it('starts after an exclusive fromPosition', async () => {
        const prefix = uniqueStream('subfrom');
        const events = Array.from({ length: 5 }, () => newEvent());
        const results: AppendResult[] = [];
        for (const event of events) results.push(await store.append(prefix, [event]));

        const reader = new SubscriptionReader(store.subscribeToAll({ fromPosition: results[1].position }));
        try {
          await reader.waitFor('three events', () => reader.events(prefix).length >= 3);
          await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
          expect(reader.events(prefix).map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
          expect(reader.events().every((e) => comparePositions(e.position, results[1].position) > 0)).toBe(
            true,
          );
        } finally {
          await reader.close();
        }
      });

      it('applies a filter to historic and live events', async () => {
        const prefix = uniqueStream('subflt');
        const typePrefix = `Sf${randomUUID().slice(0, 8)}.`;
        const before = await store.headPosition();
        const kept = [newEvent(`${typePrefix}Kept`), newEvent(`${typePrefix}Kept`)];
        await store.append(`${prefix}-1`, [kept[0], newEvent(`${typePrefix}Dropped`)]);

        const reader = new SubscriptionReader(
          store.subscribeToAll({
            fromPosition: before ?? undefined,
            filter: { eventTypePrefixes: [`${typePrefix}Kept`] },
          }),
        );
        try {
          await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
          await store.append(`${prefix}-2`, [newEvent(`${typePrefix}Dropped`), kept[1]]);
          const sentinel = newEvent(`${typePrefix}KeptSentinel`);
          await store.append(`${prefix}-3`, [sentinel]);
          await reader.waitFor('sentinel', () => reader.events().some((e) => e.id === sentinel.id));
          expect(reader.events().map((e) => e.id)).toEqual([...kept, sentinel].map((e) => e.id));
        } finally {
          await reader.close();
        }
      });

      it('close() ends the iteration, also while it waits for live events', async () => {
        const prefix = uniqueStream('subclose');
        await store.append(prefix, [newEvent()]);
        const head = await store.headPosition();
        const reader = new SubscriptionReader(store.subscribeToAll({ fromPosition: head ?? undefined }));
        await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
        await reader.close();
        expect(reader.hasEnded).toBe(true);
        await reader.subscription.close(); // closing twice is harmless
      });
    });

    describe('headPosition', () => {
      it('is null for an empty store and the newest position afterwards', async () => {
        const fresh = await makeStore();
        try {
          const existing = await fresh.store.readAll({ direction: 'backwards', maxCount: 1 });
          const head = await fresh.store.headPosition();
          // A fresh sqlite/postgres store is empty; a shared EventStoreDB server is not.
          if (existing.length === 0) expect(head).toBeNull();
          else expect(comparePositions(head ?? '', existing[0].position)).toBeGreaterThanOrEqual(0);

          const result = await fresh.store.append(uniqueStream('head'), [newEvent()]);
          const after = await fresh.store.headPosition();
          expect(after).not.toBeNull();
          expect(comparePositions(after ?? '', result.position)).toBeGreaterThanOrEqual(0);
          await expect(fresh.store.ping()).resolves.toBeUndefined();
        } finally {
          await fresh.cleanup();
        }
      });
    });

    describe('payloads', () => {
      it('round-trips a 1 MB event', async () => {
        const stream = uniqueStream('big');
        // ~1 MB but under EventStoreDB's default 1 MiB maximum append size.
        const chunk = 'Partner Center large payload ';
        const blob = chunk.repeat(Math.ceil(1_000_000 / chunk.length)).slice(0, 1_000_000);
        const event = newEvent('Big', { blob, tail: 'fin – ✓ 終' });
        const result = await store.append(stream, [event]);
        const [read] = await store.readStream(stream);
        expect(read.data.blob).toBe(blob);
        expectSameJson(read.data, event.data);
        const [fromAll] = await store.readAll({
          fromPosition: undefined,
          filter: { streamNamePrefixes: [stream] },
        });
        expect(fromAll.position).toBe(result.position);
        expect(fromAll.data.blob).toBe(blob);
      });

      it('round-trips non-ASCII data byte-exact, key order included', async () => {
        const stream = uniqueStream('unicode');
        const data: JsonObject = {
          emoji: 'Partner 👩🏽‍💻 ships 🚀🇫🇷',
          cjk: '漢字・かな・カナ・한국어',
          accents: 'Ångström, café, naïve, Łódź, São Paulo',
          odd: 'zero\u200bwidth \ufeffbom \u202eRTL\u202c e\u0301 \u{1d518}\u{1d52b} \u2028\u2029 \u0001\t\n"\\\'',
          'clé-ünicode': { nested: ['ä', 'ß', '€', 1.5, -0.25, true, null] },
          zLast: 1,
          aFirst: 2,
        };
        const event = newEvent('Unicode', data);
        await store.append(stream, [event]);
        const [read] = await store.readStream(stream);
        expect(read.data).toEqual(data);
        expectSameJson(read.data, data);
      });

      it('round-trips metadata and defaults missing metadata to {}', async () => {
        const stream = uniqueStream('meta');
        const metadata: JsonObject = {
          commandId: randomUUID(),
          correlationId: randomUUID(),
          causationId: randomUUID(),
          actor: { kind: 'partner-user', id: 'u-1', partnerId: 'p-1' },
          service: { kind: 'service', id: 'billing' },
          occurredAt: '2024-05-01T10:00:00.000Z',
          schemaVersion: 1,
          commandType: 'PlaceOrder',
          note: 'Grüße 👋',
        };
        await store.append(stream, [{ ...newEvent(), metadata }, newEvent()]);
        const [withMeta, without] = await store.readStream(stream);
        expect(withMeta.metadata).toEqual(metadata);
        expectSameJson(withMeta.metadata, metadata);
        expect(without.metadata).toEqual({});
      });

      it('records recordedAt as ISO-8601', async () => {
        const stream = uniqueStream('time');
        await store.append(stream, [newEvent()]);
        const [event] = await store.readStream(stream);
        expect(event.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
        expect(Number.isNaN(Date.parse(event.recordedAt))).toBe(false);
      });
    });
  });
}

/** A read-only view over a slice of messages, reusing the reader's filtering. */
class SubscriptionReaderView {
  constructor(private readonly messages: SubscriptionReader['messages']) {}
  events(streamPrefix: string): RecordedEvent[] {
    return this.messages.flatMap((m) =>
      m.type === 'event' && m.event.streamName.startsWith(streamPrefix) ? [m.event] : [],
    );
  }
}

function uniqueStream(kind: string): string {
  return `ct_${kind}-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

function newEvent(type = 'ContractTested', data: JsonObject = { at: 'contract' }): NewEvent {
  return { id: randomUUID(), type, data };
}

function lastOf<T>(items: T[]): T {
  if (items.length === 0) throw new Error('expected a non-empty list');
  return items[items.length - 1];
}

async function appendError(
  store: EventStore,
  stream: string,
  events: NewEvent[],
  expected: ExpectedRevision,
) {
  return store.append(stream, events, { expectedRevision: expected }).then(
    (result) => new Error(`expected the append to fail but it succeeded: ${JSON.stringify(result)}`),
    (error: unknown) => error,
  );
}

function expectWrongVersion(
  error: unknown,
  stream: string,
  expected: ExpectedRevision,
  actual: 'no_stream' | number,
) {
  expect(error).toBeInstanceOf(WrongExpectedVersionError);
  expect(error).toBeInstanceOf(EventStoreError);
  expect(error).toMatchObject({ code: 'wrong-expected-version', streamName: stream, expected, actual });
}

/** Optimistic append loop: retry with the actual revision the store reported, bounded. */
async function appendWithRetry(store: EventStore, stream: string, event: NewEvent): Promise<AppendResult> {
  let expected: ExpectedRevision = 'no_stream';
  for (let attempt = 0; attempt < 500; attempt += 1) {
    try {
      return await store.append(stream, [event], { expectedRevision: expected });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      expected = error.actual;
    }
  }
  throw new Error(`appender for ${event.id} did not win a revision in 500 attempts`);
}

/** Reads `$all` forwards in pages until the event `until` has been read (or the log ends). */
async function readAllPaged(
  store: EventStore,
  options: ReadAllOptions,
  pageSize: number,
  until: { id: string },
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let cursor = options.fromPosition;
  for (let page = 0; page < 100_000; page += 1) {
    const batch = await store.readAll({ ...options, fromPosition: cursor, maxCount: pageSize });
    events.push(...batch);
    if (batch.length < pageSize || batch.some((e) => e.id === until.id)) return events;
    cursor = lastOf(batch).position;
  }
  throw new Error('readAll paging did not terminate');
}

function expectStrictlyIncreasing(positions: Position[]) {
  for (let i = 1; i < positions.length; i += 1) {
    if (comparePositions(positions[i - 1], positions[i]) >= 0) {
      throw new Error(`positions not strictly increasing at ${i}: ${positions[i - 1]} then ${positions[i]}`);
    }
  }
}

/** Byte-exact: the same JSON text, so key order and every code point survived the store. */
function expectSameJson(actual: JsonObject, expected: JsonObject) {
  expect(
    Buffer.from(JSON.stringify(actual), 'utf8').equals(Buffer.from(JSON.stringify(expected), 'utf8')),
  ).toBe(true);
}
