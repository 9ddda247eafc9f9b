import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScratchSpace } from './scratch-store';

describe('ScratchSpace', () => {
  let parent: string;
  beforeEach(() => (parent = mkdtempSync(join(tmpdir(), 'pc-scratch-spec-'))));
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('makes its directory on the first open and removes it with every file in it', async () => {
    const space = new ScratchSpace('pc-x-', parent);
    expect(readdirSync(parent)).toEqual([]);
    const store = space.open('one');
    await store.init();
    const [dir] = readdirSync(parent);
    expect(dir).toMatch(/^pc-x-/);
    await store.close();
    space.remove();
    expect(readdirSync(parent)).toEqual([]);
  });

  // Regression (review): the CLI's second Ctrl-C exits at once (process.exit), which skips every
  // `finally` that removes the scratch files, as big as the read models: they stayed in TMPDIR.
  it('what is still there when the process exits is removed by the exit hook, open stores and all', async () => {
    const kept = new ScratchSpace('pc-kept-', parent);
    const store = kept.open('replay');
    const exitHooks = process.listeners('exit');
    await store.init();
    const gone = new ScratchSpace('pc-gone-', parent);
    gone.open('x');
    gone.remove();
    expect(readdirSync(parent)).toHaveLength(1);
    expect(exitHooks).toContain(ScratchSpace.removeAll);
    ScratchSpace.removeAll();
    expect(readdirSync(parent)).toEqual([]);
    expect(existsSync(parent)).toBe(true);
    await store.close();
  });
});
