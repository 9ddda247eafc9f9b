import { Command, Option } from 'nest-commander';
import { aggregateAsOf } from '@pc/audit';
import { isInstant } from '@pc/domain';
import { AuditCommand } from '../support/audit-command';
import { EventStoreHandle } from '../support/event-store-handle';
import { CliError, EXIT_OK } from '../support/exit-codes';
import { out, parseNonNegativeInt, stringOption } from '../support/output';
import { readModelAsOfJson } from '../support/read-model-as-of';

@Command({
  name: 'as-of',
  arguments: '[stream]',
  argsDescription: { stream: 'Aggregate stream: partner-…, customer-…, trial-invite-…, purchase-offer-…' },
  description:
    "Print an aggregate's state as of a revision (inclusive) or an instant (business time), or a read model " +
    '(--read-model partner-overview|client-list --partner P --position X) as of a global position, as JSON',
})
export class AsOfCommand extends AuditCommand {
  protected override readonly interruptible = true;

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

  @Option({
    flags: '--read-model <name>',
    description: 'partner-overview or client-list, rebuilt into memory up to --position (no stream then)',
  })
  parseReadModel(value: string): string {
    return value;
  }

  @Option({ flags: '--partner <id>', description: 'With --read-model: whose overview or client list' })
  parsePartner(value: string): string {
    return value;
  }

  @Option({ flags: '--position <position>', description: 'With --read-model: global position (inclusive)' })
  parsePosition(value: string): string {
    return value;
  }

  @Option({ flags: '--limit <n>', description: 'With --read-model client-list: page size (default 50)' })
  parseLimit(value: string): string {
    return value;
  }

  protected async execute([stream]: string[], options: Record<string, unknown>): Promise<number> {
    const readModel = stringOption(options, 'readModel');
    if (readModel !== undefined) {
      if (stream !== undefined) throw new CliError('Give either a stream or --read-model, not both');
      if (options.revision !== undefined || options.at !== undefined) {
        throw new CliError('--revision and --at are for streams; a read model takes --position');
      }
      const result = await readModelAsOfJson(await this.stores.get(), readModel, options, this.signal);
      out(JSON.stringify(result, null, 2));
      return EXIT_OK;
    }
    if (stream === undefined)
      throw new CliError('Give a stream, or --read-model with --partner and --position');
    const revision = stringOption(options, 'revision');
    const at = stringOption(options, 'at');
    if ((revision === undefined) === (at === undefined))
      throw new CliError('Give exactly one of --revision and --at');
    // The API's rule: a date or a UTC instant. Date.parse would read a time without a zone in the
    // machine's time zone, so two auditors could see two different pasts.
    if (at !== undefined && !isInstant(at))
      throw new CliError(`--at must be a date (YYYY-MM-DD) or a UTC instant (…Z) that exists, got '${at}'`);
    const target =
      revision !== undefined
        ? { revision: parseNonNegativeInt(revision, '--revision') }
        : { at: at as string };
    const result = await aggregateAsOf(await this.stores.get(), stream, target);
    out(JSON.stringify(result, null, 2));
    return EXIT_OK;
  }
}
