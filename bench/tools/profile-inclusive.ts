/**
 * Inclusive time (the frame and everything it called) per function, optionally only for frames
 * whose label contains one of the patterns. Async functions restart their stack at each await, so
 * a frame's inclusive time covers its synchronous stretches only.
 *   node -r @swc-node/register bench/tools/profile-inclusive.ts <file.cpuprofile> [fromS] [toS] [pattern...]
 */
import { frameLabel, loadProfile } from './cpu-profile';

const [file, fromS, toS, ...patterns] = process.argv.slice(2);
const profile = loadProfile(file, fromS, toS);
const inclusive = new Map<string, number>();
for (const { id, us } of profile.samples) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = profile.parent.get(cur)) {
    const label = frameLabel(profile.byId.get(cur) as (typeof profile.nodes)[number]);
    if (seen.has(label)) continue;
    seen.add(label);
    inclusive.set(label, (inclusive.get(label) ?? 0) + us);
  }
}
console.log(`inclusive time (total ${(profile.totalUs / 1e6).toFixed(2)} s sampled)`);
for (const [label, us] of [...inclusive]
  .filter(([label]) => patterns.length === 0 || patterns.some((p) => label.includes(p)))
  .sort((a, b) => b[1] - a[1])
  .slice(0, 60)) {
  console.log(`${((100 * us) / profile.totalUs).toFixed(1).padStart(5)} %  ${label}`);
}
