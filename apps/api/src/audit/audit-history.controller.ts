import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  type AggregateAsOf,
  type ReadAllPage,
  type StreamPage,
  aggregateAsOf,
  readAllPage,
  readStreamPage,
} from '@pc/audit';
import type { EventStore } from '@pc/event-store';
import { EVENT_STORE, ProblemResponses, RequireScope, AcrossTenants } from '../platform';
import { asProblem, badAuditQuery } from './audit-problems';
import { AsOfQueryDto, DEFAULT_PAGE, ReadAllQueryDto, ReadStreamQueryDto } from './audit.dto';
import { AggregateAsOfView, EventPageView, StreamPageView } from './audit.views';

/**
 * Read-only history for auditors: streams, the global log, and aggregates as they were. Reads the
 * event store itself (never a read model), so what an auditor sees is the record, not a derivation.
 */
@ApiTags('audit')
@ApiBearerAuth()
@AcrossTenants()
@RequireScope('audit', 'platform')
@Controller('audit')
export class AuditHistoryController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get('streams/:stream')
  @ApiOperation({ summary: "A stream's events with full metadata, paged in either direction." })
  @ApiParam({ name: 'stream', example: 'partner-contoso' })
  @ApiOkResponse({ type: StreamPageView })
  @ProblemResponses(400, 401, 403, 404)
  readStream(@Param('stream') stream: string, @Query() query: ReadStreamQueryDto): Promise<StreamPage> {
    return asProblem(() =>
      readStreamPage(this.store, stream, {
        direction: query.direction,
        fromRevision: query.fromRevision,
        maxCount: query.maxCount ?? DEFAULT_PAGE,
      }),
    );
  }

  @Get('events')
  @ApiOperation({
    summary:
      'The global log in commit order, filtered by partner, customer, event type, actor and business-time range; paged by position.',
  })
  @ApiOkResponse({ type: EventPageView })
  @ProblemResponses(400, 401, 403)
  readAll(@Query() query: ReadAllQueryDto): Promise<ReadAllPage> {
    const { direction, fromPosition, maxCount, ...filter } = query;
    return asProblem(() =>
      readAllPage(this.store, { direction, fromPosition, maxCount: maxCount ?? DEFAULT_PAGE, filter }),
    );
  }

  @Get('aggregates/:stream')
  @ApiOperation({
    summary:
      "An aggregate's state as of a revision (inclusive) or an instant (last event with occurredAt ≤ at), folded with its evolver.",
  })
  @ApiParam({ name: 'stream', example: 'partner-contoso' })
  @ApiOkResponse({ type: AggregateAsOfView })
  @ProblemResponses(400, 401, 403, 404)
  getAggregateAsOf(@Param('stream') stream: string, @Query() query: AsOfQueryDto): Promise<AggregateAsOf> {
    const { revision, at } = query;
    if ((revision === undefined) === (at === undefined)) {
      throw badAuditQuery('Give exactly one of the query parameters revision and at.');
    }
    return asProblem(() =>
      aggregateAsOf(this.store, stream, revision !== undefined ? { revision } : { at: at as string }),
    );
  }
}
