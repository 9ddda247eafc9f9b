import { resolve } from 'node:path';
import { PostgresReadModelStore } from './postgres-store';
import type { ReadModelStore } from './read-model-store';
import { SqliteReadModelStore } from './sqlite-store';

export type ReadModelStoreConfig =
  | { kind: 'sqlite'; path: string }
  | {
      kind: 'postgres';
      url: string;
      schema: string;
      /**
       * PROJECTION_DROP_LOCK_TIMEOUT_MS: how long dropping a retired generation waits for the lock
       * on its tables. Absent when unset: the store's default (300 ms).
       */
      dropLockTimeoutMs?: number;
    };

/**
 * A bad read-model setting, naming the variable so the operator knows what to fix. When several
 * settings are wrong, `setting` is the first and `problems` lists every one ("SETTING: what is
 * wrong", one per line of the message), so a bad deploy fails once with the full list.
 */
export class ReadModelConfigError extends Error {
  readonly problems: string[];

  constructor(
    readonly setting: string,
    /** What is wrong with `setting`, without its name. */
    readonly reason: string,
    more: readonly ReadModelConfigError[] = [],
  ) {
    const problems = [`${setting}: ${reason}`, ...more.flatMap((error) => error.problems)];
    super(problems.join('\n'));
    this.name = 'ReadModelConfigError';
    this.problems = problems;
  }
}

/** Throws what `errors` holds as one ReadModelConfigError: the first's setting, every problem. */
function throwAll(errors: readonly ReadModelConfigError[]): void {
  const [first, ...more] = errors;
  if (first === undefined) return;
  throw more.length === 0 ? first : new ReadModelConfigError(first.setting, first.reason, more);
}

export const DEFAULT_READ_MODEL_PATH = './data/read-models.sqlite';
export const DEFAULT_READ_MODEL_SCHEMA = 'read_models';
/** The projection worker's ceiling on the pause between tries to drop a retired generation. */
export const DEFAULT_MAX_DROP_RETRY_MS = 30_000;

type Env = Record<string, string | undefined>;

function setting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * Whether two SQLite paths name one file as they resolve: `data/e.sqlite`, `./data/e.sqlite` and its
 * absolute form are one file (compared as text they were not, and the read models went into the event
 * store's file). `:memory:` databases are each their own.
 */
function sameFile(a: string, b: string): boolean {
  if (a === ':memory:' || b === ':memory:') return false;
  return resolve(a) === resolve(b);
}

/**
 * READ_MODEL_STORE=sqlite (default) | postgres; READ_MODEL_PATH (sqlite, default
 * ./data/read-models.sqlite — never the event-store file); READ_MODEL_URL (postgres, required);
 * READ_MODEL_SCHEMA (postgres, default read_models); PROJECTION_DROP_LOCK_TIMEOUT_MS (postgres,
 * default 300: the store's). Every bad setting is reported together (one ReadModelConfigError).
 */
export function loadReadModelStoreConfig(env: Env = process.env): ReadModelStoreConfig {
  const errors: ReadModelConfigError[] = [];
  const kind = setting(env, 'READ_MODEL_STORE') ?? 'sqlite';
  let config: ReadModelStoreConfig | undefined;
  if (kind === 'sqlite') {
    const path = setting(env, 'READ_MODEL_PATH') ?? DEFAULT_READ_MODEL_PATH;
    const eventStorePath = setting(env, 'EVENT_STORE_PATH');
    if (eventStorePath && sameFile(eventStorePath, path)) {
      errors.push(
        new ReadModelConfigError('READ_MODEL_PATH', 'must not be the event store file (EVENT_STORE_PATH)'),
      );
    }
    config = { kind, path };
  } else if (kind === 'postgres') {
    const url = setting(env, 'READ_MODEL_URL') ?? '';
    if (!url) {
      errors.push(new ReadModelConfigError('READ_MODEL_URL', 'is required when READ_MODEL_STORE=postgres'));
    } else if (!/^postgres(ql)?:\/\//.test(url)) {
      errors.push(
        new ReadModelConfigError('READ_MODEL_URL', 'must be a postgres:// or postgresql:// connection URL'),
      );
    }
    const schema = setting(env, 'READ_MODEL_SCHEMA') ?? DEFAULT_READ_MODEL_SCHEMA;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      errors.push(
        new ReadModelConfigError(
          'READ_MODEL_SCHEMA',
          `'${schema}' must be a lower-case SQL identifier (a-z, 0-9, _)`,
        ),
      );
    }
    config = { kind, url, schema };
  } else {
    errors.push(
      new ReadModelConfigError('READ_MODEL_STORE', `must be 'sqlite' or 'postgres', got '${kind}'`),
    );
  }
  // Checked whatever the store (only PostgreSQL uses it): a bad value is refused, not left to fail
  // the day READ_MODEL_STORE changes.
  let dropLockTimeoutMs: number | undefined;
  try {
    dropLockTimeoutMs = optionalPositiveInt(env, 'PROJECTION_DROP_LOCK_TIMEOUT_MS');
  } catch (error) {
    if (!(error instanceof ReadModelConfigError)) throw error;
    errors.push(error);
  }
  throwAll(errors);
  if (config === undefined) throw new Error('unreachable: an unknown READ_MODEL_STORE was refused');
  // Only when set, so a config without it reads as before (the store's default applies).
  return config.kind === 'postgres' && dropLockTimeoutMs !== undefined
    ? { ...config, dropLockTimeoutMs }
    : config;
}

/** Builds and initialises (migrates) the configured store. */
export async function createReadModelStore(config: ReadModelStoreConfig): Promise<ReadModelStore> {
  const store = newReadModelStore(config);
  await store.init();
  return store;
}

/** The configured store, before init (migrations); a PostgreSQL one connects on its first query. */
export function newReadModelStore(
  config: ReadModelStoreConfig,
): SqliteReadModelStore | PostgresReadModelStore {
  return config.kind === 'sqlite'
    ? new SqliteReadModelStore({ path: config.path })
    : new PostgresReadModelStore({
        url: config.url,
        schema: config.schema,
        dropLockTimeoutMs: config.dropLockTimeoutMs,
      });
}

/** Where a process runs its projections: a worker thread (another core than the requests') or the main thread. */
export type ProjectionThread = 'worker' | 'main';

export interface ProjectorConfig {
  /** PROJECTIONS_IN_PROCESS (default true): the API runs the projections itself. */
  inProcess: boolean;
  /** PROJECTIONS_THREAD (default main): the thread the API runs them on (README, Configuration). */
  thread: ProjectionThread;
  /** PROJECTION_BATCH_SIZE (default 500). */
  batchSize: number;
  /** PROJECTION_LEASE_TTL_MS (default 15000; SQLite lease rows only). */
  leaseTtlMs: number;
  /** PROJECTION_BATCH_WINDOW_MS (default 0 = off): how long live events gather into one commit (README, Performance). */
  liveBatchWindowMs: number;
  /**
   * PROJECTION_DROP_RETRY_MAX_MS (default 30000): the longest pause between background tries to drop
   * a retired generation a reader still held (the pauses double from 1 s up to this).
   */
  maxDropRetryMs: number;
}

/**
 * A whole number of plain decimal digits, as every other integer setting takes (the API's config
 * reader, the scheduler's). Number() alone also took `0x10`, `0b11`, `1e3`, `+5` and `10.0`.
 */
function positiveInt(env: Env, name: string, fallback: number, min = 1): number {
  const raw = setting(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min)
    throw new ReadModelConfigError(
      name,
      `must be ${min === 0 ? 'a non-negative' : 'a positive'} integer (decimal digits), got '${raw}'`,
    );
  return value;
}

/** A positive integer setting without a default here (undefined when unset): the consumer's applies. */
function optionalPositiveInt(env: Env, name: string): number | undefined {
  return setting(env, name) === undefined ? undefined : positiveInt(env, name, 1);
}

/** Every projector setting is checked, and every bad one reported together (one ReadModelConfigError). */
export function loadProjectorConfig(env: Env = process.env): ProjectorConfig {
  const errors: ReadModelConfigError[] = [];
  const check = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ReadModelConfigError)) throw error;
      errors.push(error);
      return fallback;
    }
  };
  const inProcess = check(() => {
    const raw = (setting(env, 'PROJECTIONS_IN_PROCESS') ?? 'true').toLowerCase();
    if (raw !== 'true' && raw !== 'false') {
      throw new ReadModelConfigError('PROJECTIONS_IN_PROCESS', `must be 'true' or 'false', got '${raw}'`);
    }
    return raw === 'true';
  }, true);
  const thread = check((): ProjectionThread => {
    const raw = (setting(env, 'PROJECTIONS_THREAD') ?? 'main').toLowerCase();
    if (raw !== 'worker' && raw !== 'main') {
      throw new ReadModelConfigError('PROJECTIONS_THREAD', `must be 'worker' or 'main', got '${raw}'`);
    }
    return raw;
  }, 'main');
  const config = {
    inProcess,
    thread,
    batchSize: check(() => positiveInt(env, 'PROJECTION_BATCH_SIZE', 500), 500),
    leaseTtlMs: check(() => positiveInt(env, 'PROJECTION_LEASE_TTL_MS', 15_000), 15_000),
    liveBatchWindowMs: check(() => positiveInt(env, 'PROJECTION_BATCH_WINDOW_MS', 0, 0), 0),
    maxDropRetryMs: check(
      () => positiveInt(env, 'PROJECTION_DROP_RETRY_MAX_MS', DEFAULT_MAX_DROP_RETRY_MS),
      DEFAULT_MAX_DROP_RETRY_MS,
    ),
  };
  throwAll(errors);
  return config;
}
