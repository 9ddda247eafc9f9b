import { runEventStoreContract } from '@pc/event-store/testing/contract';
import { freshPostgresEventStore } from '../support/event-stores';

runEventStoreContract('postgres', () => freshPostgresEventStore('es_contract'));
