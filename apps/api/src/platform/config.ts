import { existsSync, readFileSync } from 'node:fs';
import { ConfigError as EventStoreConfigError } from '@pc/event-store/config-error';
import { loadEventStoreConfig, type EventStoreConfig } from '@pc/event-store/factory';
import {
  loadReadModelStoreConfig,
  ReadModelConfigError,
  type ReadModelStoreConfig,
} from '@pc/projections/store/config';
import { DEFAULT_CATALOG_PATH, loadCatalog } from '../catalog/load-catalog';
import { loadReadModelsConfig, ReadModelsConfigError } from '../read-models/read-models.config';
import { loadSchedulerConfig, SchedulerConfigError } from '../scheduler/scheduler.config';
import { DEVELOPMENT_JWT_SECRET } from './auth/dev-keys';

/**
 * The one typed configuration of the API, read from the environment and validated at boot.
 * Every problem is collected and reported together, each naming the setting, so a bad deploy fails
 * once with the full list instead of one error per restart. checkEnvironment (below) adds the
 * settings feature modules load themselves, so main.ts refuses all of them before Nest starts.
 */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type JwtKeyConfig =
  | { source: 'secret'; secret: string }
  | { source: 'public-key-file'; file: string; pem: string }
  | { source: 'jwks-file'; file: string; jwks: { keys: object[] } }
  | { source: 'development'; secret: string };

export interface JwtConfig {
  key: JwtKeyConfig;
  /** When set, tokens must carry this `iss`. */
  issuer?: string;
  /** When set, tokens must carry this `aud`. */
  audience?: string;
  /** Seconds of clock skew tolerated on exp/nbf. */
  clockToleranceSeconds: number;
}

export type { ReadModelStoreConfig };

export interface RateLimitConfig {
  /** Requests allowed per window and caller on guessable endpoints. */
  limit: number;
  windowMs: number;
  /** How long a caller stays blocked once over the limit. */
  blockMs: number;
}

export interface ApiConfig {
  /**
   * The environment the app was configured from (process.env, or what a test passed to createApp).
   * Feature modules load their own settings from it, never from process.env directly.
   */
  env: Readonly<Env>;
  nodeEnv: string;
  production: boolean;
  host: string;
  port: number;
  /** Base of the URLs the service hands out (invitation and offer links). No trailing slash. */
  publicBaseUrl: string;
  /** The catalog of services (JSON), loaded and validated once at boot. */
  catalogPath: string;
  /** Base of problem+json `type` URIs. No trailing slash. */
  problemBase: string;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  jwt: JwtConfig;
  readModelStore: ReadModelStoreConfig;
  guessingRateLimit: RateLimitConfig;
  /**
   * AUDIT_REPLAYS_MAX: replays of the log an auditor's request may run at once in this process (read
   * models as of a position, the replay check); one more is answered 503 audit-replays-busy.
   */
  auditReplaysMax: number;
  /** Event-store settings, parsed by the event-store factory's own loader. */
  eventStore: EventStoreConfig;
}

export type Env = Record<string, string | undefined>;

/** Bad settings: one problem per setting, each naming it; a multi-line problem stays indented under its line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.map((p) => p.replace(/\n/g, '\n    ')).join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const API_CONFIG = Symbol('API_CONFIG');

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_SECRET_BYTES = 32;

export function loadApiConfig(env: Env): ApiConfig {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const nodeEnv = read.string('NODE_ENV', 'development');
  const production = nodeEnv === 'production';

  let eventStore: ApiConfig['eventStore'] | undefined;
  try {
    eventStore = loadEventStoreConfig(env);
  } catch (error) {
    // One problem per bad setting, each marked as the event store's.
    if (error instanceof EventStoreConfigError)
      problems.push(...error.problems.map((p) => `event store: ${p}`));
    else problems.push(`event store: ${error instanceof Error ? error.message : String(error)}`);
  }

  const config = {
    env: Object.freeze({ ...env }),
    nodeEnv,
    production,
    host: read.string('HOST', '0.0.0.0'),
    port: read.integer('PORT', 3000, 0, 65_535),
    publicBaseUrl: read.url('PUBLIC_BASE_URL', 'http://localhost:3000'),
    catalogPath: catalogPathOf(env),
    problemBase: read.url('PROBLEM_BASE', 'https://partner-center.dev'),
    logLevel: readLogLevel(read),
    bodyLimitBytes: read.byteSize('BODY_LIMIT', 256 * 1024),
    jwt: loadJwtConfig(read, production),
    readModelStore: loadReadModelStore(read, env, eventStore),
    guessingRateLimit: loadRateLimit(read),
    auditReplaysMax: read.integer('AUDIT_REPLAYS_MAX', 2, 1, 64),
  };

  if (problems.length > 0 || eventStore === undefined) throw new ConfigError(problems);
  return { ...config, eventStore };
}

/**
 * Every setting the API reads, checked before Nest or any store starts: its own (loadApiConfig:
 * HTTP, JWT, event store, read-model store...), the read side's and the scheduler's (which
 * ReadModelsModule and SchedulerModule load again from ApiConfig.env, to the same values), and the
 * catalog file. One ConfigError lists every problem of every loader; otherwise the ApiConfig.
 */
export function checkEnvironment(env: Env): ApiConfig {
  return loadAll({
    api: () => loadApiConfig(env),
    readModels: () => loadReadModelsConfig(env),
    scheduler: () => loadSchedulerConfig(env),
    catalog: () => checkCatalog(catalogPathOf(env)),
  }).api;
}

type Loaded<T extends Record<string, () => unknown>> = { [K in keyof T]: ReturnType<T[K]> };

/**
 * Runs every loader (each throws on a bad setting) and returns what each loaded. When any refused,
 * throws one ConfigError with the problems of all of them, instead of the first loader's alone.
 * Anything that is not a configuration error (a bug) is thrown as it is.
 */
export function loadAll<T extends Record<string, () => unknown>>(loaders: T): Loaded<T> {
  const problems: string[] = [];
  const loaded: Partial<Record<keyof T, unknown>> = {};
  for (const name of Object.keys(loaders) as (keyof T)[]) {
    try {
      loaded[name] = loaders[name]();
    } catch (error) {
      const lines = configProblems(error);
      if (lines === undefined) throw error;
      problems.push(...lines.filter((line) => !problems.includes(line)));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return loaded as Loaded<T>;
}

/** What a loader's error reports, one line per bad setting; undefined when it is no configuration error. */
export function configProblems(error: unknown): readonly string[] | undefined {
  if (
    error instanceof ConfigError ||
    error instanceof ReadModelConfigError ||
    error instanceof ReadModelsConfigError ||
    error instanceof SchedulerConfigError ||
    error instanceof EventStoreConfigError
  ) {
    return error.problems;
  }
  return undefined;
}

/** LOG_LEVEL alone, by loadApiConfig's rule (the projector reads it too). */
export function loadLogLevel(env: Env): LogLevel {
  const problems: string[] = [];
  const level = readLogLevel(new EnvReader(env, problems));
  if (problems.length > 0) throw new ConfigError(problems);
  return level;
}

function readLogLevel(read: EnvReader): LogLevel {
  return read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
}

/** CATALOG_PATH, as loadApiConfig reads it and checkEnvironment loads it. */
function catalogPathOf(env: Env): string {
  return new EnvReader(env, []).string('CATALOG_PATH', DEFAULT_CATALOG_PATH);
}

/** Loads the catalog once to validate it (PlatformModule loads it for use); its message names CATALOG_PATH. */
function checkCatalog(path: string): void {
  try {
    loadCatalog(path);
  } catch (error) {
    throw new ConfigError([error instanceof Error ? error.message : String(error)]);
  }
}

function loadJwtConfig(read: EnvReader, production: boolean): JwtConfig {
  const secret = read.optional('JWT_SECRET');
  const publicKeyFile = read.optional('JWT_PUBLIC_KEY_FILE');
  const jwksFile = read.optional('JWT_JWKS_FILE');
  const common = {
    issuer: read.optional('JWT_ISSUER'),
    audience: read.optional('JWT_AUDIENCE'),
    clockToleranceSeconds: read.integer('JWT_CLOCK_TOLERANCE_SECONDS', 5, 0, 300),
  };
  const configured = [
    secret && 'JWT_SECRET',
    publicKeyFile && 'JWT_PUBLIC_KEY_FILE',
    jwksFile && 'JWT_JWKS_FILE',
  ];
  const names = configured.filter((name): name is string => typeof name === 'string');
  if (names.length > 1) {
    read.problem(`${names.join(', ')}: set exactly one JWT key source, not ${names.length}`);
  }

  if (secret !== undefined) {
    if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
      read.problem(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes for HS256`);
    }
    if (production && secret === DEVELOPMENT_JWT_SECRET) {
      read.problem('JWT_SECRET is the public development secret, which is refused when NODE_ENV=production');
    }
    return { ...common, key: { source: 'secret', secret } };
  }
  if (publicKeyFile !== undefined) {
    const pem = read.file('JWT_PUBLIC_KEY_FILE', publicKeyFile) ?? '';
    if (pem && !pem.includes('-----BEGIN PUBLIC KEY-----')) {
      read.problem(`JWT_PUBLIC_KEY_FILE (${publicKeyFile}) is not a PEM "PUBLIC KEY" (SPKI) file`);
    }
    return { ...common, key: { source: 'public-key-file', file: publicKeyFile, pem } };
  }
  if (jwksFile !== undefined) {
    const text = read.file('JWT_JWKS_FILE', jwksFile);
    let jwks: { keys: object[] } = { keys: [] };
    if (text !== undefined) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (!isJwks(parsed)) throw new Error('no "keys" array');
        jwks = parsed;
      } catch (error) {
        read.problem(`JWT_JWKS_FILE (${jwksFile}) is not a JWKS document: ${(error as Error).message}`);
      }
    }
    return { ...common, key: { source: 'jwks-file', file: jwksFile, jwks } };
  }
  if (production) {
    read.problem(
      'JWT_SECRET, JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE must be set when NODE_ENV=production ' +
        '(the built-in development key is refused in production)',
    );
  }
  return { ...common, key: { source: 'development', secret: DEVELOPMENT_JWT_SECRET } };
}

function isJwks(value: unknown): value is { keys: object[] } {
  if (typeof value !== 'object' || value === null || !('keys' in value)) return false;
  const keys = (value as { keys: unknown }).keys;
  return Array.isArray(keys) && keys.every((key) => typeof key === 'object' && key !== null);
}

/**
 * The read-model store: the same rules as the projector and the audit CLI (one loader,
 * @pc/projections' loadReadModelStoreConfig), so a setting one of them refuses is refused here too —
 * e.g. the event store's own file, or a schema name PostgreSQL would fold differently. The event
 * store's path is compared as it resolves (its default included).
 */
function loadReadModelStore(
  read: EnvReader,
  env: Env,
  eventStore: EventStoreConfig | undefined,
): ReadModelStoreConfig {
  const eventStorePath = eventStore?.kind === 'sqlite' ? eventStore.path : undefined;
  try {
    return loadReadModelStoreConfig(eventStorePath ? { ...env, EVENT_STORE_PATH: eventStorePath } : env);
  } catch (error) {
    if (!(error instanceof ReadModelConfigError)) throw error;
    error.problems.forEach((problem) => read.problem(problem));
    return { kind: 'sqlite', path: '' };
  }
}

function loadRateLimit(read: EnvReader): RateLimitConfig {
  const windowSeconds = read.integer('GUESSING_RATE_WINDOW_SECONDS', 60, 1, 86_400);
  return {
    limit: read.integer('GUESSING_RATE_LIMIT', 10, 1, 1_000_000),
    windowMs: windowSeconds * 1000,
    blockMs: read.integer('GUESSING_RATE_BLOCK_SECONDS', windowSeconds, 1, 86_400) * 1000,
  };
}

/** Typed accessors that record a problem (naming the variable) instead of throwing on the first one. */
class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  problem(message: string): void {
    this.problems.push(message);
  }

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      this.problem(`${name} must be an integer from ${min} to ${max} (got '${raw}')`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problem(`${name} must be one of ${allowed.join(', ')} (got '${raw}')`);
      return fallback;
    }
    return raw as T;
  }

  url(name: string, fallback: string): string {
    const raw = this.string(name, fallback);
    try {
      const url = new URL(raw);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      this.problem(`${name} must be an absolute http(s) URL (got '${raw}')`);
    }
    return raw.replace(/\/+$/, '');
  }

  /** Bytes, as a plain integer or with a kb/mb suffix (1024-based): 262144, 256kb, 1mb. */
  byteSize(name: string, fallback: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw);
    const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[(match?.[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
    const value = match ? Number(match[1]) * unit : NaN;
    if (!Number.isSafeInteger(value) || value < 1024 || value > 100 * 1024 * 1024) {
      this.problem(`${name} must be a size from 1kb to 100mb, e.g. 262144 or 256kb (got '${raw}')`);
      return fallback;
    }
    return value;
  }

  file(name: string, path: string): string | undefined {
    if (!existsSync(path)) {
      this.problem(`${name} points to '${path}', which does not exist`);
      return undefined;
    }
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      this.problem(`${name} points to '${path}', which cannot be read: ${(error as Error).message}`);
      return undefined;
    }
  }
}
