import { ConfigError, redactUrl } from './config-error';
import { loadEventStoreConfig } from './factory';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadEventStoreConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadEventStoreConfig', () => {
  it('defaults to the embedded SQLite file', () => {
    expect(loadEventStoreConfig({})).toEqual({ kind: 'sqlite', path: './data/events.sqlite' });
    expect(loadEventStoreConfig({ EVENT_STORE: ' ', EVENT_STORE_PATH: '' })).toEqual({
      kind: 'sqlite',
      path: './data/events.sqlite',
    });
  });

  it('reads the SQLite path', () => {
    expect(
      loadEventStoreConfig({ EVENT_STORE: 'sqlite', EVENT_STORE_PATH: '/var/lib/pc/events.db' }),
    ).toEqual({
      kind: 'sqlite',
      path: '/var/lib/pc/events.db',
    });
  });

  it('rejects an unknown backend, naming the setting and the allowed values', () => {
    const error = configError({ EVENT_STORE: 'mongo' });
    expect(error.setting).toBe('EVENT_STORE');
    expect(error.message).toContain("EVENT_STORE='mongo'");
    expect(error.message).toContain('sqlite, postgres, eventstoredb');
  });

  it('is case-sensitive about backend names', () => {
    expect(configError({ EVENT_STORE: 'Postgres' }).setting).toBe('EVENT_STORE');
  });

  describe('postgres', () => {
    it('reads the URL and defaults the schema to public', () => {
      expect(
        loadEventStoreConfig({ EVENT_STORE: 'postgres', EVENT_STORE_URL: 'postgres://u@db:5432/pc' }),
      ).toEqual({
        kind: 'postgres',
        url: 'postgres://u@db:5432/pc',
        schema: 'public',
      });
      expect(
        loadEventStoreConfig({
          EVENT_STORE: 'postgres',
          EVENT_STORE_URL: 'postgresql://db/pc',
          EVENT_STORE_SCHEMA: 'events_v2',
        }),
      ).toMatchObject({ schema: 'events_v2' });
    });

    it('requires EVENT_STORE_URL', () => {
      const error = configError({ EVENT_STORE: 'postgres' });
      expect(error.setting).toBe('EVENT_STORE_URL');
      expect(error.message).toMatch(/EVENT_STORE_URL is required when EVENT_STORE=postgres/);
      expect(error.message).toContain('postgres://');
    });

    it('rejects a URL of another protocol without echoing its password', () => {
      const error = configError({ EVENT_STORE: 'postgres', EVENT_STORE_URL: 'mysql://root:s3cret@db/pc' });
      expect(error.setting).toBe('EVENT_STORE_URL');
      expect(error.message).toContain('postgres:// or postgresql://');
      expect(error.message).not.toContain('s3cret');
    });

    it('rejects an invalid schema name', () => {
      const error = configError({
        EVENT_STORE: 'postgres',
        EVENT_STORE_URL: 'postgres://db/pc',
        EVENT_STORE_SCHEMA: 'bad-schema;drop',
      });
      expect(error.setting).toBe('EVENT_STORE_SCHEMA');
      expect(error.message).toContain("EVENT_STORE_SCHEMA='bad-schema;drop'");
      expect(error.message).toContain('letters, digits and _');
    });
  });

  describe('eventstoredb', () => {
    it('reads an esdb:// connection string', () => {
      expect(
        loadEventStoreConfig({
          EVENT_STORE: 'eventstoredb',
          EVENT_STORE_URL: 'esdb://localhost:2113?tls=false',
        }),
      ).toEqual({ kind: 'eventstoredb', url: 'esdb://localhost:2113?tls=false' });
      expect(
        loadEventStoreConfig({
          EVENT_STORE: 'eventstoredb',
          EVENT_STORE_URL: 'esdb+discover://cluster:2113',
        }),
      ).toMatchObject({ kind: 'eventstoredb' });
    });

    it('requires an esdb URL', () => {
      expect(configError({ EVENT_STORE: 'eventstoredb' }).message).toContain('esdb://');
      const error = configError({ EVENT_STORE: 'eventstoredb', EVENT_STORE_URL: 'postgres://db/pc' });
      expect(error.setting).toBe('EVENT_STORE_URL');
      expect(error.message).toContain('esdb:// or esdb+discover://');
    });
  });

  // Regression: the loader stopped at its first problem, so a bad EVENT_STORE_URL hid a bad
  // EVENT_STORE_SCHEMA, found only by the next failed deploy.
  describe('every bad setting at once', () => {
    it('reports a bad URL and a bad schema together, a line each, the URL first', () => {
      const error = configError({
        EVENT_STORE: 'postgres',
        EVENT_STORE_URL: 'mysql://root:s3cret@db/pc',
        EVENT_STORE_SCHEMA: 'bad-schema;drop',
      });
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.name).toBe('ConfigError');
      expect(error.setting).toBe('EVENT_STORE_URL');
      expect(error.problems).toHaveLength(2);
      expect(error.problems[0]).toMatch(/^EVENT_STORE_URL must start with postgres:\/\/ or postgresql:\/\//);
      expect(error.problems[1]).toMatch(/^EVENT_STORE_SCHEMA='bad-schema;drop' is not a valid schema name/);
      expect(error.message).toBe(error.problems.join('\n'));
      expect(error.message).not.toContain('s3cret');
    });

    it('reports a missing URL and a bad schema together', () => {
      const error = configError({ EVENT_STORE: 'postgres', EVENT_STORE_SCHEMA: '1st' });
      expect(error.problems.map((problem) => problem.split(/[ =]/)[0])).toEqual([
        'EVENT_STORE_URL',
        'EVENT_STORE_SCHEMA',
      ]);
    });

    it('reports an unknown backend and a bad schema together', () => {
      const error = configError({ EVENT_STORE: 'Postgres', EVENT_STORE_SCHEMA: 'bad-schema' });
      expect(error.setting).toBe('EVENT_STORE');
      expect(error.problems.map((problem) => problem.split(/[ =]/)[0])).toEqual([
        'EVENT_STORE',
        'EVENT_STORE_SCHEMA',
      ]);
    });

    it('a single problem is as before: its line is the message', () => {
      const error = configError({
        EVENT_STORE: 'postgres',
        EVENT_STORE_URL: 'postgres://db/pc',
        EVENT_STORE_SCHEMA: '1x',
      });
      expect(error.problems).toEqual([error.message]);
      expect(error.setting).toBe('EVENT_STORE_SCHEMA');
    });
  });

  describe('no password in any message', () => {
    const secret = 'pa55word';
    it.each([
      { EVENT_STORE: 'postgres', EVENT_STORE_URL: `mysql://root:${secret}@db/pc` },
      { EVENT_STORE: 'postgres', EVENT_STORE_URL: `mysql://root:${secret}/x@db/pc` },
      { EVENT_STORE: 'postgres', EVENT_STORE_URL: `mysql://root:${secret}@x@db/pc` },
      { EVENT_STORE: 'postgres', EVENT_STORE_URL: `mysql://db/pc?user=root&password=${secret}` },
      { EVENT_STORE: 'eventstoredb', EVENT_STORE_URL: `postgres://admin:${secret}@db:2113` },
      { EVENT_STORE: `postgres://root:${secret}@db/pc` },
      {
        EVENT_STORE: 'postgres',
        EVENT_STORE_URL: 'postgres://db/pc',
        EVENT_STORE_SCHEMA: `x://u:${secret}@h`,
      },
    ])('case %#', (env) => {
      const error = configError(env);
      expect(error.message).not.toContain(secret);
      expect(error.problems.join('\n')).not.toContain(secret);
    });

    it('redactUrl masks the password and keeps the rest', () => {
      expect(redactUrl('postgres://u:pw@db:5432/pc')).toBe('postgres://u:***@db:5432/pc');
      expect(redactUrl('postgres://u@db/pc')).toBe('postgres://u@db/pc');
      expect(redactUrl('postgres://db:5432/pc')).toBe('postgres://db:5432/pc');
      expect(redactUrl('esdb://admin:changeit@h1:2113,h2:2113?tls=false')).toBe(
        'esdb://admin:***@h1:2113,h2:2113?tls=false',
      );
      expect(redactUrl('postgres://db/pc?password=pw&sslmode=require')).toBe(
        'postgres://db/pc?password=***&sslmode=require',
      );
    });
  });
});
