import { Module } from '@nestjs/common';
import { AsOfCommand } from './commands/as-of.command';
import { ExportCommand } from './commands/export.command';
import { HistoryCommand } from './commands/history.command';
import { ReplayCheckCommand } from './commands/replay-check.command';
import { AuditRootCommand } from './commands/root.command';
import { VerifyCommand } from './commands/verify.command';
import { EventStoreHandle } from './support/event-store-handle';

@Module({
  providers: [
    EventStoreHandle,
    AuditRootCommand,
    HistoryCommand,
    ExportCommand,
    VerifyCommand,
    AsOfCommand,
    ReplayCheckCommand,
  ],
})
export class AuditCliModule {}
