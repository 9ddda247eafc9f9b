import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { BackendName } from './backend';
import type { GeneratorStats } from './generator';
import type { HttpBenchResult } from './http-bench';
import type { PipelineBenchResult } from './pipeline-bench';
import { QUERY_NAMES } from './queries';
import { type LatencySummary, round } from './stats';

export interface BackendResult {
  generator?: GeneratorStats & { cached: boolean };
  storeEvents?: number;
  append?: { small: LatencySummary; smallAt: number; large: LatencySummary; largeAt: number; growth: number };
  http?: HttpBenchResult;
  pipeline?: PipelineBenchResult;
  errors: string[];
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  freeMemoryGbAtStart: number;
  node: string;
  platform: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    freeMemoryGbAtStart: round(freemem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((v) => round(v, 2)),
  };
}

interface Row {
  measurement: string;
  target: string;
  values: Partial<Record<BackendName, string>>;
  /** SQLite decides pass/fail; null when there is nothing to judge. */
  pass: boolean | null;
}

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
/** V8's heap as the service reported it (older result files have none). */
const heapAt = (m: { heapUsed: number; heapTotal: number } | undefined) =>
  m ? `${m.heapUsed}/${m.heapTotal} MB` : 'n/a';
const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 1)} ms` : 'n/a');

export function rows(results: Partial<Record<BackendName, BackendResult>>): Row[] {
  const out: Row[] = [];
  const each = (f: (r: BackendResult) => string | undefined): Partial<Record<BackendName, string>> => {
    const values: Partial<Record<BackendName, string>> = {};
    for (const [name, r] of Object.entries(results) as [BackendName, BackendResult][]) {
      const v = f(r);
      if (v !== undefined) values[name] = v;
    }
    return values;
  };
  const sqlite = results.sqlite;
  out.push({
    measurement: 'generator (through the pipeline)',
    target: '—',
    values: each((r) =>
      r.generator
        ? `${n0(r.generator.events)} ev in ${r.generator.seconds.toFixed(0)} s = ${n0(r.generator.eventsPerSecond)} ev/s, ${n0(r.generator.commandsPerSecond)} cmd/s${r.generator.cached ? ' (cached)' : ''}`
        : undefined,
    ),
    pass: null,
  });
  const h = sqlite?.http;
  out.push({
    measurement: '1 HTTP commands/s (32 conn)',
    target: '≥ 3,000/s, p99 ≤ 25 ms, ≥ 40 % ceiling',
    values: each((r) =>
      r.http
        ? `${n0(r.http.commands.requestsPerSecond)}/s p50 ${ms(r.http.commands.latencyMs.p50)} p99 ${ms(r.http.commands.latencyMs.p99)} = ${(100 * r.http.ratioToCeiling).toFixed(1)} % of ${n0(r.http.ceiling.requestsPerSecond)}/s ceiling (p50 ${ms(r.http.ceiling.latencyMs.p50)} p99 ${ms(r.http.ceiling.latencyMs.p99)}); non-2xx ${r.http.commands.non2xx}`
        : undefined,
    ),
    pass: h
      ? h.commands.requestsPerSecond >= 3000 && h.commands.latencyMs.p99 <= 25 && h.ratioToCeiling >= 0.4
      : null,
  });
  const p = sqlite?.pipeline;
  out.push({
    measurement: '2 in-process pipeline vs raw insert',
    target: '≥ 50 % of raw',
    values: each((r) =>
      r.pipeline
        ? `${n0(r.pipeline.pipelineCommandsPerSecond)} cmd/s vs raw ${n0(r.pipeline.rawCommandsPerSecond)} cmd/s (${n0(r.pipeline.rawRowsPerSecond)} rows/s) = ${(100 * r.pipeline.ratio).toFixed(1)} %`
        : undefined,
    ),
    pass: p ? p.ratio >= 0.5 : null,
  });
  const rebuildRate = (r: BackendResult) => {
    const info = r.http?.child;
    if (!info || info.head === null) return Number.NaN;
    return Number(info.head) / (info.rebuildMs / 1000);
  };
  out.push({
    measurement: '3 projection rebuild (in the service)',
    target: '≥ 60,000 events/s',
    values: each((r) =>
      r.http
        ? `${n0(rebuildRate(r))} ev/s (${n0(Number(r.http.child.head))} events in ${(r.http.child.rebuildMs / 1000).toFixed(1)} s; [${r.http.child.projections.join(', ')}]${r.http.child.catalogEmpty ? ' — projectionCatalog EMPTY, due-actions rebuilt instead' : ''}); boot catch-up of the due list ${(r.http.child.bootCatchUpMs / 1000).toFixed(1)} s`
        : undefined,
    ),
    pass: sqlite?.http ? rebuildRate(sqlite) >= 60_000 : null,
  });
  for (const name of QUERY_NAMES) {
    const q = sqlite?.http?.queries[name];
    out.push({
      measurement: `4 query ${name}`,
      target: 'p99 ≤ 5 ms',
      values: each((r) => {
        if (!r.http) return undefined;
        const m = r.http.queries[name];
        return m
          ? `p50 ${ms(m.serverMs.p50)} p99 ${ms(m.serverMs.p99)} (query layer); HTTP p99 ${ms(m.clientMs.p99)}; ~${m.rows} rows`
          : 'not available (read model missing)';
      }),
      pass: q ? q.serverMs.p99 <= 5 : null,
    });
  }
  out.push({
    measurement: '5 command → read-model lag',
    target: 'p99 ≤ 50 ms',
    values: each((r) =>
      r.http
        ? `commit → visible p50 ${ms(r.http.lag.commitToVisibleMs.p50)} p99 ${ms(r.http.lag.commitToVisibleMs.p99)} (n=${r.http.lag.commitToVisibleMs.count}, timeouts ${r.http.lag.commitTimeouts}); via HTTP response → wait answered p50 ${ms(r.http.lag.clientMs.p50)} p99 ${ms(r.http.lag.clientMs.p99)} (n=${r.http.lag.clientMs.count})`
        : undefined,
    ),
    pass: h ? h.lag.commitToVisibleMs.p99 <= 50 && h.lag.commitTimeouts === 0 : null,
  });
  out.push({
    measurement: '6 peak RSS of the service',
    target: '≤ 300 MB',
    values: each((r) =>
      r.http
        ? `after boot ${n0(r.http.rssMb.boot)} MB, rebuild ${n0(r.http.rssMb.rebuild)} MB, commands ${n0(r.http.rssMb.commands)} MB, ceiling ${n0(r.http.rssMb.ceiling)} MB, VmHWM ${n0(r.http.rssMb.hwm)} MB; ` +
          `V8 heap used/total at the peak: rebuild ${heapAt(r.http.memoryAtPeakMb?.rebuild)}, commands ${heapAt(r.http.memoryAtPeakMb?.commands)}`
        : undefined,
    ),
    pass: h ? Math.max(h.rssMb.rebuild, h.rssMb.commands) <= 300 : null,
  });
  out.push({
    measurement: '7 append latency growth',
    target: '≤ 1.5×',
    values: each((r) =>
      r.append
        ? `p50 ${ms(r.append.small.p50)} @${n0(r.append.smallAt)} → ${ms(r.append.large.p50)} @${n0(r.append.largeAt)} = ${r.append.growth.toFixed(2)}× (p99 ${ms(r.append.small.p99)} → ${ms(r.append.large.p99)})`
        : undefined,
    ),
    pass: sqlite?.append ? sqlite.append.growth <= 1.5 : null,
  });
  return out;
}

export function renderTable(results: Partial<Record<BackendName, BackendResult>>, m: Machine): string {
  const table = rows(results);
  const names = Object.keys(results) as BackendName[];
  const header = ['measurement', 'target (SQLite)', 'pass', ...names];
  const body = table.map((r) => [
    r.measurement,
    r.target,
    r.pass === null ? '—' : r.pass ? 'PASS' : 'FAIL',
    ...names.map((n) => r.values[n] ?? '—'),
  ]);
  const lines = [header, ...body].map((cells) => `| ${cells.join(' | ')} |`);
  lines.splice(1, 0, `|${header.map(() => '---').join('|')}|`);
  const load = (l?: number[]) => (l ? l.join(' / ') : 'n/a');
  return [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GiB, node ${m.node}; load average (1/5/15 min) at start ${load(m.loadAverageAtStart)}, at end ${load(m.loadAverageAtEnd)}`,
    '',
    ...lines,
  ].join('\n');
}
