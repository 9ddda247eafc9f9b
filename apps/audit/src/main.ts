import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { AuditCliModule } from './audit-cli.module';
import { exitOnCommanderError } from './support/audit-command';

/**
 * The auditor CLI: `npm run audit -- <history|export|verify|replay-check|as-of> …` (`--help` on each).
 * A Nest standalone application (no HTTP), reading the same configuration as the service.
 */
async function main(): Promise<void> {
  await CommandFactory.run(AuditCliModule, {
    logger: ['error'],
    errorHandler: exitOnCommanderError,
    // Unexpected failures: one readable line; the stack only on request.
    serviceErrorHandler: (error) => {
      console.error(process.env.AUDIT_DEBUG ? error : `error: ${error.message}`);
      process.exitCode = 2;
    },
  });
}

main().catch((error: unknown) => {
  console.error(
    process.env.AUDIT_DEBUG ? error : `error: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exitCode = 2;
});
