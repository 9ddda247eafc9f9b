import { Command, Option } from 'nest-commander';
import { readStreamPage } from '@pc/audit';
import type { RecordedEvent } from '@pc/event-store';
import { AuditCommand } from '../support/audit-command';
import { EventStoreHandle } from '../support/event-store-handle';
import { EXIT_OK } from '../support/exit-codes';
import { out, parseNonNegativeInt, stringOption, table } from '../support/output';

const PAGE = 500;

@Command({
  name: 'history',
  arguments: '<stream>',
  argsDescription: { stream: 'Stream name, e.g. partner-contoso' },
  description: "Print a stream's events with who, on whose behalf, when and which command (table, or --json)",
})
export class HistoryCommand extends AuditCommand {
  constructor(private readonly stores: EventStoreHandle) {
    super();
  }

  @Option({ flags: '--json', description: 'One JSON object per event and line (full data and metadata)' })
  parseJson(): boolean {
    return true;
  }

  @Option({ flags: '--backwards', description: 'Newest first' })
  parseBackwards(): boolean {
    return true;
  }

  @Option({ flags: '--from-revision <n>', description: 'Start at this revision (inclusive)' })
  parseFromRevision(value: string): string {
    return value;
  }

  @Option({ flags: '--max-count <n>', description: 'At most this many events (default: all)' })
  parseMaxCount(value: string): string {
    return value;
  }

  protected async execute([stream]: string[], options: Record<string, unknown>): Promise<number> {
    const store = await this.stores.get();
    const direction = options.backwards === true ? 'backwards' : 'forwards';
    const from = stringOption(options, 'fromRevision');
    const max = stringOption(options, 'maxCount');
    let fromRevision = from === undefined ? undefined : parseNonNegativeInt(from, '--from-revision');
    let remaining = max === undefined ? Number.POSITIVE_INFINITY : parseNonNegativeInt(max, '--max-count');
    const rows: string[][] = [];
    while (remaining > 0) {
      const page = await readStreamPage(store, stream, {
        direction,
        fromRevision,
        maxCount: Math.min(PAGE, remaining),
      });
      for (const event of page.events) {
        if (options.json === true) out(JSON.stringify(event));
        else rows.push(row(event));
      }
      remaining -= page.events.length;
      if (page.nextRevision === null) break;
      fromRevision = page.nextRevision;
    }
    if (options.json !== true) {
      for (const line of table(['REV', 'OCCURRED AT', 'TYPE', 'ACTOR', 'COMMAND', 'HASH'], rows)) out(line);
    }
    return EXIT_OK;
  }
}

function row(event: RecordedEvent): string[] {
  const { actor, occurredAt, commandType, hash } = event.metadata;
  return [
    String(event.revision),
    typeof occurredAt === 'string' ? occurredAt : '',
    event.type,
    describeActor(actor),
    typeof commandType === 'string' ? commandType : '',
    typeof hash === 'string' ? hash.slice(0, 12) : '(none)',
  ];
}

function describeActor(actor: unknown): string {
  if (actor === null || typeof actor !== 'object') return '';
  const { kind, id, partnerId, customerId } = actor as Record<string, unknown>;
  const onBehalfOf =
    typeof partnerId === 'string' ? `@${partnerId}` : typeof customerId === 'string' ? `@${customerId}` : '';
  return `${String(kind)}:${String(id)}${onBehalfOf}`;
}
