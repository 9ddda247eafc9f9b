import { Module } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../platform';
import { PartnerReadModelsController } from './partner-read-models.controller';
import { PartnerUpdates } from './partner-updates';
import { ProjectionsController } from './projections.controller';
import { GetClientHandler, ListClientsHandler } from './queries/client-list.queries';
import { GetPartnerOverviewHandler } from './queries/partner-overview.query';
import { ListPorNotificationsHandler } from './queries/por-notifications.queries';
import { GetProjectionStatusHandler } from './queries/projection-status.query';
import { ReadModelRuntime } from './read-model-runtime';
import { READ_MODELS_CONFIG, loadReadModelsConfig } from './read-models.config';
import { ReadYourWrites } from './read-your-writes';

/**
 * The read side over HTTP: partner overview, client list, POR inbox (queries through the QueryBus,
 * read-your-writes, live updates), projection status and rebuilds, and the runtime that keeps the
 * read models (in process, or read-only beside apps/projector).
 */
@Module({
  controllers: [PartnerReadModelsController, ProjectionsController],
  providers: [
    // From the app's environment (ApiConfig.env), like every feature module's settings.
    {
      provide: READ_MODELS_CONFIG,
      useFactory: (config: ApiConfig) => loadReadModelsConfig(config.env),
      inject: [API_CONFIG],
    },
    ReadModelRuntime,
    ReadYourWrites,
    PartnerUpdates,
    GetPartnerOverviewHandler,
    ListClientsHandler,
    GetClientHandler,
    ListPorNotificationsHandler,
    GetProjectionStatusHandler,
  ],
  exports: [ReadModelRuntime, ReadYourWrites],
})
export class ReadModelsModule {}
