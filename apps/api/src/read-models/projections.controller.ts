import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AcrossTenants, ProblemException, ProblemResponses, RequireScope } from '../platform';
import { GetProjectionStatusQuery } from './queries/projection-status.query';
import { ReadModelRuntime } from './read-model-runtime';
import { ProjectionStatusListView, RebuildAcceptedView } from './views/projection-status.view';

/** Operating the product projections: status for operators and auditors, rebuilds for the platform. */
@ApiTags('operations')
@ApiBearerAuth()
@AcrossTenants()
@Controller('projections')
export class ProjectionsController {
  constructor(
    private readonly queries: QueryBus,
    private readonly runtime: ReadModelRuntime,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Every projection: state, generation, checkpoint, head, lag, error, rebuild in progress.',
  })
  @RequireScope('platform', 'audit')
  @ApiOkResponse({ type: ProjectionStatusListView })
  @ProblemResponses(401, 403)
  getProjectionStatus(): Promise<ProjectionStatusListView> {
    return this.queries.execute(new GetProjectionStatusQuery());
  }

  @Post(':name/rebuild')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Rebuild a projection from the start of the log beside the live tables; swapped in atomically when caught up.',
  })
  @RequireScope('platform')
  @ApiAcceptedResponse({ type: RebuildAcceptedView })
  @ProblemResponses(401, 403, 404, 409)
  async rebuildProjection(@Param('name') name: string): Promise<RebuildAcceptedView> {
    if (!this.runtime.projections.some((p) => p.name === name)) {
      throw new ProblemException(404, 'projection-not-found', 'Not found', `No projection named '${name}'.`, {
        projection: name,
      });
    }
    await this.runtime.rebuild(name);
    return { projection: name, state: 'rebuilding' };
  }
}
