import { ConfigError } from './config-error';
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
});
