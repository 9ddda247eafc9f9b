/**
 * Summarises a V8 .cpuprofile (from --cpu-prof): self time by function and by file/package, top N,
 * optionally for a window of it (seconds from the start; negative = before the end).
 *   node -r @swc-node/register bench/tools/profile-summary.ts bench/results/profiles/<file>.cpuprofile [N] [fromS] [toS]
 */
import { frameLabel, loadProfile } from './cpu-profile';

const [file, topArg, fromS, toS] = process.argv.slice(2);
const top = Number(topArg ?? 40);
const profile = loadProfile(file, fromS, toS);

const fn = new Map<string, number>();
const pkg = new Map<string, number>();
for (const { id, us } of profile.samples) {
  const node = profile.byId.get(id);
  if (!node) continue;
  const label = frameLabel(node);
  fn.set(label, (fn.get(label) ?? 0) + us);
  const where = label.slice(label.indexOf(' ') + 1).replace(/:\d+$/, '');
  const p = where.startsWith('@')
    ? where.split('/').slice(0, 2).join('/')
    : where.split('/').slice(0, 3).join('/');
  pkg.set(p, (pkg.get(p) ?? 0) + us);
}
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (total ${(profile.totalUs / 1e6).toFixed(2)} s sampled)`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * us) / profile.totalUs).toFixed(1).padStart(5)} %  ${k}`);
  }
};
print('self time by function', fn);
print('self time by file / package', pkg);
