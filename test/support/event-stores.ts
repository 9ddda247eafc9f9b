import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventStore, PostgresEventStore, SqliteEventStore } from '@pc/event-store';
import { createTestSchema, pgUrl } from './postgres';

/** A store of its own for one test file, and how to remove it. */
export interface FreshEventStore {
  store: EventStore;
  cleanup(): Promise<void>;
}

/** A SQLite event store in a new temporary directory (`file` may name a nested path inside it). */
export function freshSqliteEventStore(prefix: string, file = 'events.sqlite'): FreshEventStore {
  const dir = mkdtempSync(join(tmpdir(), `pc-${prefix}-`));
  const store = new SqliteEventStore({ path: join(dir, file) });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL event store in a new schema of the test database, dropped by `cleanup`. */
export async function freshPostgresEventStore(prefix: string): Promise<FreshEventStore> {
  const schema = await createTestSchema(prefix);
  const store = await PostgresEventStore.connect({ connectionString: pgUrl(), schema: schema.name });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await schema.drop();
    },
  };
}

/** `store` with its append replaced (a process that dies at a chosen write, say); the rest reads through. */
export function withAppend(store: EventStore, append: EventStore['append']): EventStore {
  return {
    kind: store.kind,
    readStream: (s, o) => store.readStream(s, o),
    readAll: (o) => store.readAll(o),
    subscribeToAll: (o) => store.subscribeToAll(o),
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    close: () => store.close(),
    append,
  };
}
