/**
 * Who calls a hot function: aggregates the self time of frames matching a pattern by their caller chain.
 *   node -r @swc-node/register bench/tools/profile-callers.ts <file.cpuprofile> <pattern> [depth] [fromS] [toS]
 */
import { frameLabel, loadProfile, type ProfileNode } from './cpu-profile';

const [file, pattern, depthArg, fromS, toS] = process.argv.slice(2);
const depth = Number(depthArg ?? 6);
const profile = loadProfile(file, fromS, toS);
const label = (n: ProfileNode) => frameLabel(n);
const self = new Map<number, number>();
for (const { id, us } of profile.samples) self.set(id, (self.get(id) ?? 0) + us);
const total = profile.totalUs;
const { byId, parent } = profile;
const chains = new Map<string, number>();
for (const [id, us] of self) {
  const node = byId.get(id);
  if (!node || !label(node).includes(pattern)) continue;
  const chain: string[] = [];
  let cur: number | undefined = id;
  while (cur !== undefined && chain.length < depth) {
    chain.push(label(byId.get(cur) as ProfileNode));
    cur = parent.get(cur);
  }
  const key = chain.join('\n    <- ');
  chains.set(key, (chains.get(key) ?? 0) + us);
}
for (const [k, us] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
  console.log(`${((100 * us) / total).toFixed(1)} %  ${k}\n`);
}
