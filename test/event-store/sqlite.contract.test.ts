import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@pc/event-store';
import { runEventStoreContract } from '@pc/event-store/testing/contract';

runEventStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-es-sqlite-'));
  const store = new SqliteEventStore({ path: join(dir, 'nested', 'events.sqlite') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
