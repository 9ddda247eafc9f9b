/**
 * Who calls a hot function: aggregates the self time of frames matching a pattern by their caller chain.
 *   node -r @swc-node/register bench/tools/profile-callers.ts <file.cpuprofile> <pattern> [depth]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const [file, pattern, depthArg] = process.argv.slice(2);
const depth = Number(depthArg ?? 6);
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
};
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const label = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anon)'}@${n.callFrame.url.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, '')}:${n.callFrame.lineNumber + 1}`;
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
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
