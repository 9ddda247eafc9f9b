import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import type { BackendRun } from './backend';
import type { World } from './generator';
import { QUERY_NAMES, type QueryName } from './queries';
import { type LatencySummary, sleep, summarize } from './stats';
import { mintToken } from './tokens';

export interface LoadSummary {
  requestsPerSecond: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
}

export interface ChildReady {
  port: number;
  pid: number;
  bootMs: number;
  bootCatchUpMs: number;
  rebuildMs: number;
  perProjection: Record<string, number>;
  head: string | null;
  projections: string[];
  catalogEmpty: boolean;
}

export interface HttpBenchResult {
  child: ChildReady;
  ceiling: LoadSummary;
  commands: LoadSummary;
  ratioToCeiling: number;
  statusCounts: Record<string, number>;
  sampleFailures: string[];
  lag: {
    /** Commit of an append (every 10th under load) → waitForPosition resolved, in the service process. */
    commitToVisibleMs: LatencySummary;
    commitTimeouts: number;
    /** As a caller sees it: command response → GET /__bench/wait answered (includes HTTP queueing). */
    clientMs: LatencySummary;
    serverMs: LatencySummary;
    timeouts: number;
  };
  rssMb: { boot: number; rebuild: number; ceiling: number; commands: number; hwm: number };
  /** The service's own heap figures (process.memoryUsage, MB) last reported before each phase's RSS peak. */
  memoryAtPeakMb: Partial<Record<Phase, MemoryMb>>;
  queries: Record<QueryName, { serverMs: LatencySummary; clientMs: LatencySummary; rows: number } | null>;
}

export interface HttpBenchOptions {
  backend: BackendRun;
  world: World;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Directory for --cpu-prof of the service child; no profile when undefined. */
  profileDir?: string;
  repoRoot: string;
  log: (line: string) => void;
}

type Phase = 'boot' | 'rebuild' | 'idle' | 'ceiling' | 'commands';

/** What RSS is made of, as the service sees it (api-child reports it twice a second). */
export interface MemoryMb {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** Samples the child's VmRSS from /proc by phase (VmHWM is the process-lifetime peak). */
class RssSampler {
  readonly peaks: Record<Phase, number> = { boot: 0, rebuild: 0, idle: 0, ceiling: 0, commands: 0 };
  readonly memoryAtPeak: Partial<Record<Phase, MemoryMb>> = {};
  /** The child's latest heap report. */
  memory: MemoryMb | undefined;
  hwm = 0;
  phase: Phase = 'boot';
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pid: number) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), 100);
  }

  sample(): void {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      if (rss > this.peaks[this.phase] && this.memory) this.memoryAtPeak[this.phase] = this.memory;
      this.peaks[this.phase] = Math.max(this.peaks[this.phase], rss);
      this.hwm = Math.max(this.hwm, hwm);
    } catch {
      // the process has exited
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

function summarizeLoad(result: AutocannonResult): LoadSummary {
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    total: result.totalCompletedRequests,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      mean: result.latency.average,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  };
}

/**
 * The HTTP command mix (document in bench/README.md):
 *  40 % UpdatePartnerUser  POST /partners/:p/users/:u            {displayName} — always a change
 *  20 % AssignAdminRole    POST /partners/:p/users/:u/roles/assign {scope:'customers', role} — full ⇄ limited
 *  40 % ChangeLicenseCount POST /customers/:c/subscriptions/:s/license-count {licenses} — toggles within bounds
 * spread round-robin over every partner user and over up to 5,000 paid subscriptions, each request
 * with the acting user's token and a unique Idempotency-Key.
 */
async function commandMix(world: World, runId: string) {
  const partners = world.partners.filter((p) => p.userIds.length > 0);
  const adminTokens = new Map<string, string>();
  for (const p of partners) {
    adminTokens.set(
      p.partnerId,
      await mintToken({ kind: 'partner-user', id: p.adminId, partnerId: p.partnerId }),
    );
  }
  const subs = world.paid.slice(0, 5000);
  const subTokens: string[] = [];
  for (const s of subs) {
    subTokens.push(await mintToken({ kind: 'customer-user', id: s.adminUserId, customerId: s.customerId }));
  }
  const roles = new Map<string, string>();
  const licenses = subs.map((s) => s.licenses);
  let counter = 0;
  const headers = (token: string, n: number) => ({
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'idempotency-key': `${runId}-${n}`,
  });
  const next = (): AutocannonRequest & { kind: string } => {
    const n = counter++;
    const slot = n % 10;
    if (slot < 6 || subs.length === 0) {
      const p = partners[n % partners.length];
      const userId = p.userIds[Math.floor(n / partners.length) % p.userIds.length];
      const token = adminTokens.get(p.partnerId) as string;
      if (slot < 4 || subs.length === 0) {
        return {
          kind: 'UpdatePartnerUser',
          method: 'POST',
          path: `/partners/${p.partnerId}/users/${userId}`,
          headers: headers(token, n),
          body: JSON.stringify({ displayName: `User ${n}` }),
        };
      }
      const key = `${p.partnerId}/${userId}`;
      const role = roles.get(key) === 'full' ? 'limited' : 'full';
      roles.set(key, role);
      return {
        kind: 'AssignAdminRole',
        method: 'POST',
        path: `/partners/${p.partnerId}/users/${userId}/roles/assign`,
        headers: headers(token, n),
        body: JSON.stringify({ scope: 'customers', role }),
      };
    }
    const i = n % subs.length;
    const s = subs[i];
    const value = licenses[i] === s.minLicenses + 1 ? s.minLicenses + 2 : s.minLicenses + 1;
    licenses[i] = value;
    return {
      kind: 'ChangeLicenseCount',
      method: 'POST',
      path: `/customers/${s.customerId}/subscriptions/${s.subscriptionId}/license-count`,
      headers: headers(subTokens[i], n),
      body: JSON.stringify({ licenses: value }),
    };
  };
  return {
    next,
    lagPartner: partners[partners.length - 1],
    lagToken: adminTokens.get(partners[partners.length - 1].partnerId) as string,
  };
}

/**
 * The service runs as `npm start` runs it: compiled JavaScript (tsconfig.bench.json = the build's
 * settings plus bench/api-child.ts), not through a TypeScript loader, whose compiler and caches
 * would count in the RSS measured.
 */
export function buildApiChild(repoRoot: string, log: (line: string) => void): void {
  const started = Date.now();
  const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);
  execFileSync(bin('tsc'), ['-p', 'tsconfig.bench.json'], { cwd: repoRoot, stdio: 'inherit' });
  execFileSync(bin('tsc-alias'), ['-p', 'tsconfig.bench.json'], { cwd: repoRoot, stdio: 'inherit' });
  log(`compiled the service child (dist/bench) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The node flags of `npm start` (package.json), so the child runs with the service's own settings. */
function startFlags(repoRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.split(/\s+/);
  if (words[0] !== 'node') throw new Error(`package.json "start" does not run node: ${pkg.scripts.start}`);
  return words.slice(1).filter((word) => word.startsWith('--'));
}

function spawnApi(options: HttpBenchOptions): { child: ChildProcess; ready: Promise<ChildReady> } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.backend.apiEnv,
    PROJECTIONS_IN_PROCESS: 'false',
    BENCH_SCRATCH_READ_MODELS: JSON.stringify(options.backend.scratchReadModels),
    GUESSING_RATE_LIMIT: '1000000',
  };
  if (env.NODE_ENV === 'production') delete env.NODE_ENV;
  const profile = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
  const args = [...profile, ...startFlags(options.repoRoot), join('dist', 'bench', 'bench', 'api-child.js')];
  const child = spawn(process.execPath, args, {
    cwd: options.repoRoot,
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<ChildReady>((resolve, reject) => {
    child.on('message', (message: { type?: string } & Partial<ChildReady>) => {
      if (message.type === 'ready') resolve(message as ChildReady);
    });
    child.on('exit', (code) => reject(new Error(`API child exited with code ${code} before it was ready`)));
  });
  return { child, ready };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'stop' });
  const timeout = sleep(30_000).then(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await Promise.race([exited, timeout]);
  await exited;
}

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

async function measureQueries(
  base: string,
  world: World,
  quick: boolean,
): Promise<HttpBenchResult['queries']> {
  const result = {} as HttpBenchResult['queries'];
  const samples = quick ? 50 : 300;
  const args: Record<QueryName, (i: number) => string> = {
    'client-prefix': (i) => `${world.bigPartnerId}|bc${(i * 7) % 1000}`,
    'client-substring': (i) => `${world.bigPartnerId}|${String(100 + ((i * 37) % 900))}`,
    'client-page': (i) => `${world.bigPartnerId}|${i % 50}`,
    'partner-overview': (i) => world.partners[i % world.partners.length].partnerId,
    'por-inbox': (i) =>
      i % 2 === 0 ? world.bigPartnerId : world.partners[i % world.partners.length].partnerId,
  };
  for (const name of QUERY_NAMES) {
    const server: number[] = [];
    const client: number[] = [];
    let rows = 0;
    let available = true;
    for (let i = 0; i < samples; i++) {
      const started = process.hrtime.bigint();
      const { body } = await getJson<{ ok: boolean; rows: number; ms: number }>(
        `${base}/__bench/query?name=${name}&arg=${encodeURIComponent(args[name](i))}`,
      );
      client.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (!body.ok) {
        available = false;
        break;
      }
      server.push(body.ms);
      rows += body.rows;
    }
    result[name] = available
      ? { serverMs: summarize(server), clientMs: summarize(client), rows: Math.round(rows / samples) }
      : null;
  }
  return result;
}

export async function runHttpBench(options: HttpBenchOptions): Promise<HttpBenchResult> {
  const { log } = options;
  const { child, ready } = spawnApi(options);
  const rss = new RssSampler(child.pid as number);
  rss.start();
  child.on('message', (message: { type?: string; phase?: string; memory?: MemoryMb }) => {
    if (message.type === 'phase' && message.phase === 'rebuild') rss.phase = 'rebuild';
    if (message.type === 'memory') rss.memory = message.memory;
  });
  try {
    const info = await ready;
    rss.sample();
    rss.phase = 'idle';
    const base = `http://127.0.0.1:${info.port}`;
    log(
      `API child ${info.pid} on :${info.port}: boot ${(info.bootMs / 1000).toFixed(1)} s, due-list catch-up ` +
        `${(info.bootCatchUpMs / 1000).toFixed(1)} s, rebuild of [${info.projections.join(', ')}] ` +
        `${(info.rebuildMs / 1000).toFixed(1)} s`,
    );
    const queries = await measureQueries(base, options.world, options.durationSeconds < 15);
    const runId = `bench-${Date.now().toString(36)}`;
    const mix = await commandMix(options.world, runId);
    const statusCounts: Record<string, number> = {};
    const sampleFailures: string[] = [];
    const request: AutocannonRequest = {
      setupRequest: (_req, context) => {
        const r = mix.next();
        context.kind = r.kind;
        return r;
      },
      onResponse: (status, body, context) => {
        const key = `${String(context.kind)} ${status}`;
        statusCounts[key] = (statusCounts[key] ?? 0) + 1;
        if (status >= 300 && sampleFailures.length < 10) sampleFailures.push(`${key}: ${body.slice(0, 300)}`);
      },
    };
    log(`warm-up ${options.warmupSeconds} s`);
    await autocannon({
      url: base,
      connections: options.connections,
      duration: options.warmupSeconds,
      requests: [request],
    });
    for (const key of Object.keys(statusCounts)) delete statusCounts[key];
    sampleFailures.length = 0;

    log(`ceiling: GET /health, ${options.connections} connections, ${options.durationSeconds} s`);
    rss.phase = 'ceiling';
    const ceiling = summarizeLoad(
      await autocannon({
        url: `${base}/health`,
        connections: options.connections,
        duration: options.durationSeconds,
      }),
    );
    rss.phase = 'commands';
    log(`commands: mix, ${options.connections} connections, ${options.durationSeconds} s (+ lag probe)`);
    const lagReport = new Promise<{ samples: number[]; timeouts: number }>((resolve) => {
      child.on('message', (message: { type?: string; samples?: number[]; timeouts?: number }) => {
        if (message.type === 'lag')
          resolve({ samples: message.samples ?? [], timeouts: message.timeouts ?? 0 });
      });
    });
    child.send({ type: 'lag-start' });
    let probing = true;
    const lagClient: number[] = [];
    const lagServer: number[] = [];
    let lagTimeouts = 0;
    const probe = (async () => {
      let n = 0;
      const p = mix.lagPartner;
      while (probing) {
        const userId = p.userIds[0];
        const response = await getJson<{ position: string | null }>(
          `${base}/partners/${p.partnerId}/users/${userId}`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${mix.lagToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ displayName: `Lag probe ${n++} ${runId}` }),
          },
        );
        const position = response.body.position;
        if (response.status < 300 && position) {
          const started = process.hrtime.bigint();
          const waited = await getJson<{ ok: boolean; waitedMs: number }>(
            `${base}/__bench/wait?position=${position}&timeout=5000`,
          );
          if (waited.body.ok) {
            lagClient.push(Number(process.hrtime.bigint() - started) / 1e6);
            lagServer.push(waited.body.waitedMs);
          } else lagTimeouts++;
        }
        await sleep(25);
      }
    })();
    const commands = summarizeLoad(
      await autocannon({
        url: base,
        connections: options.connections,
        duration: options.durationSeconds,
        requests: [request],
      }),
    );
    probing = false;
    child.send({ type: 'lag-stop' });
    await probe;
    const serverLag = await lagReport;
    rss.sample();
    return {
      child: info,
      ceiling,
      commands,
      ratioToCeiling: commands.requestsPerSecond / ceiling.requestsPerSecond,
      statusCounts,
      sampleFailures,
      lag: {
        commitToVisibleMs: summarize(serverLag.samples),
        commitTimeouts: serverLag.timeouts,
        clientMs: summarize(lagClient),
        serverMs: summarize(lagServer),
        timeouts: lagTimeouts,
      },
      rssMb: {
        boot: rss.peaks.boot,
        rebuild: rss.peaks.rebuild,
        ceiling: rss.peaks.ceiling,
        commands: rss.peaks.commands,
        hwm: rss.hwm,
      },
      memoryAtPeakMb: rss.memoryAtPeak,
      queries,
    };
  } finally {
    rss.stop();
    await stopChild(child);
  }
}
