import { Logger, Module } from '@nestjs/common';
import type { EventStore } from '@pc/event-store';
import { API_CONFIG, type ApiConfig, EVENT_STORE } from '../platform';
import { DueList } from './due-list';
import { SCHEDULER_CONFIG, loadSchedulerConfig } from './scheduler.config';
import { SchedulerService } from './scheduler.service';

const runnerLogger = new Logger('SchedulerDueList');

/** The in-service scheduler: its due list (a projection) and the ticking service. */
@Module({
  providers: [
    {
      provide: SCHEDULER_CONFIG,
      useFactory: (config: ApiConfig) => loadSchedulerConfig(config.env),
      inject: [API_CONFIG],
    },
    {
      provide: DueList,
      useFactory: (eventStore: EventStore, config: ApiConfig) =>
        DueList.open(eventStore, config, {
          info: (context, message) => runnerLogger.log(context, message),
          warn: (context, message) => runnerLogger.warn(context, message),
          error: (context, message) => runnerLogger.error(context, message),
        }),
      inject: [EVENT_STORE, API_CONFIG],
    },
    SchedulerService,
  ],
  exports: [SchedulerService],
})
export class SchedulerModule {}
