import { Module } from '@nestjs/common';
import { ReadModelsModule } from '../read-models/read-models.module';
import { ActivityController } from './activity/activity.controller';
import { PartnerActivityController } from './activity/partner-activity.controller';
import { AuditHistoryController } from './audit-history.controller';
import { AuditIntegrityController } from './audit-integrity.controller';
import { ReadModelAuditController } from './read-models/read-model-audit.controller';
import { AuditReplayGate } from './read-models/replay-gate';

/**
 * Auditor endpoints under /audit (scope audit, or platform), and a partner's own activity log.
 * History and integrity need only the platform's EVENT_STORE and CLOCK; the activity log, read
 * models as of a position and the replay check use the read side's runtime (its live store).
 */
@Module({
  imports: [ReadModelsModule],
  controllers: [
    AuditHistoryController,
    AuditIntegrityController,
    ActivityController,
    PartnerActivityController,
    ReadModelAuditController,
  ],
  providers: [AuditReplayGate],
})
export class AuditModule {}
