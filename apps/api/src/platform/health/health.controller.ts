import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
} from '@nestjs/terminus';
import type { EventStore } from '@pc/event-store';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/decorators';
import { API_CONFIG, type ApiConfig } from '../config';
import type { IdempotencyStore } from '../idempotency/idempotency-store';
import { EVENT_STORE, IDEMPOTENCY_STORE } from '../tokens';
import { TIMED_OUT, within } from '../within';
import { ProjectionStatusRegistry } from './projection-status';

const PING_TIMEOUT_MS = 2000;

export interface LivenessBody {
  status: 'ok';
  backends: { eventStore: EventStore['kind']; readModelStore: 'sqlite' | 'postgres' };
}

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly projections: ProjectionStatusRegistry,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(IDEMPOTENCY_STORE) private readonly idempotency: IdempotencyStore,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** Liveness: the process answers. Deliberately checks no backend, so a slow database never restarts pods. */
  @Get('health')
  @ApiOkResponse({ description: 'The process is alive; names the configured backends.' })
  getHealth(): LivenessBody {
    return {
      status: 'ok',
      backends: { eventStore: this.eventStore.kind, readModelStore: this.config.readModelStore.kind },
    };
  }

  /** Readiness: the backends answer and no projection has failed. 503 (with the same body shape) otherwise. */
  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOkResponse({ description: 'Ready: every check is up (or degraded).' })
  @ApiServiceUnavailableResponse({ description: 'Not ready: the failing checks are under `error`.' })
  async getReadiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () =>
          this.indicators
            .check('eventStore')
            .attempt(() => this.eventStore.ping())
            .withTimeout(PING_TIMEOUT_MS),
        () =>
          this.indicators
            .check('readModelStore')
            .attempt(() => this.projections.pingStores())
            .withTimeout(PING_TIMEOUT_MS),
        () =>
          this.indicators
            .check('idempotencyStore')
            .attempt(() => this.idempotency.ping())
            .withTimeout(PING_TIMEOUT_MS),
        () => this.projectionCheck(),
      ]);
    } catch (error) {
      // Terminus reports "not ready" as a 503 exception carrying the result; answer it as the body
      // (operators read it), not as a generic problem.
      if (error instanceof ServiceUnavailableException) {
        void reply.status(503);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }

  private async projectionCheck() {
    const session = this.indicators.check('projections');
    let statuses;
    try {
      // They read the event store's head and the store's records: a database that stopped answering
      // (frozen, or a table lock) held /ready past any probe's timeout.
      const answer = await within(this.projections.statuses(), PING_TIMEOUT_MS);
      if (answer === TIMED_OUT) {
        return session.down({
          message: `The projections' status did not answer within ${PING_TIMEOUT_MS} ms.`,
        });
      }
      statuses = answer;
    } catch (error) {
      // Statuses read the event store's head: when it fails (down, or refusing access), readiness
      // answers with its body naming the reason, not with the request's error (a problem, 500/503).
      return session.down({ message: error instanceof Error ? error.message : String(error) });
    }
    const data = { projections: statuses };
    if (statuses.some((s) => s.state === 'failed' || s.state === 'stopped')) return session.down(data);
    if (statuses.some((s) => s.state !== 'live')) return session.degraded(data);
    return session.up(data);
  }
}
