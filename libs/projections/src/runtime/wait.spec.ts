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

  const waiterPolling = (pollIntervalMs: number) =>
    new PositionWaiter({
      eventStore: new InMemoryEventStore(),
      store,
      projections: [streamStats],
      commits,
      pollIntervalMs,
    });

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
});
