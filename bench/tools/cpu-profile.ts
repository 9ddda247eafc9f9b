/** Reading a V8 .cpuprofile (from --cpu-prof) for the profile-* tools. */
import { readFileSync } from 'node:fs';

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  byId: Map<number, ProfileNode>;
  parent: Map<number, number>;
  /** Sampled node id and its duration (µs), for the samples inside the window. */
  samples: { id: number; us: number }[];
  totalUs: number;
}

/**
 * Loads a profile, keeping the samples between fromS and toS (seconds since the profile started;
 * negative = seconds before its end). Both optional.
 */
export function loadProfile(file: string, fromS?: string, toS?: string): CpuProfile {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const at: number[] = [];
  raw.timeDeltas.reduce((t, d, i) => (at[i] = t + d), 0);
  const span = at[at.length - 1] ?? 0;
  const bound = (arg: string | undefined, fallback: number) =>
    arg === undefined ? fallback : Number(arg) < 0 ? span + Number(arg) * 1e6 : Number(arg) * 1e6;
  const [from, to] = [bound(fromS, 0), bound(toS, span)];
  const samples = raw.samples
    .map((id, i) => ({ id, us: raw.timeDeltas[i] ?? 0, at: at[i] }))
    .filter((s) => s.at >= from && s.at <= to);
  const parent = new Map<number, number>();
  for (const n of raw.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  return {
    nodes: raw.nodes,
    byId: new Map(raw.nodes.map((n) => [n.id, n])),
    parent,
    samples,
    totalUs: samples.reduce((sum, s) => sum + s.us, 0),
  };
}

/** "function path:line", the path relative to the repository or to node_modules. */
export function frameLabel(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, '') || '(native)';
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
}
