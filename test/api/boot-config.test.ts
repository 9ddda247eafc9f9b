import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Exit, runEntry as run } from '../support/run-entry';

/**
 * A bad environment stops the boot before Nest or any store starts: exit 1, one line per bad
 * setting (all of them, whichever loader reads it), no stack trace, nothing created.
 */
describe('booting with bad settings', () => {
  let dir: string;
  let stores: Record<string, string>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pc-boot-config-'));
    stores = {
      EVENT_STORE_PATH: join(dir, 'data', 'events.sqlite'),
      READ_MODEL_PATH: join(dir, 'data', 'read-models.sqlite'),
    };
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const expectRefused = (exit: Exit, settings: string[]) => {
    expect({ code: exit.code, output: exit.output }).toMatchObject({ code: 1 });
    const lines = exit.output.trim().split('\n');
    for (const setting of settings) {
      expect(exit.output).toMatch(new RegExp(`^  - ${setting}\\b`, 'm'));
      expect(lines.filter((line) => line.includes(setting))).toHaveLength(1);
    }
    expect(exit.output).not.toMatch(/^\s+at /m);
    expect(exit.output).not.toContain('[Nest]');
    expect(existsSync(join(dir, 'data'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  };

  it('the API names every bad setting together, its own and its modules', async () => {
    const bad = {
      LOG_LEVEL: 'loud',
      PROJECTIONS_THREAD: 'gpu',
      PROJECTION_BATCH_SIZE: '0x10',
      SCHEDULER_BATCH_SIZE: 'many',
    };
    const exit = await run('apps/api/src/main.ts', { ...stores, ...bad, PORT: '0' });
    expectRefused(exit, Object.keys(bad));
    expect(exit.output.trim().split('\n')).toHaveLength(1 + Object.keys(bad).length);
  });

  it("the API refuses the modules' settings before opening the stores", async () => {
    const bad = {
      PROJECTION_LEASE_TTL_MS: '1e3',
      SSE_HEARTBEAT_MS: '1',
      READ_YOUR_WRITES_TIMEOUT_MS: 'soon',
    };
    const exit = await run('apps/api/src/main.ts', { ...stores, ...bad, PORT: '0' });
    expectRefused(exit, Object.keys(bad));
  });

  it('the projector names every bad setting it reads together', async () => {
    const bad = { LOG_LEVEL: 'loud', PROJECTIONS_THREAD: 'gpu', PROJECTION_BATCH_WINDOW_MS: '1e3' };
    const exit = await run('apps/projector/src/main.ts', { ...stores, ...bad });
    expectRefused(exit, Object.keys(bad));
  });
});
