import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import type { EventStore } from '@pc/event-store';
import { createCommandPipeline, type CommandPipeline, type PipelineObserver } from '@pc/pipeline';
import { createEventStore } from '@pc/event-store/factory';
import { type Catalog, createDomainCommands, registry } from '@pc/domain';
import { readModelCommands } from '@pc/read-models';
import { loadCatalog } from '../catalog/load-catalog';
import { AuthGuard } from './auth/auth.guard';
import { TenantGuard } from './auth/tenant.guard';
import { ActingUserGuard, ActingUsers } from './auth/acting-user.guard';
import { JWT_VERIFIER, JwtVerifier } from './auth/jwt-verifier';
import { CLOCK, SystemClock, type Clock } from './clock';
import { CommandGateway } from './commands/command-gateway';
import { ExecuteDomainCommandHandler } from './commands/execute-domain-command';
import { API_CONFIG, type ApiConfig } from './config';
import { HealthController } from './health/health.controller';
import { ProjectionStatusRegistry } from './health/projection-status';
import { createIdempotencyStore } from './idempotency/create-idempotency-store';
import type { IdempotencyStore } from './idempotency/idempotency-store';
import { MetricsPipelineObserver } from './observability/metrics-pipeline-observer';
import { MetricsController } from './observability/metrics.controller';
import { MetricsService } from './observability/metrics.service';
import { ProblemFilter } from './problem/problem.filter';
import { RequestShapeGuard } from './problem/request-shape.guard';
import { createValidationPipe } from './problem/validation';
import { GUESSING_THROTTLER, GuessingThrottlerGuard } from './rate-limit/guessing-rate-limit';
import { CATALOG, COMMAND_PIPELINE, EVENT_STORE, IDEMPOTENCY_STORE, PIPELINE_OBSERVER } from './tokens';

/** Test and tooling seams; production passes none of them. */
export interface PlatformOverrides {
  clock?: Clock;
  /** Opens the event store instead of the factory (the app still owns and closes it). */
  eventStore?: (config: ApiConfig) => EventStore | Promise<EventStore>;
  /** Builds the pipeline instead of libs/pipeline's createCommandPipeline. */
  pipeline?: (deps: { store: EventStore; observer: PipelineObserver; catalog: Catalog }) => CommandPipeline;
}

/** Closes what the platform opened, AFTER the HTTP server has drained (Nest runs this hook after dispose). */
@Injectable()
class PlatformResources implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(IDEMPOTENCY_STORE) private readonly idempotency: IdempotencyStore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.idempotency.close(), this.eventStore.close()]);
  }
}

/**
 * The real pipeline over every command of the domain, deciding with the catalog loaded at boot, plus
 * the read side's own commands (MarkPorNotificationsRead), which live beside their read models.
 */
function defaultPipeline(deps: {
  store: EventStore;
  observer: PipelineObserver;
  catalog: Catalog;
}): CommandPipeline {
  const commands = registry(...createDomainCommands(deps.catalog).values(), ...readModelCommands);
  return createCommandPipeline({ store: deps.store, observer: deps.observer, commands });
}

/**
 * Everything every endpoint relies on: auth, problem+json, validation, rate limiting, command
 * gateway, idempotency, health, metrics. Global, so feature modules inject CommandGateway,
 * MetricsService, CLOCK, EVENT_STORE... without importing it.
 */
@Module({})
export class PlatformModule {
  static forRoot(config: ApiConfig, overrides: PlatformOverrides = {}): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        ThrottlerModule.forRoot({
          throttlers: [
            {
              name: GUESSING_THROTTLER,
              limit: config.guessingRateLimit.limit,
              ttl: config.guessingRateLimit.windowMs,
              blockDuration: config.guessingRateLimit.blockMs,
            },
          ],
          // Only Retry-After is sent (by GuessingThrottlerGuard); the suffixed X-RateLimit-*-guessing headers are noise.
          setHeaders: false,
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: API_CONFIG, useValue: config },
        { provide: CLOCK, useValue: overrides.clock ?? new SystemClock() },
        { provide: JWT_VERIFIER, useFactory: () => JwtVerifier.create(config.jwt) },
        {
          provide: EVENT_STORE,
          useFactory: () =>
            overrides.eventStore ? overrides.eventStore(config) : createEventStore(config.eventStore),
        },
        { provide: IDEMPOTENCY_STORE, useFactory: () => createIdempotencyStore(config.readModelStore) },
        MetricsService,
        {
          provide: PIPELINE_OBSERVER,
          useFactory: (metrics: MetricsService) => new MetricsPipelineObserver(metrics),
          inject: [MetricsService],
        },
        {
          provide: COMMAND_PIPELINE,
          useFactory: (store: EventStore, observer: PipelineObserver, catalog: Catalog) =>
            (overrides.pipeline ?? defaultPipeline)({ store, observer, catalog }),
          inject: [EVENT_STORE, PIPELINE_OBSERVER, CATALOG],
        },
        // A bad catalog file stops the boot here, with a message naming CATALOG_PATH.
        { provide: CATALOG, useFactory: () => loadCatalog(config.catalogPath) },
        ProjectionStatusRegistry,
        ExecuteDomainCommandHandler,
        CommandGateway,
        ActingUsers,
        PlatformResources,
        // Guards run in this order: authenticate first, so the rate limiter can key on the principal.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RequestShapeGuard },
        { provide: APP_GUARD, useClass: TenantGuard },
        // After the tenant check (other tenants stay a 404): reads need the user active in its tenant.
        { provide: APP_GUARD, useClass: ActingUserGuard },
        { provide: APP_GUARD, useClass: GuessingThrottlerGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
      exports: [
        API_CONFIG,
        CLOCK,
        EVENT_STORE,
        IDEMPOTENCY_STORE,
        COMMAND_PIPELINE,
        CATALOG,
        PIPELINE_OBSERVER,
        MetricsService,
        ProjectionStatusRegistry,
        CommandGateway,
        ActingUsers,
      ],
    };
  }
}
