import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LoggerModule } from 'nestjs-pino';
import { bootstrapApp } from './platform/bootstrap';
import type { Clock } from './platform/clock';
import { checkEnvironment, type ApiConfig, type Env } from './platform/config';
import { loggerParams } from './platform/observability/logging';
import { PlatformModule, type PlatformOverrides } from './platform/platform.module';
import { PartnersModule } from './partners/partners.module';
import { AuditModule } from './audit/audit.module';
import { AcquisitionModule } from './acquisition/acquisition.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { ReadModelsModule } from './read-models/read-models.module';
import { DelegationModule } from './delegation/delegation.module';
import { ServiceRequestsModule } from './service-requests/service-requests.module';
import { ProductKeysModule } from './product-keys/product-keys.module';

type FeatureModule = Type<unknown> | DynamicModule;

/**
 * ═══ DOMAIN MODULES ═══════════════════════════════════════════════════════════════════════
 * Feature modules (partners, customers, invitations, audit...) with their controllers.
 * Add yours here. They can inject CommandGateway, MetricsService, CLOCK, EVENT_STORE,
 * ProjectionStatusRegistry... without importing anything: PlatformModule is global.
 * ═══════════════════════════════════════════════════════════════════════════════════════════
 */
export const DOMAIN_MODULES: FeatureModule[] = [
  PartnersModule,
  AcquisitionModule,
  DelegationModule,
  ServiceRequestsModule,
  ProductKeysModule,
  SchedulerModule,
  AuditModule,
  ReadModelsModule,
];

export interface AppModuleOptions extends PlatformOverrides {
  config: ApiConfig;
  logger?: boolean;
  /** Feature modules added after DOMAIN_MODULES (tests use this for their own controllers). */
  modules?: FeatureModule[];
}

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    const { config, logger = true, modules = [], ...overrides } = options;
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggerParams(logger ? config.logLevel : 'silent')),
        CqrsModule.forRoot(),
        PlatformModule.forRoot(config, overrides),
        ...DOMAIN_MODULES,
        ...modules,
      ],
    };
  }
}

export interface CreateAppOptions extends PlatformOverrides {
  /** The environment to configure from; defaults to process.env. */
  env?: Env;
  clock?: Clock;
  /** false silences all logging (tests). Default true. */
  logger?: boolean;
  modules?: FeatureModule[];
}

/**
 * The whole app, initialised and not listening: main.ts listens, tests use app.inject() or listen(0).
 * Every setting (the feature modules' too) is checked before Nest starts or any store is opened: a
 * bad environment is one ConfigError listing them all.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const { env = process.env, logger = true, ...rest } = options;
  const config = checkEnvironment(env);
  return bootstrapApp(AppModule.register({ ...rest, config, logger }), config, { logger });
}
