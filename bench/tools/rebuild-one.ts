/**
 * Rebuilds the product's projections (projectionCatalog) from an SQLite event store into a scratch
 * SQLite read-model store, in this process, for profiling the rebuild path alone:
 *   node --cpu-prof --cpu-prof-dir bench/results/profiles -r @swc-node/register bench/tools/rebuild-one.ts \
 *     bench/.cache/sqlite-e1000000-c100000-s42.sqlite [maxEvents]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteEventStore } from '@pc/event-store';
import { SqliteReadModelStore, projectionCatalog, rebuildInto } from '@pc/projections';

async function main(): Promise<void> {
  const [path, maxArg] = process.argv.slice(2);
  const store = await createSqliteEventStore({ path });
  const dir = mkdtempSync(join(tmpdir(), 'pc-rebuild-'));
  const scratch = new SqliteReadModelStore({ path: join(dir, 'rm.sqlite') });
  const upToPosition = maxArg ? String(Number(maxArg)).padStart(20, '0') : undefined;
  try {
    const only = process.env.ONLY?.split(',');
    for (const projection of projectionCatalog.filter((p) => !only || only.includes(p.name))) {
      const started = process.hrtime.bigint();
      const batchSize = Number(process.env.BATCH ?? 500);
      const result = await rebuildInto(store, projection, scratch, { upToPosition, batchSize });
      const s = Number(process.hrtime.bigint() - started) / 1e9;
      console.log(`${projection.name}: ${result.events} events applied in ${s.toFixed(1)} s`);
    }
  } finally {
    await scratch.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
