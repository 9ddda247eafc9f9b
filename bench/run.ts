/**
 * `npm run bench` — see bench/README.md. Options (node:util parseArgs):
 *   --quick                 small sizes, short runs (smoke test, < 3 minutes)
 *   --backend sqlite|postgres|both   (default both)
 *   --only <names>          comma-separated: append,http,pipeline (http = 1,3,4,5,6: they share the service child)
 *   --events N --clients N  history size (full: 1,000,000 events, 100,000 clients of one partner)
 *   --duration S            seconds per autocannon run (full 30, quick 6)
 *   --connections N         autocannon connections (32)
 *   --concurrency N         commands in flight while generating and in the pipeline bench (16)
 *   --seed N                generator seed (42)
 *   --profile               --cpu-prof the service child (profiles under bench/results/profiles)
 *   --no-cache              always regenerate (SQLite histories are cached by size and seed in
 *                           $TMPDIR/partner-center-bench-cache, or BENCH_CACHE_DIR)
 */
import 'reflect-metadata';
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createEventStore } from '@pc/event-store';
import { type Catalog, parseCatalog } from '@pc/domain';
import { probeAppendLatency } from './lib/append-probe';
import { type BackendName, type BackendRun, checkPostgres, ensureDir, openBackend } from './lib/backend';
import { type GeneratorStats, type World, generate } from './lib/generator';
import { buildApiChild, runHttpBench } from './lib/http-bench';
import { runPipelineBench } from './lib/pipeline-bench';
import { type BackendResult, machine, renderTable } from './lib/report';
import { type LatencySummary, round } from './lib/stats';

const REPO = resolve(__dirname, '..');

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'both' },
    only: { type: 'string' },
    events: { type: 'string' },
    clients: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string', default: '32' },
    concurrency: { type: 'string', default: '16' },
    seed: { type: 'string', default: '42' },
    profile: { type: 'boolean', default: false },
    'no-cache': { type: 'boolean', default: false },
  },
  strict: true,
});

const quick = values.quick ?? false;
const settings = {
  quick,
  events: Number(values.events ?? (quick ? 20_000 : 1_000_000)),
  clients: Number(values.clients ?? (quick ? 2_000 : 100_000)),
  durationSeconds: Number(values.duration ?? (quick ? 6 : 30)),
  warmupSeconds: quick ? 2 : 5,
  connections: Number(values.connections),
  concurrency: Number(values.concurrency),
  seed: Number(values.seed),
  probes: quick ? 600 : 4000,
  // Quick runs too: 3,000 commands (0.3 s) measured mostly V8's warm-up, 21-23 % of raw against 39 %
  // for 30,000 on the same store.
  pipelineCommands: 20_000,
  backends: (values.backend === 'both' ? ['sqlite', 'postgres'] : [values.backend]) as BackendName[],
  only: new Set((values.only ?? 'append,http,pipeline').split(',').map((s) => s.trim())),
  profile: values.profile ?? false,
  cache: !(values['no-cache'] ?? false),
};
for (const b of settings.backends) {
  if (b !== 'sqlite' && b !== 'postgres')
    throw new Error(`--backend must be sqlite, postgres or both (got ${b})`);
}

const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface CacheManifest {
  world: World;
  stats: GeneratorStats;
  probe: { small: LatencySummary; smallAt: number };
}

async function prepareHistory(
  name: BackendName,
  catalog: Catalog,
  result: BackendResult,
): Promise<{ run: BackendRun; world: World }> {
  // Outside the repository (a 1 GB file under it would trip `prettier --check .`); BENCH_CACHE_DIR overrides.
  const cacheDir = ensureDir(process.env.BENCH_CACHE_DIR ?? join(tmpdir(), 'partner-center-bench-cache'));
  const key = `${name}-e${settings.events}-c${settings.clients}-s${settings.seed}`;
  const cachedFile = join(cacheDir, `${key}.sqlite`);
  const manifestFile = join(cacheDir, `${key}.json`);
  const useCache = name === 'sqlite' && settings.cache && existsSync(cachedFile) && existsSync(manifestFile);
  const run = await openBackend(name, useCache ? cachedFile : undefined);
  const store = await createEventStore(run.eventStore);
  let world: World;
  let small: { small: LatencySummary; smallAt: number } | undefined;
  try {
    if (useCache) {
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as CacheManifest;
      world = manifest.world;
      small = manifest.probe;
      result.generator = { ...manifest.stats, cached: true };
      log(`${name}: reusing the cached history ${cachedFile}`);
    } else {
      log(
        `${name}: generating ${settings.events.toLocaleString('en-US')} events (${settings.clients.toLocaleString('en-US')} clients of one partner), ${settings.concurrency} in flight`,
      );
      const generated = await generate({
        store,
        catalog,
        events: settings.events,
        bigClients: settings.clients,
        seed: settings.seed,
        concurrency: settings.concurrency,
        label: name,
        checkpointAt: Math.round(settings.events / 10),
        onCheckpoint: async (events) => {
          if (!settings.only.has('append')) return;
          log(`${name}: append-latency probe at ${events.toLocaleString('en-US')} events`);
          small = { small: await probeAppendLatency(store, 'small', settings.probes), smallAt: events };
        },
      });
      world = generated.world;
      result.generator = { ...generated.stats, cached: false };
      log(
        `${name}: generated ${Math.round(generated.stats.events).toLocaleString('en-US')} events in ${generated.stats.seconds.toFixed(1)} s (${Math.round(generated.stats.eventsPerSecond).toLocaleString('en-US')} ev/s)`,
      );
    }
    const head = await store.headPosition();
    result.storeEvents = head === null ? 0 : Number(head);
    if (settings.only.has('append') && small) {
      log(`${name}: append-latency probe at ${result.storeEvents.toLocaleString('en-US')} events`);
      const large = await probeAppendLatency(store, 'large', settings.probes);
      result.append = { ...small, large, largeAt: result.storeEvents, growth: large.p50 / small.small.p50 };
    }
  } finally {
    await store.close();
  }
  if (name === 'sqlite' && settings.cache && !useCache && run.eventsPath && result.generator && small) {
    copyFileSync(run.eventsPath, `${cachedFile}.tmp`);
    renameSync(`${cachedFile}.tmp`, cachedFile);
    const manifest: CacheManifest = { world, stats: result.generator, probe: small };
    writeFileSync(manifestFile, JSON.stringify(manifest));
  }
  return { run, world };
}

async function benchBackend(name: BackendName, catalog: Catalog): Promise<BackendResult> {
  const result: BackendResult = { errors: [] };
  if (name === 'postgres') await checkPostgres();
  const { run, world } = await prepareHistory(name, catalog, result);
  try {
    if (settings.only.has('http')) {
      try {
        const profileDir = settings.profile
          ? ensureDir(join(REPO, 'bench', 'results', 'profiles'))
          : undefined;
        // Profiles are large and per machine: never committed.
        if (profileDir) writeFileSync(join(profileDir, '.gitignore'), '*\n');
        result.http = await runHttpBench({
          backend: run,
          world,
          durationSeconds: settings.durationSeconds,
          warmupSeconds: settings.warmupSeconds,
          connections: settings.connections,
          profileDir,
          repoRoot: REPO,
          log: (line) => log(`${name}: ${line}`),
        });
      } catch (error) {
        result.errors.push(`http: ${(error as Error).stack ?? String(error)}`);
        log(`${name}: HTTP bench failed: ${(error as Error).message}`);
      }
    }
    if (settings.only.has('pipeline')) {
      log(`${name}: in-process pipeline vs raw insert, ${settings.pipelineCommands} commands`);
      result.pipeline = await runPipelineBench({
        backend: run,
        world,
        catalog,
        commands: settings.pipelineCommands,
        concurrency: settings.connections,
      });
    }
  } finally {
    await run.cleanup();
  }
  return result;
}

async function main(): Promise<void> {
  const started = new Date();
  const m = machine();
  log(`machine: ${m.cpu}, ${m.cores} cores, node ${m.node}, load ${m.loadAverageAtStart.join(' ')}`);
  const catalog = parseCatalog(JSON.parse(readFileSync(join(REPO, 'config', 'catalog.json'), 'utf8')));
  const results: Partial<Record<BackendName, BackendResult>> = {};
  if (settings.only.has('http')) buildApiChild(REPO, log);
  for (const name of settings.backends) {
    results[name] = await benchBackend(name, catalog);
  }
  m.loadAverageAtEnd = loadavg().map((v) => round(v, 2));
  const table = renderTable(results, m);
  console.log(`\n${table}\n`);
  const report = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: m,
    settings: { ...settings, only: [...settings.only] },
    results,
    table,
  };
  const dir = ensureDir(join(REPO, 'bench', 'results'));
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const file = join(dir, `${stamp}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(report, null, 2));
  log(`results: ${file} (and bench/results/latest.json)`);
  const failures = Object.entries(results).flatMap(([b, r]) => (r?.errors ?? []).map((e) => `${b}: ${e}`));
  if (failures.length > 0) {
    console.error(failures.join('\n'));
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
