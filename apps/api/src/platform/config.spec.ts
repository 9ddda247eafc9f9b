import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEVELOPMENT_JWT_SECRET } from './auth/dev-keys';
import { ConfigError, loadApiConfig } from './config';

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
