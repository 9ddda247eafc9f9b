import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadModelStore } from '@pc/projections';

/**
 * A scratch directory for the audits' rebuilds (the replay check, read models as of a position):
 * each rebuild goes into a SQLite FILE in it, not an in-memory database, so the service's memory
 * holds only SQLite's bounded page cache however large the tables grow. The directory is made when
 * the first store is opened, under `parent` (default: os.tmpdir(), i.e. TMPDIR, read at that time).
 */
export class ScratchSpace {
  private dir: string | undefined;
  /** Every directory made and not yet removed in this process: removed on exit too (see removeAll). */
  private static readonly live = new Set<ScratchSpace>();
  private static exitHookInstalled = false;

  /** @param prefix names the directory (mkdtemp adds a random suffix), so leftovers can be told apart. */
  constructor(
    private readonly prefix: string,
    private readonly parent?: string,
  ) {}

  /** A new, empty store in the directory, as `<name>.sqlite`. Close it before remove(). */
  open(name: string): SqliteReadModelStore {
    if (this.dir === undefined) {
      this.dir = mkdtempSync(join(this.parent ?? tmpdir(), this.prefix));
      ScratchSpace.live.add(this);
      if (!ScratchSpace.exitHookInstalled) {
        // A process that exits without unwinding (process.exit: the CLI's second Ctrl-C) skips every
        // `finally` that would remove the files; 'exit' still runs synchronous code.
        process.once('exit', ScratchSpace.removeAll);
        ScratchSpace.exitHookInstalled = true;
      }
    }
    return new SqliteReadModelStore({ path: join(this.dir, `${name}.sqlite`) });
  }

  /**
   * Removes every scratch directory of this process that is still there (their stores may be open).
   * Needs no `this`: it is the process's 'exit' listener as it is.
   */
  static removeAll(): void {
    for (const space of [...ScratchSpace.live]) space.remove();
  }

  /** Removes the directory and every file in it (SQLite's -wal and -shm too). Its stores are closed. */
  remove(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    ScratchSpace.live.delete(this);
  }
}
