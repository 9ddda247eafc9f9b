import { existsSync } from 'node:fs';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type EventStore, createEventStore, loadEventStoreConfig } from '@pc/event-store';
import { CliError } from './exit-codes';

/**
 * The event store the service is configured with (EVENT_STORE, EVENT_STORE_PATH / _URL / _SCHEMA),
 * opened on first use: `--help` must not connect anywhere, nor create an empty SQLite file.
 */
@Injectable()
export class EventStoreHandle implements OnModuleDestroy {
  private opening?: Promise<EventStore>;

  get(): Promise<EventStore> {
    this.opening ??= this.open();
    return this.opening;
  }

  private async open(): Promise<EventStore> {
    const config = loadEventStoreConfig(process.env);
    // An auditor pointed at the wrong path should hear so, not audit a freshly created empty store.
    if (config.kind === 'sqlite' && !existsSync(config.path)) {
      throw new CliError(`No event store at '${config.path}' (EVENT_STORE_PATH)`);
    }
    return createEventStore(config);
  }

  async onModuleDestroy(): Promise<void> {
    const store = await this.opening?.catch(() => undefined);
    await store?.close();
  }
}
