import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteEventStore, type EventStore } from '@pc/event-store';
import {
  type ProjectionChange,
  ProjectionThreadError,
  rebuildInto,
  type ReadModelStore,
  SqliteReadModelStore,
  ThreadedProjectionRunner,
  type ThreadedProjectionRunnerOptions,
} from '@pc/projections';
import { eventually } from '@pc/projections/testing';
import { crashOnce, threadProjections } from './fixtures/thread-projections';
import { directory } from './fixtures/sample-projections';

const source = { module: join(__dirname, 'fixtures/thread-projections.ts'), exportName: 'threadProjections' };
// This thread's store never polls. (The worker's own store keeps the default poll interval, so these
// specs do not prove the wake-up across threads: test/event-store/sqlite-multiprocess.test.ts does.)
const NEVER_POLL_MS = 3_600_000;

const client = (partnerId: string, name: string) => ({
  id: randomUUID(),
  type: 'Directory.ClientAdded',
  data: { partnerId, clientId: randomUUID(), name },
});

/**
 * ThreadedProjectionRunner on real SQLite files: the projections run in a worker thread with their own
 * connections, while this thread appends, waits (read-your-writes) and hears committed batches.
 */
describe('projections on a worker thread (ThreadedProjectionRunner, SQLite)', () => {
  let dir: string;
  let eventStore: EventStore;
  let store: ReadModelStore;
  const runners: ThreadedProjectionRunner[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pc-thread-'));
    eventStore = await createSqliteEventStore({
      path: join(dir, 'events.sqlite'),
      pollIntervalMs: NEVER_POLL_MS,
    });
    store = new SqliteReadModelStore({ path: join(dir, 'read-models.sqlite') });
    await store.init();
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await store.close();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const runner = (overrides: Partial<ThreadedProjectionRunnerOptions> = {}) => {
    const created = new ThreadedProjectionRunner({
      eventStore,
      store,
      eventStoreConfig: { kind: 'sqlite', path: join(dir, 'events.sqlite') },
      readModelStoreConfig: { kind: 'sqlite', path: join(dir, 'read-models.sqlite') },
      projections: threadProjections,
      source,
      leaseRetryMs: 100,
      restartBackoffMs: 50,
      ...overrides,
    });
    runners.push(created);
    return created;
  };

  it('projects what this thread appends; waits and committed batches cross the threads', async () => {
    const threaded = runner();
    const changes: ProjectionChange[] = [];
    threaded.changes$.subscribe((change) => changes.push(change));
    await threaded.start();
    await eventStore.append('clients-1', [client('p1', 'Contoso'), client('p2', 'Fabrikam')]);
    const { position } = await eventStore.append('clients-2', [client('p1', 'Northwind')]);

    expect(await threaded.waitForPosition(position, 10_000, ['directory'])).toBe(true);
    // The worker's commits, with the partners they touched, arrive here in commit order.
    const directoryChanges = changes.filter((change) => change.projection === 'directory');
    expect(directoryChanges[directoryChanges.length - 1].position).toBe(position);
    expect(new Set(directoryChanges.flatMap((change) => change.partnerIds))).toEqual(new Set(['p1', 'p2']));
    // The worker wrote the same rows a rebuild on this thread writes.
    const scratch = new SqliteReadModelStore({ path: ':memory:' });
    try {
      await rebuildInto(eventStore, directory, scratch);
      expect(await store.dumpTables(directory)).toEqual(await scratch.dumpTables(directory));
    } finally {
      await scratch.close();
    }
  });

  it('answers status from the worker, which holds the leases', async () => {
    const threaded = runner();
    await threaded.start();
    const { position } = await eventStore.append('clients-1', [client('p1', 'Contoso')]);
    expect(await threaded.waitForPosition(position, 10_000)).toBe(true);
    const statuses = await threaded.status();
    expect(statuses.map((s) => [s.name, s.ownedHere, s.generation])).toEqual([
      ['directory', true, 1],
      ['crash_once', true, 1],
    ]);
    expect(statuses.find((s) => s.name === 'directory')?.position).toBe(position);
  });

  it('rebuilds on request: the swap is announced, the rows stay the same', async () => {
    const threaded = runner();
    await threaded.start();
    const { position } = await eventStore.append('clients-1', [
      client('p1', 'Contoso'),
      client('p1', 'Litware'),
    ]);
    expect(await threaded.waitForPosition(position, 10_000)).toBe(true);
    const before = await store.dumpTables(directory);
    const swapped = new Promise<ProjectionChange>((resolve) =>
      threaded.changes$.subscribe((change) => change.swapped && resolve(change)),
    );
    await threaded.rebuild('directory');
    expect(await swapped).toMatchObject({ projection: 'directory', position, swapped: true });
    expect(await store.activeGeneration('directory')).toBe(2);
    expect(await store.dumpTables(directory)).toEqual(before);
    expect(() => threaded.rebuild('nope')).toThrow("Unknown projection 'nope'");
  });

  it('starts a thread that died again; its projections resume from their checkpoints', async () => {
    const threaded = runner();
    await threaded.start();
    const marker = join(dir, 'crashed');
    await eventStore.append('thread-1', [{ id: randomUUID(), type: 'Thread.Before', data: {} }]);
    const { position } = await eventStore.append('thread-1', [
      { id: randomUUID(), type: 'Thread.Crash', data: { marker } },
      { id: randomUUID(), type: 'Thread.After', data: {} },
    ]);
    await eventually('the first thread to end', () => existsSync(marker), 10_000);
    // A new thread (new leases, same owner) picks up from the last committed checkpoint.
    expect(await threaded.waitForPosition(position, 20_000, ['crash_once'])).toBe(true);
    const seen = (await store.dumpTables(crashOnce)).seen as { type: string; n: number }[];
    expect(Object.fromEntries(seen.map((row) => [row.type, row.n]))).toEqual({
      'Thread.Before': 1,
      'Thread.Crash': 1,
      'Thread.After': 1,
    });
  });

  it('while a thread is being started again: status from the store, a rebuild request waits for it', async () => {
    const threaded = runner({ restartBackoffMs: 1_000 });
    await threaded.start();
    const { position } = await eventStore.append('clients-1', [client('p1', 'Contoso')]);
    expect(await threaded.waitForPosition(position, 10_000)).toBe(true);
    const marker = join(dir, 'crashed');
    await eventStore.append('thread-1', [{ id: randomUUID(), type: 'Thread.Crash', data: { marker } }]);
    // Down: the store's record answers (nobody holds the leases here), instead of an error.
    await eventually('the thread to be down', async () =>
      (await threaded.status().catch(() => [])).some((status) => !status.ownedHere),
    );
    const recorded = await threaded.status();
    expect(recorded.find((status) => status.name === 'directory')).toMatchObject({
      ownedHere: false,
      generation: 1,
      position,
    });
    const swapped = new Promise<ProjectionChange>((resolve) =>
      threaded.changes$.subscribe((change) => change.swapped && resolve(change)),
    );
    await threaded.rebuild('directory');
    expect(await swapped).toMatchObject({ projection: 'directory', swapped: true });
    expect(await store.activeGeneration('directory')).toBe(2);
  });

  it('a batch still gathering when stop() is called commits, and its change reaches this thread', async () => {
    const threaded = runner({ liveBatchWindowMs: 5_000 });
    const changes: ProjectionChange[] = [];
    threaded.changes$.subscribe((change) => changes.push(change));
    await threaded.start();
    const first = await eventStore.append('clients-1', [client('p1', 'Contoso')]);
    expect(await threaded.waitForPosition(first.position, 10_000, ['directory'])).toBe(true);
    const { position } = await eventStore.append('clients-2', [client('p2', 'Fabrikam')]);
    // Time for the worker to wake and take the event into its batch, which the 5 s window holds open.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await threaded.stop();
    expect(changes.filter((change) => change.projection === 'directory').map((c) => c.position)).toContain(
      position,
    );
    expect((await store.dumpTables(directory)).clients).toHaveLength(2);
  });

  it('refuses to start when the worker cannot load its projections, naming why', async () => {
    const threaded = runner({ source: { ...source, exportName: 'missing' } });
    await expect(threaded.start()).rejects.toThrow(ProjectionThreadError);
    await expect(runner({ source: { ...source, exportName: 'missing' } }).start()).rejects.toThrow(
      /exports no projection array 'missing'/,
    );
  });

  it('stops gracefully: the thread ends, changes$ completes, status comes from the store, commands are refused', async () => {
    const threaded = runner();
    await threaded.start();
    let completed = false;
    threaded.changes$.subscribe({ complete: () => (completed = true) });
    await threaded.stop();
    expect(completed).toBe(true);
    // Status still answers, from the store (the API keeps serving while it shuts down); commands do not.
    expect((await threaded.status()).map((status) => [status.name, status.ownedHere])).toEqual([
      ['directory', false],
      ['crash_once', false],
    ]);
    await expect(threaded.rebuild('directory')).rejects.toThrow('The projection runner has stopped');
    await expect(threaded.start()).rejects.toThrow('The projection runner has stopped');
  });
});
