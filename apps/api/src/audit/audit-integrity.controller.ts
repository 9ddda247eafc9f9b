import { Readable } from 'node:stream';
import { Body, Controller, Get, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import {
  type ExportManifest,
  type VerifyReport,
  exportManifest,
  startExport,
  verifyHistory,
} from '@pc/audit';
import type { EventStore } from '@pc/event-store';
import type { FastifyReply } from 'fastify';
import { CLOCK, type Clock, EVENT_STORE, ProblemResponses, RequireScope, AcrossTenants } from '../platform';
import { asProblem } from './audit-problems';
import { ExportQueryDto, PartnerScopeDto } from './audit.dto';
import { AUDIT_EXTRA_MODELS, ExportManifestView, VerifyReportView } from './audit.views';

export const NDJSON = 'application/x-ndjson';

/**
 * Tamper evidence and export. Verification recomputes every hash of the chain; the export is what an
 * auditor takes away and checks offline with libs/audit/src/offline-verifier.ts.
 */
@ApiTags('audit')
@ApiBearerAuth()
@AcrossTenants()
@RequireScope('audit', 'platform')
@ApiExtraModels(...AUDIT_EXTRA_MODELS)
@Controller('audit')
export class AuditIntegrityController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Recompute every event's hash and follow each stream's prevHash chain (all streams or one partner's); report every break.",
    description:
      'A partnerId no event concerns (no stream partner-{id}, no event carrying the id) is 404 `partner-not-found`, ' +
      'not an ok report of 0 events.',
  })
  @ApiOkResponse({
    type: VerifyReportView,
    description: 'ok is false when any break was found (for one partner: also breaksOutsideScope)',
  })
  @ProblemResponses(400, 401, 403, 404)
  verifyEventHistory(@Body() body: PartnerScopeDto): Promise<VerifyReport> {
    return asProblem(() => verifyHistory(this.store, { partnerId: body.partnerId }));
  }

  @Get('export')
  @ApiOperation({
    summary:
      "Every event (or one partner's streams) as NDJSON in global order, one canonical JSON object per line. X-Export-Position names the bound (absent when the store is empty: the manifest's exportPosition is null).",
    description:
      'A partnerId no event concerns (no stream partner-{id}, no event carrying the id) is 404 `partner-not-found`, ' +
      'as for POST /audit/verify, not an empty export.',
  })
  @ApiProduces(NDJSON)
  @ApiOkResponse({ content: { [NDJSON]: { schema: { type: 'string' } } } })
  @ProblemResponses(400, 401, 403, 404)
  async exportEvents(@Query() query: ExportQueryDto, @Res() reply: FastifyReply): Promise<void> {
    const run = await asProblem(() =>
      startExport(this.store, {
        partnerId: query.partnerId,
        upToPosition: query.upToPosition,
        exportedAt: this.clock.now().toISOString(),
      }),
    );
    // An empty store has no position to name (its manifest says exportPosition: null): no header,
    // rather than an empty one that cannot be passed back as upToPosition.
    if (run.exportPosition !== null) void reply.header('X-Export-Position', run.exportPosition);
    // Streamed line by line: an export of the whole log never sits in memory.
    await reply.header('content-type', NDJSON).send(Readable.from(run.lines()));
  }

  @Get('export/manifest')
  @ApiOperation({
    summary:
      'The manifest of the same export: counts, head hashes per stream and the SHA-256 of the NDJSON. Pass upToPosition = X-Export-Position to describe a given download.',
    description: 'A partnerId no event concerns is 404 `partner-not-found`, as for the export itself.',
  })
  @ApiOkResponse({ type: ExportManifestView })
  @ProblemResponses(400, 401, 403, 404)
  getExportManifest(@Query() query: ExportQueryDto): Promise<ExportManifest> {
    return asProblem(() =>
      exportManifest(this.store, {
        partnerId: query.partnerId,
        upToPosition: query.upToPosition,
        exportedAt: this.clock.now().toISOString(),
      }),
    );
  }
}
