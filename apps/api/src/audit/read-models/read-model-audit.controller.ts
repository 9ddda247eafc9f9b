import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { type ReplayCheckReport, replayCheck } from '@pc/audit';
import type { EventStore } from '@pc/event-store';
import {
  ClientGone,
  CLOCK,
  type Clock,
  EVENT_STORE,
  ProblemException,
  ProblemResponses,
  RequireScope,
  AcrossTenants,
} from '../../platform';
import { ReadModelRuntime } from '../../read-models/read-model-runtime';
import { asProblem } from '../audit-problems';
import { ReadModelAsOfQueryDto, ReplayCheckQueryDto } from './read-model-audit.dto';
import { AuditReplayGate } from './replay-gate';
import {
  READ_MODEL_AUDIT_EXTRA_MODELS,
  ReadModelAsOfView,
  ReplayCheckReportView,
} from './read-model-audit.views';
import {
  AS_OF_READ_MODELS,
  type ReadModelAsOfResult,
  isAsOfReadModel,
  readModelAsOf,
} from './read-model-as-of';

const notFound = (code: string, detail: string, facts: Record<string, string>) =>
  new ProblemException(404, code, 'Not found', detail, facts);

/**
 * "Read models are disposable", checked: the read models as they were at a past position, and a
 * replay of every projection compared with the live tables. Both rebuild from the event log into a
 * scratch SQLite file in a temporary directory (TMPDIR), removed once the answer is built or the
 * request fails, so their memory does not grow with the store (the replay check also compares with
 * the live tables page by page), and never write the live read models. Each request replays the
 * history up to its position, so these are auditor tools (scope audit), not dashboard queries: at
 * most AUDIT_REPLAYS_MAX run at once (AuditReplayGate), and one whose caller hangs up stops at its
 * next batch (ClientGone) instead of replaying on for nobody, and gives its slot back at once.
 */
@ApiTags('audit')
@ApiBearerAuth()
@AcrossTenants()
@RequireScope('audit')
@ApiExtraModels(...READ_MODEL_AUDIT_EXTRA_MODELS)
@Controller('audit')
export class ReadModelAuditController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly runtime: ReadModelRuntime,
    private readonly gate: AuditReplayGate,
  ) {}

  @Get('read-models/:readModel/as-of')
  @ApiOperation({
    summary:
      "A partner's overview or client list exactly as the live query answered at a global position, rebuilt from the log into a scratch store.",
  })
  @ApiParam({ name: 'readModel', enum: AS_OF_READ_MODELS })
  @ApiOkResponse({ type: ReadModelAsOfView })
  @ProblemResponses(400, 401, 403, 404, 503)
  getReadModelAsOf(
    @Param('readModel') readModel: string,
    @Query() query: ReadModelAsOfQueryDto,
    @ClientGone() signal: AbortSignal,
  ): Promise<ReadModelAsOfResult> {
    if (!isAsOfReadModel(readModel)) {
      throw notFound('read-model-not-found', `No read model '${readModel}' can be seen as of a position.`, {
        readModel,
      });
    }
    const { partnerId, position, at, ...clients } = query;
    return this.gate.run(
      () =>
        asProblem(() =>
          readModelAsOf(
            this.store,
            readModel,
            { partnerId, position, at, clients },
            () => this.clock.now(),
            signal,
          ),
        ),
      signal,
    );
  }

  @Post('replay-check')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Rebuild every projection (or one) from the log into a scratch store up to its live checkpoint and compare row by row; differing rows come with both sides and the events behind them.',
  })
  @ApiOkResponse({
    type: ReplayCheckReportView,
    description:
      "ok is false when any row differs (status 'different') or a projection could not be compared ('not-built': no live generation; 'unstable': its checkpoint kept moving while it was read)",
  })
  @ProblemResponses(400, 401, 403, 404, 503)
  replayCheck(
    @Query() query: ReplayCheckQueryDto,
    @ClientGone() signal: AbortSignal,
  ): Promise<ReplayCheckReport> {
    const projections = this.runtime.projections.filter(
      (projection) => query.projection === undefined || projection.name === query.projection,
    );
    if (query.projection !== undefined && projections.length === 0) {
      throw notFound('projection-not-found', `No projection named '${query.projection}'.`, {
        projection: query.projection,
      });
    }
    return this.gate.run(
      () => replayCheck({ eventStore: this.store, live: this.runtime.store, projections, signal }),
      signal,
    );
  }
}
