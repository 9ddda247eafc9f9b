import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
import { ProjectionStatusRegistry } from '../health/projection-status';
import { TIMED_OUT, within } from '../within';
import { MetricsService } from './metrics.service';

/** How long a scrape waits for fresh projection lag before answering with the last known. */
const LAG_READ_TIMEOUT_MS = 1000;

@ApiTags('operations')
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(ProjectionStatusRegistry) private readonly projections: ProjectionStatusRegistry,
  ) {}

  @Public()
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format.', schema: { type: 'string' } })
  async getMetrics(): Promise<string> {
    // Lag is read at scrape time so the gauges are fresh even if the projections never push them.
    // It reads the event store: while that is away or slow, the scrape still answers, with the lag
    // last known (the runtime also pushes it every 15 s) and every other metric; a 503 lost them all.
    const statuses = await within(this.projections.statuses(), LAG_READ_TIMEOUT_MS).catch(
      (): typeof TIMED_OUT => TIMED_OUT,
    );
    if (statuses !== TIMED_OUT) {
      for (const status of statuses)
        this.metrics.setProjectionLag(status.name, status.lagEvents, status.lagSeconds);
    }
    return this.metrics.render();
  }
}
