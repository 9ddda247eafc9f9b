import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEVELOPMENT_JWT_SECRET } from './auth/dev-keys';
import { ReadModelConfigError } from '@pc/projections';
import { checkEnvironment, ConfigError, loadAll, loadApiConfig, loadLogLevel } from './config';
import { loadReadModelsConfig } from '../read-models/read-models.config';
import { loadSchedulerConfig } from '../scheduler/scheduler.config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadApiConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadApiConfig', () => {
  it('defaults to the embedded backends and the development key outside production', () => {
    const config = loadApiConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      publicBaseUrl: 'http://localhost:3000',
      problemBase: 'https://partner-center.dev',
      bodyLimitBytes: 262144,
      readModelStore: { kind: 'sqlite', path: './data/read-models.sqlite' },
      eventStore: { kind: 'sqlite' },
      jwt: { key: { source: 'development', secret: DEVELOPMENT_JWT_SECRET } },
      guessingRateLimit: { limit: 10, windowMs: 60_000, blockMs: 60_000 },
    });
  });

  it('refuses the development key in production, naming the settings', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems.join('\n')).toMatch(/JWT_SECRET, JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE must be set/);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_JWT_SECRET }).join('\n')).toMatch(
      /development secret/,
    );
  });

  it('reports every bad setting at once, each by name', () => {
    const problems = problemsOf({
      PORT: 'abc',
      PUBLIC_BASE_URL: 'not a url',
      LOG_LEVEL: 'loud',
      BODY_LIMIT: '2gb',
      READ_MODEL_STORE: 'postgres',
      JWT_SECRET: 'short',
      EVENT_STORE: 'mongo',
    });
    const text = problems.join('\n');
    for (const name of [
      'PORT',
      'PUBLIC_BASE_URL',
      'LOG_LEVEL',
      'BODY_LIMIT',
      'READ_MODEL_URL',
      'JWT_SECRET',
      'EVENT_STORE',
    ]) {
      expect(text).toContain(name);
    }
  });

  // Regression: the API had a loader of its own that took what the projector and the audit CLI
  // refuse, so an API configured so could not be paired with them on the same environment.
  it('refuses the read-model settings the projector and the audit CLI refuse', () => {
    expect(problemsOf({ EVENT_STORE_PATH: 'x.sqlite', READ_MODEL_PATH: 'x.sqlite' }).join('\n')).toMatch(
      /READ_MODEL_PATH: must not be the event store file/,
    );
    expect(problemsOf({ READ_MODEL_PATH: './data/events.sqlite' }).join('\n')).toMatch(/READ_MODEL_PATH/);
    const pg = { READ_MODEL_STORE: 'postgres', READ_MODEL_URL: 'postgres://localhost/db' };
    expect(problemsOf({ ...pg, READ_MODEL_SCHEMA: 'Read_Models' }).join('\n')).toMatch(/READ_MODEL_SCHEMA/);
    expect(problemsOf({ ...pg, READ_MODEL_URL: 'mysql://localhost/db' }).join('\n')).toMatch(
      /READ_MODEL_URL/,
    );
    expect(loadApiConfig(pg).readModelStore).toEqual({
      kind: 'postgres',
      url: 'postgres://localhost/db',
      schema: 'read_models',
    });
  });

  it('accepts sizes with units and exactly one key source', () => {
    expect(loadApiConfig({ BODY_LIMIT: '1mb' }).bodyLimitBytes).toBe(1024 * 1024);
    const dir = mkdtempSync(join(tmpdir(), 'pc-config-'));
    const jwks = join(dir, 'jwks.json');
    writeFileSync(jwks, JSON.stringify({ keys: [] }));
    expect(loadApiConfig({ JWT_JWKS_FILE: jwks }).jwt.key.source).toBe('jwks-file');
    expect(problemsOf({ JWT_JWKS_FILE: jwks, JWT_SECRET: 'x'.repeat(40) }).join('\n')).toMatch(/exactly one/);
    expect(problemsOf({ JWT_PUBLIC_KEY_FILE: join(dir, 'missing.pem') }).join('\n')).toMatch(
      /does not exist/,
    );
  });
});

describe('checkEnvironment', () => {
  const problemsOfBoot = (env: Record<string, string>): string[] => {
    try {
      checkEnvironment(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  // Regression: the settings feature modules load themselves (read side, scheduler, catalog) failed
  // later, one at a time, once Nest was starting; LOG_LEVEL=loud PROJECTIONS_THREAD=gpu named LOG_LEVEL alone.
  it('lists every bad setting of every loader together, one problem per setting naming it', () => {
    const env = {
      LOG_LEVEL: 'loud',
      PROJECTIONS_THREAD: 'gpu',
      PROJECTIONS_IN_PROCESS: 'maybe',
      PROJECTION_BATCH_SIZE: '0x10',
      PROJECTION_LEASE_TTL_MS: '1e3',
      PROJECTION_BATCH_WINDOW_MS: '-1',
      READ_YOUR_WRITES_TIMEOUT_MS: 'soon',
      SSE_HEARTBEAT_MS: '1',
      READ_MODEL_POLL_MS: '5',
      SCHEDULER_INTERVAL_MS: '1.5',
      SCHEDULER_BATCH_SIZE: '0',
      SCHEDULER_CATCH_UP_TIMEOUT_MS: 'x',
      SCHEDULER_ACTION_TIMEOUT_MS: '50',
      SCHEDULER_SHUTDOWN_GRACE_MS: '-5',
      CATALOG_PATH: join(tmpdir(), 'pc-no-such-catalog.json'),
    };
    const problems = problemsOfBoot(env);
    // One problem per setting, each starting with its name.
    const named = problems.map((problem) => /^[A-Z_]+/.exec(problem)?.[0]);
    expect(named.sort()).toEqual(Object.keys(env).sort());
    const message = (() => {
      try {
        checkEnvironment(env);
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message.split('\n')).toHaveLength(1 + problems.length);
  });

  it('adds the read-model store and event-store problems of loadApiConfig to the others', () => {
    const text = problemsOfBoot({
      EVENT_STORE: 'mongo',
      READ_MODEL_STORE: 'postgres',
      READ_MODEL_SCHEMA: 'Bad-Name',
      SCHEDULER_BATCH_SIZE: 'x',
    }).join('\n');
    for (const name of ['EVENT_STORE', 'READ_MODEL_URL', 'READ_MODEL_SCHEMA', 'SCHEDULER_BATCH_SIZE']) {
      expect(text).toContain(name);
    }
  });

  it('names CATALOG_PATH and every problem of an invalid catalog, indented under its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-config-'));
    const file = join(dir, 'catalog.json');
    writeFileSync(file, JSON.stringify({ services: [{ offerId: 'Bad Id' }] }));
    let error: unknown;
    try {
      checkEnvironment({ CATALOG_PATH: file, PROJECTIONS_THREAD: 'gpu' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const [catalog, ...rest] = (error as ConfigError).problems.filter((p) => p.startsWith('CATALOG_PATH'));
    expect(rest).toEqual([]);
    expect(catalog).toContain(`the catalog at ${file} is invalid`);
    expect((error as Error).message).toMatch(/\n {2}- CATALOG_PATH: [^\n]*\n {4}/);
    expect((error as Error).message).toContain('PROJECTIONS_THREAD');
  });

  it('returns what loadApiConfig returns, and the modules load the same values as before', () => {
    const env = {
      PORT: '8080',
      PROJECTIONS_THREAD: 'worker',
      PROJECTION_BATCH_SIZE: '250',
      PROJECTION_LEASE_TTL_MS: '3000',
      PROJECTION_BATCH_WINDOW_MS: '0',
      SCHEDULER_INTERVAL_MS: '0',
    };
    expect(checkEnvironment(env)).toEqual(loadApiConfig(env));
    expect(loadReadModelsConfig(env)).toMatchObject({
      thread: 'worker',
      batchSize: 250,
      leaseTtlMs: 3000,
      liveBatchWindowMs: 0,
    });
    expect(loadSchedulerConfig(env)).toMatchObject({ intervalMs: 0, batchSize: 500 });
  });
});

describe('loadAll', () => {
  it('returns what every loader loaded', () => {
    expect(loadAll({ a: () => 1, b: () => 'two' })).toEqual({ a: 1, b: 'two' });
  });

  it("throws one ConfigError with every loader's problems, each listed once", () => {
    let error: unknown;
    try {
      loadAll({
        api: () => loadLogLevel({ LOG_LEVEL: 'loud' }),
        again: () => loadLogLevel({ LOG_LEVEL: 'loud' }),
        store: () => {
          throw new ReadModelConfigError('READ_MODEL_STORE', "must be 'sqlite' or 'postgres'");
        },
        fine: () => 3,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got 'loud')",
      "READ_MODEL_STORE: must be 'sqlite' or 'postgres'",
    ]);
  });

  it('lets an error that is no configuration error through as it is', () => {
    const bug = new TypeError('a bug');
    expect(() =>
      loadAll({
        bad: () => loadLogLevel({ LOG_LEVEL: 'loud' }),
        bug: () => {
          throw bug;
        },
      }),
    ).toThrow(bug);
  });

  it('reads LOG_LEVEL by the API rule for the projector', () => {
    expect(loadLogLevel({})).toBe('info');
    expect(loadLogLevel({ LOG_LEVEL: ' debug ' })).toBe('debug');
  });
});
