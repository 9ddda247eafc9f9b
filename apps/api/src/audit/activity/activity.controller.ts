import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACTIVITY_LOG } from '@pc/read-models/activity-log/activity-log.projection';
import { ProblemResponses, RequireScope, AcrossTenants } from '../../platform';
import { ReadModelRuntime } from '../../read-models/read-model-runtime';
import { MinPosition, ReadYourWrites } from '../../read-models/read-your-writes';
import { ListActivityQueryDto } from './activity.dto';
import { listActivityPage } from './activity.query';
import { ActivityPageView } from './activity.views';

export const MIN_POSITION_HEADER = ApiHeader({
  name: 'X-Min-Position',
  required: false,
  description:
    'A command response `position` the answer must reflect; 503 + Retry-After if not reached in time',
});

/**
 * Who did what, on whose behalf, when — across every tenant, for auditors and the platform. Read
 * from the activity-log read model (one row per event, never pruned); the record itself stays the
 * event log (GET /audit/events), which this index can always be rebuilt from.
 */
@ApiTags('audit')
@ApiBearerAuth()
@AcrossTenants()
@RequireScope('audit', 'platform')
@Controller('audit')
export class ActivityController {
  constructor(
    private readonly runtime: ReadModelRuntime,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('activity')
  @ApiOperation({
    summary:
      'The activity log, newest first: actor and calling service, on whose behalf, command and event, resource, old → new values, when, ids. Filter by partner, customer, actor, operation, time range; keyset pages.',
  })
  @MIN_POSITION_HEADER
  @ApiOkResponse({ type: ActivityPageView })
  @ProblemResponses(400, 401, 403, 503)
  async listActivity(
    @Query() query: ListActivityQueryDto,
    @MinPosition() minPosition: string | undefined,
  ): Promise<ActivityPageView> {
    await this.readYourWrites.atLeast(minPosition, [ACTIVITY_LOG]);
    const { cursor, limit, minPosition: _fromQuery, ...filter } = query;
    return listActivityPage(this.runtime.store, filter, { cursor, limit });
  }
}
