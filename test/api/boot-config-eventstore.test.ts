import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Exit, runEntry as run } from '../support/run-entry';

/**
 * Regression: the event store's loader stopped at its first problem, so a bad EVENT_STORE_URL hid a
 * bad EVENT_STORE_SCHEMA (one more failed deploy per bad setting). Every bad event-store setting is
 * now its own line of the boot check, beside the other loaders' problems, and no password shows.
 */
describe('booting with several bad event-store settings', () => {
  let dir: string;
  let readModels: Record<string, string>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pc-boot-eventstore-'));
    readModels = { READ_MODEL_PATH: join(dir, 'data', 'read-models.sqlite') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const bad = {
    EVENT_STORE: 'postgres',
    EVENT_STORE_URL: 'mysql://root:s3cret@db/pc',
    EVENT_STORE_SCHEMA: 'bad-schema;drop',
    LOG_LEVEL: 'loud',
  };

  const expectEachOnItsOwnLine = (exit: Exit, prefix: string) => {
    expect({ code: exit.code, output: exit.output }).toMatchObject({ code: 1 });
    const lines = exit.output.trim().split('\n');
    for (const setting of ['EVENT_STORE_URL', 'EVENT_STORE_SCHEMA', 'LOG_LEVEL']) {
      const own = setting === 'LOG_LEVEL' ? '' : prefix;
      expect(lines.filter((line) => line.startsWith(`  - ${own}${setting}`))).toHaveLength(1);
      expect(lines.filter((line) => line.includes(setting))).toHaveLength(1);
    }
    expect(lines).toHaveLength(4);
    expect(exit.output).not.toContain('s3cret');
    expect(exit.output).not.toMatch(/^\s+at /m);
    expect(exit.output).not.toContain('[Nest]');
    expect(readdirSync(dir)).toEqual([]);
  };

  it('the API lists each of them, one line each', async () => {
    const exit = await run('apps/api/src/main.ts', { ...readModels, ...bad, PORT: '0' });
    expectEachOnItsOwnLine(exit, 'event store: ');
  });

  it('the projector lists each of them, one line each', async () => {
    const exit = await run('apps/projector/src/main.ts', { ...readModels, ...bad });
    expectEachOnItsOwnLine(exit, '');
  });
});

/**
 * Regression: the retired-generation drop's lock timeout and retry ceiling were constructor options
 * only. As settings, a bad value stops the boot with the others, one line each, API and projector.
 */
describe('booting with bad retired-generation drop settings', () => {
  let dir: string;
  let stores: Record<string, string>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pc-boot-drop-'));
    stores = {
      EVENT_STORE_PATH: join(dir, 'data', 'events.sqlite'),
      READ_MODEL_PATH: join(dir, 'data', 'read-models.sqlite'),
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const bad = {
    PROJECTION_DROP_LOCK_TIMEOUT_MS: '0',
    PROJECTION_DROP_RETRY_MAX_MS: '1e3',
    PROJECTIONS_THREAD: 'gpu',
  };

  const expectRefused = (exit: Exit) => {
    expect({ code: exit.code, output: exit.output }).toMatchObject({ code: 1 });
    const lines = exit.output.trim().split('\n');
    for (const setting of Object.keys(bad)) {
      expect(exit.output).toMatch(new RegExp(`^  - ${setting}\\b`, 'm'));
      expect(lines.filter((line) => line.includes(setting))).toHaveLength(1);
    }
    expect(lines).toHaveLength(1 + Object.keys(bad).length);
    expect(exit.output).not.toMatch(/^\s+at /m);
    expect(readdirSync(dir)).toEqual([]);
  };

  it('the API names each', async () => {
    expectRefused(await run('apps/api/src/main.ts', { ...stores, ...bad, PORT: '0' }));
  });

  it('the projector names each', async () => {
    expectRefused(await run('apps/projector/src/main.ts', { ...stores, ...bad }));
  });
});
