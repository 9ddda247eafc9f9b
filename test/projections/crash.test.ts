import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSqliteEventStore, type EventStore } from '@pc/event-store';
import { PositionWaiter, rebuildInto, SqliteReadModelStore } from '@pc/projections';
import { eventually } from '@pc/projections/testing';
import { slowStats } from './fixtures/slow-stats';

const repoRoot = resolve(__dirname, '../..');

class Child {
  readonly process: ChildProcess;
  commits = 0;
  exited = false;
  private buffer = '';

  constructor(env: Record<string, string>) {
    this.process = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'test/projections/fixtures/crash-projector.ts'],
      {
        cwd: repoRoot,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    this.process.stdout?.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const lines = this.buffer.split('\n');
      this.buffer = lines.pop() ?? '';
      this.commits += lines.filter((line) => line.startsWith('committed')).length;
    });
    this.process.on('exit', () => (this.exited = true));
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((done) => {
      this.process.once('exit', () => done());
      this.process.kill(signal);
    });
  }
}

describe('projection runner crash (real child process, SQLite)', () => {
  let dir: string;
  let eventStore: EventStore;
  const children: Child[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pc-crash-'));
    eventStore = await createSqliteEventStore({ path: join(dir, 'events.sqlite') });
  });
  afterAll(async () => {
    await Promise.all(children.map((child) => child.kill('SIGKILL')));
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeEvents = async (count: number) => {
    for (let i = 0; i < count; i += 100) {
      const events = Array.from({ length: Math.min(100, count - i) }, () => ({
        id: randomUUID(),
        type: 'Crash.Tick',
        data: {},
      }));
      await eventStore.append(`stream-${(i / 100) % 17}`, events);
    }
  };

  it('neither loses nor double-applies events across SIGKILLs, and equals a clean rebuild', async () => {
    const env = {
      EVENTS_PATH: join(dir, 'events.sqlite'),
      READ_MODEL_PATH: join(dir, 'read-models.sqlite'),
      BATCH_SIZE: '400',
    };
    await writeEvents(4000);
    let kills = 0;
    for (let round = 0; round < 3; round++) {
      const child = new Child(env);
      children.push(child);
      // Keep writing while it works, then kill it after a few commits: most likely inside a batch.
      const target = child.commits + 3;
      while (child.commits < target && !child.exited) {
        await writeEvents(300);
        // SQLite appends resolve without I/O: yield so the child's output is read at all.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(child.exited).toBe(false);
      await child.kill('SIGKILL');
      kills++;
    }
    expect(kills).toBe(3);

    const final = new Child(env);
    children.push(final);
    await writeEvents(500);
    const head = (await eventStore.headPosition()) as string;
    const store = new SqliteReadModelStore({ path: env.READ_MODEL_PATH });
    const scratch = new SqliteReadModelStore({ path: ':memory:' });
    try {
      const waiter = new PositionWaiter({ eventStore, store, projections: [slowStats], pollIntervalMs: 50 });
      expect(await waiter.waitForPosition(head, 120_000)).toBe(true);
      await final.kill('SIGTERM');
      const total = (await eventStore.readAll()).length;
      const live = await store.dumpTables(slowStats);
      expect(live.totals).toEqual([{ id: 'all', events: total }]);
      await rebuildInto(eventStore, slowStats, scratch);
      expect(live).toEqual(await scratch.dumpTables(slowStats));
    } finally {
      await store.close();
      await scratch.close();
    }
    await eventually('final child exited after SIGTERM', () => final.exited);
  });
});
