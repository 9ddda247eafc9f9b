/**
 * The scheduler's settings, loaded from the app's environment (ApiConfig.env).
 */
export interface SchedulerConfig {
  /** SCHEDULER_INTERVAL_MS: real time between ticks; 0 disables the timer (tests call tick()). */
  intervalMs: number;
  /** SCHEDULER_BATCH_SIZE: most due actions run per tick; the rest wait for the next one. */
  batchSize: number;
  /** SCHEDULER_CATCH_UP_TIMEOUT_MS: how long a tick waits for the due list to reach the head of the log. */
  catchUpTimeoutMs: number;
  /**
   * SCHEDULER_ACTION_TIMEOUT_MS: the longest a tick waits for one command; past it the action counts as
   * failed and the tick goes on, the command left to finish alone; the action is retried (same command
   * id) on a tick after that command has settled.
   */
  actionTimeoutMs: number;
  /**
   * SCHEDULER_SHUTDOWN_GRACE_MS: on shutdown, how long to wait for commands that timed out and still
   * run before the stores close under them; 0 = do not wait.
   */
  shutdownGraceMs: number;
}

export const SCHEDULER_CONFIG = Symbol('SCHEDULER_CONFIG');

export class SchedulerConfigError extends Error {
  /** One line per bad setting, each naming it (checkEnvironment lists them with the others). */
  constructor(readonly problems: string[]) {
    super(`Invalid scheduler configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SchedulerConfigError';
  }
}

export function loadSchedulerConfig(env: Record<string, string | undefined>): SchedulerConfig {
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
  const config = {
    intervalMs: integer('SCHEDULER_INTERVAL_MS', 30_000, 0, 86_400_000),
    batchSize: integer('SCHEDULER_BATCH_SIZE', 500, 1, 100_000),
    catchUpTimeoutMs: integer('SCHEDULER_CATCH_UP_TIMEOUT_MS', 10_000, 0, 600_000),
    actionTimeoutMs: integer('SCHEDULER_ACTION_TIMEOUT_MS', 30_000, 100, 600_000),
    shutdownGraceMs: integer('SCHEDULER_SHUTDOWN_GRACE_MS', 5_000, 0, 600_000),
  };
  if (problems.length > 0) throw new SchedulerConfigError(problems);
  return config;
}
