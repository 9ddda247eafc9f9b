import { Module } from '@nestjs/common';
import { AuditHistoryController } from './audit-history.controller';
import { AuditIntegrityController } from './audit-integrity.controller';

/** Auditor endpoints under /audit (scope audit, or platform). Needs only the platform's EVENT_STORE and CLOCK. */
@Module({ controllers: [AuditHistoryController, AuditIntegrityController] })
export class AuditModule {}
