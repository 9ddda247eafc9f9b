/**
 * The projector process: runs the projection runner on its own, so read models can be scaled and
 * restarted apart from the API. Configured from the same environment as the API:
 *   EVENT_STORE, EVENT_STORE_PATH / EVENT_STORE_URL / EVENT_STORE_SCHEMA   (the event store)
 *   READ_MODEL_STORE, READ_MODEL_PATH / READ_MODEL_URL / READ_MODEL_SCHEMA (the read models)
 *   PROJECTION_BATCH_SIZE, PROJECTION_BATCH_WINDOW_MS, PROJECTION_LEASE_TTL_MS, LOG_LEVEL,
 *   PROJECTION_DROP_LOCK_TIMEOUT_MS, PROJECTION_DROP_RETRY_MAX_MS (retired generations' drops)
 * A bad setting exits 1 before anything is opened, with one line per bad setting (all of them).
 * It runs the product catalog (libs/projections/src/catalog.ts: partner overview, client list, POR
 * inbox, activity log — libs/read-models).
 *
 * `--rebuild <name>` (repeatable, or comma-separated): once started, rebuild these projections from
 * the start of the log beside their live tables and switch to them when caught up — what
 * `POST /projections/{name}/rebuild` does when the API runs the projections. Run by whichever
 * projector holds the projection's lease: stop the others first, or the rebuild waits for the lease.
 * An unknown name exits 2 before anything is opened. Run the API with PROJECTIONS_IN_PROCESS=false when this process does
 * the projecting (it then reads checkpoints for read-your-writes). Several
 * projectors may run: each projection is run by one of them at a time (advisory lock on
 * PostgreSQL, lease row on SQLite), the others stand by and take over.
 *
 * SIGTERM/SIGINT: the batch in flight commits with its checkpoint, leases are released, exit 0.
 */
import { createEventStore, loadEventStoreConfig } from '@pc/event-store';
import {
  createReadModelStore,
  loadProjectorConfig,
  loadReadModelStoreConfig,
  projectionCatalog,
  ProjectionRunner,
  type RunnerLogger,
} from '@pc/projections';
import { parseArgs } from 'node:util';
import { loadAll, loadLogLevel } from '../../api/src/platform/config';
import { projectorLogger } from './logger';

async function main(): Promise<void> {
  const rebuild = rebuildArgument(process.argv.slice(2));
  // Every setting is checked before anything is opened; all bad ones are reported together, each named.
  const config = loadAll({
    logLevel: () => loadLogLevel(process.env),
    eventStore: () => loadEventStoreConfig(process.env),
    readModels: () => loadReadModelStoreConfig(process.env),
    projector: () => loadProjectorConfig(process.env),
  });
  const { projector } = config;
  const logger = projectorLogger(config.logLevel);
  const log: RunnerLogger = {
    info: (context, message) => logger.info(context, message),
    warn: (context, message) => logger.warn(context, message),
    error: (context, message) => logger.error(context, message),
  };

  const eventStore = await createEventStore(config.eventStore);
  const store = await createReadModelStore(config.readModels);
  const runner = new ProjectionRunner({
    eventStore,
    store,
    projections: projectionCatalog,
    batchSize: projector.batchSize,
    liveBatchWindowMs: projector.liveBatchWindowMs,
    leaseTtlMs: projector.leaseTtlMs,
    maxDropRetryMs: projector.maxDropRetryMs,
    logger: log,
  });

  // One debug line per committed batch (LOG_LEVEL=debug): progress for operators and tests.
  runner.changes$.subscribe((change) =>
    logger.debug({ projection: change.projection, position: change.position }, 'committed'),
  );

  // Periodic status in the logs (lag, errors); also keeps the process alive with an empty catalog.
  const statusTimer = setInterval(() => {
    runner.status().then(
      (statuses) => logger.info({ statuses }, 'projection status'),
      (error: unknown) => logger.warn({ error: String(error) }, 'status unavailable'),
    );
  }, 60_000);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(statusTimer);
    logger.info({ signal }, 'stopping projector');
    void runner
      .stop()
      .then(() => Promise.all([store.close(), eventStore.close()]))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ error: String(error) }, 'unclean projector shutdown');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await runner.start();
  for (const name of rebuild) {
    await runner.rebuild(name);
    logger.info({ projection: name }, 'rebuild requested');
  }
  logger.info(
    {
      projections: projectionCatalog.map((p) => p.name),
      eventStore: eventStore.kind,
      readModels: store.dialect,
    },
    'projector started',
  );
}

/** A usage error: printed as one line, exit 2. */
class UsageError extends Error {}

function rebuildArgument(args: string[]): string[] {
  let values: string[];
  try {
    values =
      parseArgs({ args, options: { rebuild: { type: 'string', multiple: true } } }).values.rebuild ?? [];
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const names = values
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter(Boolean);
  const known = projectionCatalog.map((p) => p.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`--rebuild: no projection named ${unknown.join(', ')} (known: ${known.join(', ')})`);
  }
  return [...new Set(names)];
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
