import { join } from 'node:path';
import { runEventStoreContract } from '@pc/event-store/testing/contract';
import { freshSqliteEventStore } from '../support/event-stores';

runEventStoreContract('sqlite', async () =>
  freshSqliteEventStore('es-sqlite', join('nested', 'events.sqlite')),
);
