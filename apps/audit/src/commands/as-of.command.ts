import { Command, Option } from 'nest-commander';
import { aggregateAsOf } from '@pc/audit';
import { AuditCommand } from '../support/audit-command';
import { EventStoreHandle } from '../support/event-store-handle';
import { CliError, EXIT_OK } from '../support/exit-codes';
import { out, parseNonNegativeInt, stringOption } from '../support/output';

@Command({
  name: 'as-of',
  arguments: '<stream>',
  argsDescription: { stream: 'Aggregate stream: partner-…, customer-…, trial-invite-…, purchase-offer-…' },
  description:
    "Print an aggregate's state as of a revision (inclusive) or an instant (business time), as JSON",
})
export class AsOfCommand extends AuditCommand {
  constructor(private readonly stores: EventStoreHandle) {
    super();
  }

  @Option({ flags: '--revision <n>', description: 'Fold up to and including this revision' })
  parseRevision(value: string): string {
    return value;
  }

  @Option({ flags: '--at <iso>', description: 'Fold up to the last event whose occurredAt ≤ this instant' })
  parseAt(value: string): string {
    return value;
  }

  protected async execute([stream]: string[], options: Record<string, unknown>): Promise<number> {
    const revision = stringOption(options, 'revision');
    const at = stringOption(options, 'at');
    if ((revision === undefined) === (at === undefined))
      throw new CliError('Give exactly one of --revision and --at');
    if (at !== undefined && Number.isNaN(Date.parse(at)))
      throw new CliError(`--at must be an ISO-8601 instant, got '${at}'`);
    const target =
      revision !== undefined
        ? { revision: parseNonNegativeInt(revision, '--revision') }
        : { at: at as string };
    const result = await aggregateAsOf(await this.stores.get(), stream, target);
    out(JSON.stringify(result, null, 2));
    return EXIT_OK;
  }
}
