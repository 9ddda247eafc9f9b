import type { EventStore, RecordedEvent } from '@pc/event-store';
import { readAllPage } from './paged-reader';
import { readStreamPage } from './stream-reader';
import { appendChained, memoryStore, partnerUser, platformActor } from './testing/fixtures';

describe('paged readers', () => {
  let store: EventStore;

  beforeAll(async () => {
    store = await memoryStore();
    // 30 events over 3 streams, interleaved; every third one is a Ping, the rest Pong.
    for (let i = 0; i < 30; i++) {
      const stream = `thing-${i % 3}`;
      const actor = i % 2 === 0 ? platformActor : partnerUser('contoso', 'jana');
      await appendChained(
        store,
        stream,
        [{ type: i % 3 === 0 ? 'Ping' : 'Pong', data: { n: i } }],
        actor,
        `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
      );
    }
  });
  afterAll(() => store.close());

  const ns = (events: RecordedEvent[]) => events.map((e) => e.data.n);

  it('pages the whole log forwards and backwards, resumable by position', async () => {
    const seen: unknown[] = [];
    let from: string | undefined;
    for (;;) {
      const page = await readAllPage(store, { fromPosition: from, maxCount: 7 });
      seen.push(...ns(page.events));
      if (page.nextPosition === null) break;
      from = page.nextPosition;
    }
    expect(seen).toEqual([...Array(30).keys()]);

    const last = await readAllPage(store, { direction: 'backwards', maxCount: 3 });
    expect(ns(last.events)).toEqual([29, 28, 27]);
    const before = await readAllPage(store, {
      direction: 'backwards',
      maxCount: 100,
      fromPosition: last.nextPosition ?? undefined,
    });
    expect(before.events).toHaveLength(27);
    expect(before.nextPosition).toBeNull();
  });

  // Regression: forwards from a position past the head, the page echoed that position as scannedUpTo,
  // "resume from here later to see new events": a reader tailing from it (a saved position of a log
  // that lost its tail, another store's, a typo) never saw the events written later before it.
  it('forwards from a position past the head, scannedUpTo is the head, so resuming misses nothing', async () => {
    const local = await memoryStore();
    try {
      const append = (n: number) =>
        appendChained(
          local,
          `tail-${n}`,
          [{ type: 'Ping', data: { n } }],
          platformActor,
          '2026-01-02T00:00:00Z',
        );
      await append(0);
      await append(1);
      const head = (await local.headPosition()) as string;
      const past = String(Number(head) + 5).padStart(head.length, '0');
      const idle = await readAllPage(local, { fromPosition: past, maxCount: 10 });
      expect(idle).toEqual({ events: [], nextPosition: null, scannedUpTo: head, scanned: 0 });
      // At the head itself, nothing changes: the position is its own resume point.
      expect((await readAllPage(local, { fromPosition: head, maxCount: 10 })).scannedUpTo).toBe(head);
      await append(2);
      const resumed = await readAllPage(local, { fromPosition: idle.scannedUpTo ?? undefined, maxCount: 10 });
      expect(ns(resumed.events)).toEqual([2]);
      // Backwards from past the head is every event before it, as before.
      expect(
        ns((await readAllPage(local, { direction: 'backwards', fromPosition: past, maxCount: 10 })).events),
      ).toEqual([2, 1, 0]);
    } finally {
      await local.close();
    }
    const empty = await memoryStore();
    try {
      // An empty log: resume from the beginning.
      expect(await readAllPage(empty, { fromPosition: '00000000000000000007', maxCount: 5 })).toEqual({
        events: [],
        nextPosition: null,
        scannedUpTo: null,
        scanned: 0,
      });
    } finally {
      await empty.close();
    }
  });

  it('filters with the predicate (and the store prefix hint) and counts what it scanned', async () => {
    const page = await readAllPage(store, { maxCount: 100, filter: { eventType: 'Ping', actorId: 'ops' } });
    expect(ns(page.events)).toEqual([0, 6, 12, 18, 24]);
    expect(page.nextPosition).toBeNull();
    expect(page.scannedUpTo).not.toBeNull();
    // The type prefix went to the store: only the 10 Pings crossed the wire.
    expect(page.scanned).toBe(10);
  });

  it('bounds the scan per page: a short page with a cursor that skips what was already examined', async () => {
    const first = await readAllPage(store, {
      maxCount: 5,
      maxScan: 8,
      batchSize: 4,
      filter: { actorId: 'jana', from: '2026-01-01T00:00:20Z' },
    });
    expect(first.events).toEqual([]);
    expect(first.scanned).toBe(8);
    expect(first.nextPosition).not.toBeNull();
    const rest = await readAllPage(store, {
      maxCount: 5,
      fromPosition: first.nextPosition ?? undefined,
      filter: { actorId: 'jana', from: '2026-01-01T00:00:20Z' },
    });
    expect(ns(rest.events)).toEqual([21, 23, 25, 27, 29]);
  });

  it('pages a stream both ways with an exact next-revision cursor', async () => {
    const first = await readStreamPage(store, 'thing-1', { maxCount: 4 });
    expect(first.events.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
    expect(first.nextRevision).toBe(4);
    const end = await readStreamPage(store, 'thing-1', { maxCount: 6, fromRevision: 4 });
    expect(end.events.map((e) => e.revision)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(end.nextRevision).toBeNull();
    const back = await readStreamPage(store, 'thing-1', { direction: 'backwards', maxCount: 4 });
    expect(back.events.map((e) => e.revision)).toEqual([9, 8, 7, 6]);
    expect(back.nextRevision).toBe(5);
    expect(back.events[0].metadata).toMatchObject({ commandType: 'Spec', hash: expect.any(String) });
  });
});
