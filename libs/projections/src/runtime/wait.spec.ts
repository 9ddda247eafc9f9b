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

  afterEach(async () => {
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
});
