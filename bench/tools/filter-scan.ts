/**
 * How much a filtered `$all` read costs when the filter matches none of the last K events — what every
 * wake-up of a filtered catch-up subscription pays while its cursor sits on the last MATCHING event:
 *   node -r @swc-node/register bench/tools/filter-scan.ts <events.sqlite>
 */
import Database from 'better-sqlite3';
import { registerFilterFunction, SQL } from '../../libs/event-store/src/sqlite/sqlite-schema';
import { dueActionsProjection } from '../../apps/api/src/scheduler/due-actions.projection';
import { projectionCatalog } from '@pc/projections';

const db = new Database(process.argv[2], { readonly: true });
registerFilterFunction(db);
const head = (db.prepare('SELECT max(global_position) AS h FROM events').get() as { h: number }).h;
const statement = db.prepare(SQL.allForwards);
for (const projection of [dueActionsProjection, ...projectionCatalog]) {
  const types = projection.filter?.eventTypePrefixes;
  for (const k of [1_000, 10_000, 100_000]) {
    const params = {
      from: BigInt(head - k),
      limit: 500,
      types: types ? JSON.stringify(types) : null,
      streams: null,
    };
    const started = process.hrtime.bigint();
    const rows = statement.all(params).length;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(
      `${projection.name.padEnd(18)} ${String(types?.length ?? 0).padStart(3)} types, scan of the last ${String(k).padStart(7)} events: ${ms.toFixed(1).padStart(8)} ms (${rows} rows, ${((1000 * ms) / k).toFixed(2)} µs/event)`,
    );
  }
}
