import { loadProjectorConfig, ReadModelConfigError, type ProjectionThread } from '@pc/projections';

/**
 * The read side's settings, loaded from the app's environment (ApiConfig.env); the projector
 * process reads the same variables.
 */
export interface ReadModelsConfig {
  /** PROJECTIONS_IN_PROCESS (default true): this API runs the projection runner itself. */
  inProcess: boolean;
  /** PROJECTIONS_THREAD (default main): in-process projections run on the main thread, or on a worker thread. */
  thread: ProjectionThread;
  /** PROJECTION_BATCH_SIZE (default 500). */
  batchSize: number;
  /** PROJECTION_BATCH_WINDOW_MS (default 0): live events gather this long into one commit. */
  liveBatchWindowMs: number;
  /** PROJECTION_LEASE_TTL_MS (default 15000; SQLite lease rows). */
  leaseTtlMs: number;
  /** PROJECTION_DROP_RETRY_MAX_MS (default 30000): the ceiling of the background retries of a retired generation's drop. */
  maxDropRetryMs: number;
  /** READ_YOUR_WRITES_TIMEOUT_MS (default 5000): the longest a query waits for a minimum position. */
  readYourWritesTimeoutMs: number;
  /** SSE_HEARTBEAT_MS (default 15000): comment lines that keep idle update streams open through proxies. */
  heartbeatMs: number;
  /** READ_MODEL_POLL_MS (default 1000): how often updates are polled for projections another process runs. */
  pollMs: number;
}

export const READ_MODELS_CONFIG = Symbol('READ_MODELS_CONFIG');

export class ReadModelsConfigError extends Error {
  /** One line per bad setting, each naming it (checkEnvironment lists them with the others). */
  constructor(readonly problems: string[]) {
    super(`Invalid read-model configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ReadModelsConfigError';
  }
}

export function loadReadModelsConfig(env: Record<string, string | undefined>): ReadModelsConfig {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got '${raw}')`);
      return fallback;
    }
    return value;
  };
  // The defaults stand in for a bad setting, so every problem is reported at once.
  let projector = loadProjectorConfig({});
  try {
    projector = loadProjectorConfig(env);
  } catch (error) {
    if (!(error instanceof ReadModelConfigError)) throw error;
    problems.push(...error.problems);
  }
  const config = {
    ...projector,
    readYourWritesTimeoutMs: integer('READ_YOUR_WRITES_TIMEOUT_MS', 5000, 0, 60_000),
    heartbeatMs: integer('SSE_HEARTBEAT_MS', 15_000, 10, 300_000),
    pollMs: integer('READ_MODEL_POLL_MS', 1000, 10, 60_000),
  };
  if (problems.length > 0) throw new ReadModelsConfigError(problems);
  return config;
}
