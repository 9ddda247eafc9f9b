import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
import { ProjectionStatusRegistry } from '../health/projection-status';
import { MetricsService } from './metrics.service';

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
    for (const status of await this.projections.statuses()) {
      this.metrics.setProjectionLag(status.name, status.lagEvents, status.lagSeconds);
    }
    return this.metrics.render();
  }
}
