/**
 * The service under test, as its own process (spawned by bench/lib/http-bench.ts): the REAL app
 * (createApp from apps/api, same modules, guards, pipes, filters, stores as main.ts) listening on an
 * ephemeral port, plus a small bench-only module:
 *
 *  - a projection runner over `projectionCatalog` (the product's read models) started AFTER boot on
 *    an empty read-model store, so its catch-up from position zero is the rebuild measurement (3), and
 *    its waitForPosition answers GET /__bench/wait (command → read-model lag, measurement 5). While
 *    the catalog is empty, the scheduler's due-actions projection is rebuilt instead, into a scratch
 *    store (labelled as such in the results).
 *  - GET /__bench/query runs the read-model queries of measurement (4) through the query layer.
 *
 * Talks to the parent over IPC: {type:'ready', ...} once listening and rebuilt; {type:'stop'} to close.
 */
import 'reflect-metadata';
import { Controller, Get, Module, Query } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type EventStore, loadEventStoreConfig, type Position } from '@pc/event-store';
import {
  type Projection,
  type ReadModelStore,
  type RunsProjections,
  createProjectionRunner,
  createReadModelStore,
  loadProjectorConfig,
  loadReadModelStoreConfig,
  projectionCatalog,
  projectionCatalogSource,
} from '@pc/projections';
import { createApp } from '../apps/api/src/app.module';
import { EVENT_STORE, Public } from '../apps/api/src/platform';
import { ProjectionStatusRegistry } from '../apps/api/src/platform/health/projection-status';
import { dueActionsProjection } from '../apps/api/src/scheduler/due-actions.projection';
import { runQuery, type QueryName } from './lib/queries';

interface BenchState {
  runner: RunsProjections | null;
  store: ReadModelStore | null;
  projections: Projection[];
}

const state: BenchState = { runner: null, store: null, projections: [] };

@Public()
@Controller('__bench')
class BenchController {
  @Get('wait')
  async wait(@Query('position') position: string, @Query('timeout') timeout?: string) {
    const started = process.hrtime.bigint();
    if (!state.runner) return { ok: false, waitedMs: 0 };
    const ok = await state.runner.waitForPosition(position as Position, Number(timeout ?? 5000));
    return { ok, waitedMs: Number(process.hrtime.bigint() - started) / 1e6 };
  }

  @Get('query')
  async query(@Query('name') name: string, @Query('arg') arg?: string) {
    if (!state.store) return { ok: false, rows: 0, ms: 0 };
    const started = process.hrtime.bigint();
    const rows = await runQuery(state.store, state.projections, name as QueryName, arg ?? '');
    return { ok: rows >= 0, rows, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  }
}

@Module({ controllers: [BenchController] })
class BenchModule {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => Number(process.hrtime.bigint()) / 1e6;
const send = (message: Record<string, unknown>) => process.send?.(message);

async function waitUntilLive(app: NestFastifyApplication): Promise<void> {
  const registry = app.get(ProjectionStatusRegistry);
  for (;;) {
    const statuses = await registry.statuses();
    if (statuses.every((s) => s.state === 'live')) return;
    // Each status call computes every projection's lag (a read of up to 1,001 events each): polled gently.
    await sleep(500);
  }
}

const mb = (bytes: number) => Math.round(bytes / 1048576);

async function main(): Promise<void> {
  // What RSS is made of, for the bench's memory measurement (6).
  setInterval(() => {
    const m = process.memoryUsage();
    const memory = {
      heapUsed: mb(m.heapUsed),
      heapTotal: mb(m.heapTotal),
      external: mb(m.external),
      arrayBuffers: mb(m.arrayBuffers),
    };
    send({ type: 'memory', memory });
  }, 500).unref();
  const t0 = now();
  const app = await createApp({ logger: process.env.BENCH_LOGGER === 'on', modules: [BenchModule] });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const bootMs = now() - t0;
  send({ type: 'phase', phase: 'boot-catch-up' });
  await waitUntilLive(app);
  const bootCatchUpMs = now() - t0 - bootMs;

  // Measurement (3): the product's read models from an empty store, in the service process.
  const eventStore = app.get<EventStore>(EVENT_STORE);
  const catalogEmpty = projectionCatalog.length === 0;
  // BENCH_PROJECTIONS=a,b runs only those read models (experiments: what each costs under load).
  const only = process.env.BENCH_PROJECTIONS?.split(',').map((name) => name.trim());
  state.projections =
    process.env.BENCH_EXPERIMENT === 'no-read-model-runner'
      ? []
      : catalogEmpty
        ? [dueActionsProjection]
        : projectionCatalog.filter((projection) => !only || only.includes(projection.name));
  const storeConfig = catalogEmpty
    ? JSON.parse(process.env.BENCH_SCRATCH_READ_MODELS ?? '{}')
    : loadReadModelStoreConfig(process.env);
  state.store = await createReadModelStore(storeConfig);
  const head = await eventStore.headPosition();
  send({ type: 'phase', phase: 'rebuild' });
  const t1 = now();
  const projector = loadProjectorConfig(process.env);
  // The thread the API would run them on (PROJECTIONS_THREAD); the due list's fallback stays on this one.
  state.runner = createProjectionRunner({
    thread: catalogEmpty ? 'main' : projector.thread,
    eventStore,
    eventStoreConfig: loadEventStoreConfig(process.env),
    store: state.store,
    readModelStoreConfig: storeConfig,
    projections: state.projections,
    source: projectionCatalogSource,
    batchSize: Number(process.env.BENCH_BATCH_SIZE ?? 500),
    liveBatchWindowMs: projector.liveBatchWindowMs,
  });
  await state.runner.start();
  const perProjection: Record<string, number> = {};
  if (head !== null) {
    const pending = new Set(state.projections.map((p) => p.name));
    while (pending.size > 0) {
      for (const name of [...pending]) {
        if (await state.runner.waitForPosition(head, 50, [name])) {
          perProjection[name] = now() - t1;
          pending.delete(name);
        }
      }
    }
  }
  const rebuildMs = now() - t1;
  send({
    type: 'ready',
    port,
    pid: process.pid,
    bootMs,
    bootCatchUpMs,
    rebuildMs,
    perProjection,
    head,
    projections: state.projections.map((p) => p.name),
    catalogEmpty,
  });

  // Measurement (5), server side: every 10th append while sampling, the time from the append's commit
  // to runner.waitForPosition resolving for every projection of the runner (read-your-writes ready).
  const lag = {
    sampling: false,
    every: Number(process.env.BENCH_LAG_EVERY ?? 10),
    n: 0,
    samples: [] as number[],
    timeouts: 0,
  };
  const append = eventStore.append.bind(eventStore);
  eventStore.append = async (...args: Parameters<EventStore['append']>) => {
    const result = await append(...args);
    if (lag.sampling && ++lag.n % lag.every === 0 && state.runner) {
      const committed = now();
      void state.runner.waitForPosition(result.position, 5000).then((ok) => {
        if (ok) lag.samples.push(now() - committed);
        else lag.timeouts++;
      });
    }
    return result;
  };

  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'lag-start') {
      lag.sampling = true;
      return;
    }
    if (message?.type === 'lag-stop') {
      lag.sampling = false;
      void sleep(200).then(() => send({ type: 'lag', samples: lag.samples, timeouts: lag.timeouts }));
      return;
    }
    if (message?.type !== 'stop') return;
    void (async () => {
      await state.runner?.stop();
      await state.store?.close();
      await app.close();
      process.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
