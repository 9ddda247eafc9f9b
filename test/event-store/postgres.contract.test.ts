import { PostgresEventStore } from '@pc/event-store';
import { runEventStoreContract } from '@pc/event-store/testing/contract';
import { createTestSchema, pgUrl } from '../support/postgres';

runEventStoreContract('postgres', async () => {
  const schema = await createTestSchema('es_contract');
  const store = await PostgresEventStore.connect({ connectionString: pgUrl(), schema: schema.name });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await schema.drop();
    },
  };
});
