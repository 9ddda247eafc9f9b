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

  /** @param prefix names the directory (mkdtemp adds a random suffix), so leftovers can be told apart. */
  constructor(
    private readonly prefix: string,
    private readonly parent?: string,
  ) {}

  /** A new, empty store in the directory, as `<name>.sqlite`. Close it before remove(). */
  open(name: string): SqliteReadModelStore {
    this.dir ??= mkdtempSync(join(this.parent ?? tmpdir(), this.prefix));
    return new SqliteReadModelStore({ path: join(this.dir, `${name}.sqlite`) });
  }

  /** Removes the directory and every file in it (SQLite's -wal and -shm too). Its stores are closed. */
  remove(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
