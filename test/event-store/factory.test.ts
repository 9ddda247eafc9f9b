import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  ConfigError,
  createEventStore,
  EventStoreUnavailableError,
  loadEventStoreConfig,
} from '@pc/event-store';
import { createTestSchema, pgUrl } from '../support/postgres';

describe('createEventStore', () => {
  it('opens the SQLite store named by the environment, creating its directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-es-factory-'));
    const path = join(dir, 'deep', 'events.sqlite');
    const store = await createEventStore(loadEventStoreConfig({ EVENT_STORE_PATH: path }));
    try {
      expect(store.kind).toBe('sqlite');
      await store.append('factory-1', [{ id: randomUUID(), type: 'Made', data: {} }]);
      expect(existsSync(path)).toBe(true);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens the PostgreSQL store in the configured schema, creating its tables', async () => {
    const schema = await createTestSchema('es_factory');
    const config = loadEventStoreConfig({
      EVENT_STORE: 'postgres',
      EVENT_STORE_URL: pgUrl(),
      EVENT_STORE_SCHEMA: schema.name,
    });
    const store = await createEventStore(config);
    try {
      expect(store.kind).toBe('postgres');
      await store.append('factory-1', [{ id: randomUUID(), type: 'Made', data: {} }]);
      // Opening again over existing tables is a no-op migration.
      const again = await createEventStore(config);
      expect(await again.headPosition()).toBe('00000000000000000001');
      await again.close();
    } finally {
      await store.close();
      await schema.drop();
    }
  });

  it('reports an unreachable PostgreSQL as EventStoreUnavailableError', async () => {
    const config = loadEventStoreConfig({
      EVENT_STORE: 'postgres',
      EVENT_STORE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    await expect(createEventStore(config)).rejects.toBeInstanceOf(EventStoreUnavailableError);
  });

  // Regression: the client's ParseError carried the whole connection string as a property, and Nest's
  // boot logger printed it, password included.
  it('refuses a malformed EventStoreDB connection string without its password', async () => {
    const config = loadEventStoreConfig({
      EVENT_STORE: 'eventstoredb',
      EVENT_STORE_URL: 'esdb://admin:Sup3rS3cretZQ5@127.0.0.1:1?tls=false&tlsVerifyCert=x',
    });
    const refusal: unknown = await createEventStore(config).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as ConfigError).setting).toBe('EVENT_STORE_URL');
    expect((refusal as Error).message).toContain('admin:***@127.0.0.1:1');
    expect(inspect(refusal, { depth: 5, showHidden: true })).not.toContain('Sup3rS3cretZQ5');
  });
});
