import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { SqliteReadModelStore } from '../store/sqlite-store';
import { InMemoryEventStore } from '../testing';
import { streamStats } from '../testing/sample-projections';
import { type CommittedPosition, PositionWaiter } from './wait';

const at = (n: number) => String(n).padStart(20, '0');

describe('PositionWaiter wakes on this process’s commits', () => {
  let store: SqliteReadModelStore;
  let commits: Subject<CommittedPosition>;
  let waiter: PositionWaiter;

  beforeEach(async () => {
    store = new SqliteReadModelStore({ path: ':memory:' });
    await store.init();
    commits = new Subject<CommittedPosition>();
    // A poll interval far beyond the test's timeout: only a commit can wake the waiter in time.
    waiter = waiterPolling(600_000);
  });

  const waiterPolling = (
    pollIntervalMs: number,
    options: { eventStore?: InMemoryEventStore; runsHere?: () => boolean } = {},
  ) =>
    new PositionWaiter({
      eventStore: options.eventStore ?? new InMemoryEventStore(),
      store,
      projections: [streamStats],
      commits,
      pollIntervalMs,
      runsHere: options.runsHere,
    });

  /** A log of five events and a waiter in the process that runs the projection. */
  const runningHere = async (pollIntervalMs: number) => {
    const eventStore = new InMemoryEventStore();
    for (let i = 0; i < 5; i++)
      await eventStore.append('s-1', [{ id: randomUUID(), type: 'Sample.Created', data: {} }]);
    return { eventStore, runsHere: waiterPolling(pollIntervalMs, { eventStore, runsHere: () => true }) };
  };

  /** Another instance committed the projection up to `position` (while this one stood by, say). */
  const storedAt = async (position: string) => {
    await store.createGeneration(streamStats, 1, { activate: true });
    await store.commit({
      projection: streamStats,
      generation: 1,
      expectedPosition: null,
      position,
      recordedAt: null,
      changes: [],
    });
  };

  /** Fake clock and timers (the stores here use neither): time passes only when a spec says so. */
  const fakeTimers = () => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });

  /** Follows a wait's answer without awaiting it. */
  const follow = (waiting: Promise<boolean>) => {
    const wait: { answer?: boolean } = {};
    void waiting.then((answer) => (wait.answer = answer));
    return wait;
  };

  /** Another projection of this process commits every 5 ms until the wait answers (at most `max` times). */
  const othersCommitUntil = async (wait: { answer?: boolean }, max: number) => {
    let wakes = 0;
    while (wait.answer === undefined && wakes < max) {
      await jest.advanceTimersByTimeAsync(5);
      commits.next({ projection: 'other', position: at(++wakes) });
    }
    await jest.advanceTimersByTimeAsync(0);
    return wakes;
  };

  afterEach(async () => {
    jest.useRealTimers();
    commits.complete();
    await store.close();
  });

  it('given a wait for a position, when the projection commits it, then the wait answers at once', async () => {
    const waiting = waiter.waitForPosition(at(7), 600_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    commits.next({ projection: streamStats.name, position: at(5) });
    commits.next({ projection: streamStats.name, position: at(7) });
    await expect(waiting).resolves.toBe(true);
  });

  it('given a wait and no commit, when its timeout passes, then it answers false', async () => {
    await expect(waiterPolling(10).waitForPosition(at(7), 40)).resolves.toBe(false);
  });

  it('given the commits end (shutdown), when a wait is pending, then it sleeps until its timeout', async () => {
    const checks = jest.spyOn(store, 'activeGeneration');
    const waiting = waiter.waitForPosition(at(7), 50);
    commits.complete();
    await expect(waiting).resolves.toBe(false);
    // A check before sleeping and one when the timer ends it (one more when the timer fires a
    // millisecond before the deadline by Date.now()), not a loop of thousands.
    expect(checks.mock.calls.length).toBeLessThanOrEqual(5);
  });

  it('given this process runs the projection, when the stored checkpoint is past its last commit, then the store answers', async () => {
    // Another instance committed while this one stood by (or the reply to this one's COMMIT was lost).
    const { eventStore, runsHere } = await runningHere(10);
    await store.createGeneration(streamStats, 1, { activate: true });
    await store.commit({
      projection: streamStats,
      generation: 1,
      expectedPosition: null,
      position: eventStore.log[4].position,
      recordedAt: null,
      changes: [],
    });
    commits.next({ projection: streamStats.name, position: eventStore.log[1].position });
    await expect(runsHere.waitForPosition(eventStore.log[3].position, 100)).resolves.toBe(true);
    // Known from then on: answered from memory.
    const reads = jest.spyOn(store, 'listGenerations');
    await expect(runsHere.waitForPosition(eventStore.log[4].position, 100)).resolves.toBe(true);
    expect(reads).not.toHaveBeenCalled();
    // Still false where neither the store nor this process got to.
    await eventStore.append('s-1', [{ id: randomUUID(), type: 'Sample.Created', data: {} }]);
    await expect(runsHere.waitForPosition(eventStore.log[5].position, 30)).resolves.toBe(false);
  });

  it('given this process runs the projection, when its commits wake a wait, then the store is not read', async () => {
    const { eventStore, runsHere } = await runningHere(600_000);
    commits.next({ projection: streamStats.name, position: eventStore.log[0].position });
    const reads = jest.spyOn(store, 'activeGeneration');
    const waiting = runsHere.waitForPosition(eventStore.log[4].position, 600_000);
    for (const event of eventStore.log.slice(1)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      commits.next({ projection: streamStats.name, position: event.position });
    }
    await expect(waiting).resolves.toBe(true);
    expect(reads).not.toHaveBeenCalled();
  });

  it('given this process runs the projection and the store holds it further, when other projections keep committing here, then the store answers within a poll interval', async () => {
    fakeTimers();
    const { eventStore, runsHere } = await runningHere(50);
    await storedAt(eventStore.log[4].position);
    commits.next({ projection: streamStats.name, position: eventStore.log[1].position });
    const wait = follow(runsHere.waitForPosition(eventStore.log[3].position, 5_000));
    // Every wake is another projection's commit: the timer never fires. At the deadline (5 s) this
    // would be 1,000 commits; a poll interval is 10.
    const wakes = await othersCommitUntil(wait, 1_000);
    expect(wait.answer).toBe(true);
    expect(wakes).toBeLessThanOrEqual(20);
  });

  it('given this process runs the projection, when other projections keep committing here, then the store is read once a poll interval, not on every wake', async () => {
    fakeTimers();
    const { eventStore, runsHere } = await runningHere(50);
    await storedAt(eventStore.log[1].position);
    commits.next({ projection: streamStats.name, position: eventStore.log[1].position });
    const reads = jest.spyOn(store, 'activeGeneration');
    const logReads = jest.spyOn(eventStore, 'readAll');
    const wait = follow(runsHere.waitForPosition(eventStore.log[3].position, 5_000));
    // 100 wakes in 500 ms: about one store read each 50 ms (and the log only with it).
    expect(await othersCommitUntil(wait, 100)).toBe(100);
    expect(wait.answer).toBeUndefined();
    expect(reads.mock.calls.length).toBeGreaterThanOrEqual(5);
    expect(reads.mock.calls.length).toBeLessThanOrEqual(12);
    expect(logReads.mock.calls.length).toBeLessThanOrEqual(2 * 12 + 2);
    commits.next({ projection: streamStats.name, position: eventStore.log[3].position });
    await jest.advanceTimersByTimeAsync(0);
    expect(wait.answer).toBe(true);
  });

  it('given this process runs the projection, when it commits here between other projections’ commits, then its commits answer and the store is not read', async () => {
    fakeTimers();
    const eventStore = new InMemoryEventStore();
    for (let i = 0; i < 120; i++)
      await eventStore.append('s-1', [{ id: randomUUID(), type: 'Sample.Created', data: {} }]);
    const runsHere = waiterPolling(50, { eventStore, runsHere: () => true });
    commits.next({ projection: streamStats.name, position: eventStore.log[0].position });
    const reads = jest.spyOn(store, 'activeGeneration');
    const wait = follow(runsHere.waitForPosition(eventStore.log[110].position, 5_000));
    // Slow but moving: it commits one event each 5 ms, the others too; far more than a poll interval.
    for (let i = 1; i <= 110 && wait.answer === undefined; i++) {
      await jest.advanceTimersByTimeAsync(5);
      commits.next({ projection: 'other', position: at(i) });
      commits.next({ projection: streamStats.name, position: eventStore.log[i].position });
    }
    await jest.advanceTimersByTimeAsync(0);
    expect(wait.answer).toBe(true);
    expect(reads).not.toHaveBeenCalled();
  });

  it('given this process runs the projection, when it commits while a wait checks its memory, then the wait sees that commit', async () => {
    fakeTimers();
    const { eventStore, runsHere } = await runningHere(600_000);
    commits.next({ projection: streamStats.name, position: eventStore.log[0].position });
    const readAll = eventStore.readAll.bind(eventStore);
    jest.spyOn(eventStore, 'readAll').mockImplementationOnce(async (options) => {
      // The projection commits the wanted position while the wait reads the log: no commit follows.
      commits.next({ projection: streamStats.name, position: eventStore.log[4].position });
      return readAll(options);
    });
    const wait = follow(runsHere.waitForPosition(eventStore.log[4].position, 5_000));
    await jest.advanceTimersByTimeAsync(100);
    expect(wait.answer).toBe(true);
  });

  it('given the store holds the projection further than this process, when it commits further here while the store is read, then its memory keeps that commit', async () => {
    const { eventStore, runsHere } = await runningHere(10);
    await storedAt(eventStore.log[2].position);
    commits.next({ projection: streamStats.name, position: eventStore.log[1].position });
    const listGenerations = store.listGenerations.bind(store);
    jest.spyOn(store, 'listGenerations').mockImplementationOnce(async (name) => {
      // This process commits event 4 while the wait reads the stored checkpoint (event 2).
      commits.next({ projection: streamStats.name, position: eventStore.log[4].position });
      return listGenerations(name);
    });
    await expect(runsHere.waitForPosition(eventStore.log[2].position, 100)).resolves.toBe(true);
    // Its memory is event 4 (not the older stored event 2): a wait for it needs neither store nor log.
    const storeReads = jest.spyOn(store, 'activeGeneration');
    const logReads = jest.spyOn(eventStore, 'readAll');
    await expect(runsHere.waitForPosition(eventStore.log[4].position, 100)).resolves.toBe(true);
    expect(storeReads).not.toHaveBeenCalled();
    expect(logReads).not.toHaveBeenCalled();
  });

  it('given this process runs the projection and has committed the position, when a wait asks, then neither the store nor the log is read', async () => {
    const { eventStore, runsHere } = await runningHere(50);
    commits.next({ projection: streamStats.name, position: eventStore.log[4].position });
    const storeReads = jest.spyOn(store, 'activeGeneration');
    const logReads = jest.spyOn(eventStore, 'readAll');
    await expect(runsHere.waitForPosition(eventStore.log[3].position, 5_000)).resolves.toBe(true);
    expect(storeReads).not.toHaveBeenCalled();
    expect(logReads).not.toHaveBeenCalled();
  });
});
