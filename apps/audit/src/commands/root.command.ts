import { RootCommand } from 'nest-commander';
import { AuditCommand } from '../support/audit-command';
import { EXIT_CANNOT_CHECK } from '../support/exit-codes';

/** `audit` with no command: the list of commands (a usage error, so exit 2). */
@RootCommand({
  name: 'audit',
  description:
    'Auditor tools over the event store the service is configured with (EVENT_STORE, EVENT_STORE_PATH / _URL / _SCHEMA). ' +
    'Exit codes: 0 all as recorded, 1 breaks or differences found, 2 could not check.',
})
export class AuditRootCommand extends AuditCommand {
  /** An unknown command name arrives as an argument here: answered with the list of commands. */
  override setCommand(command: Parameters<AuditCommand['setCommand']>[0]): this {
    super.setCommand(command);
    command.allowExcessArguments(true);
    return this;
  }

  protected async execute(): Promise<number> {
    this.command.outputHelp({ error: true });
    return EXIT_CANNOT_CHECK;
  }
}
