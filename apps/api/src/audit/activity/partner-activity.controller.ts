import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACTIVITY_LOG } from '@pc/read-models/activity-log/activity-log.projection';
import {
  assertPartnerVisible,
  CurrentPrincipal,
  type Principal,
  ProblemResponses,
  RequireScope,
} from '../../platform';
import { ReadModelRuntime } from '../../read-models/read-model-runtime';
import { MinPosition, ReadYourWrites } from '../../read-models/read-your-writes';
import { MIN_POSITION_HEADER } from './activity.controller';
import { PartnerActivityQueryDto } from './activity.dto';
import { listActivityPage } from './activity.query';
import { ActivityPageView } from './activity.views';

/**
 * A partner's own activity log: the entries filed under it (its records, its users' actions, events
 * naming it). Other tenants get the ordinary 404 from the global TenantGuard before this runs.
 */
@ApiTags('read models')
@ApiBearerAuth()
@Controller('partners/:partnerId')
export class PartnerActivityController {
  constructor(
    private readonly runtime: ReadModelRuntime,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('activity')
  @ApiOperation({
    summary:
      "The partner's activity log, newest first: who acted, on whose behalf, what changed (old → new), when. Filter by customer, actor, operation, time range; keyset pages.",
  })
  @RequireScope('queries', 'audit', 'platform')
  @MIN_POSITION_HEADER
  @ApiOkResponse({ type: ActivityPageView })
  @ProblemResponses(400, 401, 403, 404, 503)
  async listPartnerActivity(
    @Param('partnerId') partnerId: string,
    @Query() query: PartnerActivityQueryDto,
    @CurrentPrincipal() principal: Principal,
    @MinPosition() minPosition: string | undefined,
  ): Promise<ActivityPageView> {
    // The TenantGuard has already answered other tenants; checked again where the data is read.
    assertPartnerVisible(principal, partnerId);
    await this.readYourWrites.atLeast(minPosition, [ACTIVITY_LOG]);
    const { cursor, limit, minPosition: _fromQuery, ...filter } = query;
    return listActivityPage(this.runtime.store, { ...filter, partnerId }, { cursor, limit });
  }
}
