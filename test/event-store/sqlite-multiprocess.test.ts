import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { SqliteEventStore } from '@pc/event-store';
import { SubscriptionReader } from '@pc/event-store/testing/subscription-reader';

const run = promisify(execFile);
const repoRoot = resolve(__dirname, '../..');
const adapterPath = join(repoRoot, 'libs/event-store/src/sqlite/sqlite-event-store.ts');

/** Appends `count` events from a separate Node process sharing the database file. */
async function appendFromOtherProcess(path: string, stream: string, ids: string[]): Promise<void> {
  const script = `
    const { SqliteEventStore } = require(${JSON.stringify(adapterPath)});
    const store = new SqliteEventStore({ path: ${JSON.stringify(path)} });
    (async () => {
      for (const id of ${JSON.stringify(ids)}) await store.append(${JSON.stringify(stream)}, [{ id, type: 'FromChild', data: { id } }]);
      await store.close();
    })().catch((error) => { console.error(error); process.exit(1); });`;
  await run(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: repoRoot });
}

/** Appends from a worker thread of this process, through its own store (connection) on the file. */
async function appendFromWorkerThread(path: string, stream: string, ids: string[]): Promise<void> {
  const script = `
    require('@swc-node/register');
    const { SqliteEventStore } = require(${JSON.stringify(adapterPath)});
    const store = new SqliteEventStore({ path: ${JSON.stringify(path)} });
    (async () => {
      for (const id of ${JSON.stringify(ids)}) await store.append(${JSON.stringify(stream)}, [{ id, type: 'FromThread', data: { id } }]);
      await store.close();
    })().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });`;
  const worker = new Worker(script, { eval: true });
  const code = await new Promise<number>((done, fail) => {
    worker.once('error', fail);
    worker.once('exit', done);
  });
  if (code !== 0) throw new Error(`the appending worker thread exited with ${code}`);
}

// Generous, only so a broken adapter cannot hang the run.
jest.setTimeout(60_000);

describe('sqlite event store shared by several processes', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pc-es-mp-'));
    path = join(dir, 'events.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a live subscription sees events appended by another process (poll fallback)', async () => {
    const store = new SqliteEventStore({ path, pollIntervalMs: 100 });
    const reader = new SubscriptionReader(store.subscribeToAll());
    try {
      await store.append('local-1', [{ id: randomUUID(), type: 'Local', data: {} }]);
      await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));

      const childIds = [randomUUID(), randomUUID(), randomUUID()];
      await appendFromOtherProcess(path, 'child-1', childIds);
      await reader.waitFor('child events', () => reader.events('child-').length === 3);
      expect(reader.events('child-').map((e) => e.id)).toEqual(childIds);
      expect(reader.events().map((e) => e.revision)).toEqual([0, 0, 1, 2]);
    } finally {
      await reader.close();
      await store.close();
    }
  });

  // No poll would come before the wait gives up: only the stores' wake-up across threads can pass these.
  const NEVER_POLL_MS = 3_600_000;
  const WAKE_LIMIT_MS = 10_000;

  it("a live subscription wakes at once on another thread's appends to the same file", async () => {
    const store = new SqliteEventStore({ path, pollIntervalMs: NEVER_POLL_MS });
    const reader = new SubscriptionReader(store.subscribeToAll());
    try {
      await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
      const ids = [randomUUID(), randomUUID()];
      await appendFromWorkerThread(path, 'thread-1', ids);
      await reader.waitFor('thread events', () => reader.events('thread-').length === 2, WAKE_LIMIT_MS);
      expect(reader.events('thread-').map((e) => e.id)).toEqual(ids);
    } finally {
      await reader.close();
      await store.close();
    }
  });

  it('two stores on one file in one thread wake each other', async () => {
    const reading = new SqliteEventStore({ path, pollIntervalMs: NEVER_POLL_MS });
    const writing = new SqliteEventStore({ path });
    const reader = new SubscriptionReader(reading.subscribeToAll());
    try {
      await reader.waitFor('caught-up', () => reader.messages.some((m) => m.type === 'caught-up'));
      await writing.append('other-1', [{ id: randomUUID(), type: 'Other', data: {} }]);
      await reader.waitFor(
        "the other store's event",
        () => reader.events('other-').length === 1,
        WAKE_LIMIT_MS,
      );
    } finally {
      await reader.close();
      await reading.close();
      await writing.close();
    }
  });

  it('two connections appending concurrently to one stream never both win a revision', async () => {
    const first = new SqliteEventStore({ path });
    const second = new SqliteEventStore({ path });
    try {
      await first.append('shared', [{ id: randomUUID(), type: 'Seed', data: {} }], {
        expectedRevision: 'no_stream',
      });
      await second.append('shared', [{ id: randomUUID(), type: 'Second', data: {} }], {
        expectedRevision: 0,
      });
      await expect(
        first.append('shared', [{ id: randomUUID(), type: 'Stale', data: {} }], { expectedRevision: 0 }),
      ).rejects.toMatchObject({ code: 'wrong-expected-version', actual: 1 });

      const childIds = [randomUUID(), randomUUID()];
      await appendFromOtherProcess(path, 'shared', childIds);
      const stream = await first.readStream('shared');
      expect(stream.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
      expect(stream.slice(2).map((e) => e.id)).toEqual(childIds);
    } finally {
      await first.close();
      await second.close();
    }
  });

  // Regression guard for the in-memory run of recent appends (recent-rows.ts): a read after another
  // connection's commit must come from SQL, whichever order the two connections appended in.
  it("reads of $all see another connection's events between and after this one's appends", async () => {
    const mine = new SqliteEventStore({ path });
    const other = new SqliteEventStore({ path });
    const ev = (type: string) => [{ id: randomUUID(), type, data: {} }];
    const types = async () => (await mine.readAll()).map((e) => e.type);
    try {
      await mine.append('a', ev('Mine1'));
      await mine.append('a', ev('Mine2'));
      expect(await types()).toEqual(['Mine1', 'Mine2']);
      await other.append('b', ev('Other1'));
      // After this connection's last append: only the other connection's commit says it is there.
      expect(await types()).toEqual(['Mine1', 'Mine2', 'Other1']);
      const [mine2] = await mine.readAll({ maxCount: 2 }).then((all) => all.slice(1));
      expect((await mine.readAll({ fromPosition: mine2.position })).map((e) => e.type)).toEqual(['Other1']);
      await mine.append('a', ev('Mine3'));
      await other.append('b', ev('Other2'));
      await mine.append('a', ev('Mine4'));
      expect(await types()).toEqual(['Mine1', 'Mine2', 'Other1', 'Mine3', 'Other2', 'Mine4']);
      const all = await mine.readAll();
      expect((await mine.readAll({ fromPosition: all[3].position })).map((e) => e.type)).toEqual([
        'Other2',
        'Mine4',
      ]);
      expect(
        (await mine.readAll({ fromPosition: all[0].position, filter: { eventTypePrefixes: ['Mine'] } })).map(
          (e) => e.type,
        ),
      ).toEqual(['Mine2', 'Mine3', 'Mine4']);
    } finally {
      await mine.close();
      await other.close();
    }
  });
});
