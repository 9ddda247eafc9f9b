import { Command, Option } from 'nest-commander';
import { verifyHistory } from '@pc/audit';
import { AuditCommand } from '../support/audit-command';
import { EventStoreHandle } from '../support/event-store-handle';
import { EXIT_FINDINGS, EXIT_OK } from '../support/exit-codes';
import { estimateEvents, progressBar } from '../support/progress';
import { out, stringOption } from '../support/output';

@Command({
  name: 'verify',
  description:
    "Recompute every event's hash and follow each stream's prevHash chain; exit 1 on any break (all streams, or one partner's)",
})
export class VerifyCommand extends AuditCommand {
  constructor(private readonly stores: EventStoreHandle) {
    super();
  }

  @Option({
    flags: '--partner <id>',
    description: "Only the partner's streams (partner-{id} and streams carrying the id)",
  })
  parsePartner(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'Print the report as JSON' })
  parseJson(): boolean {
    return true;
  }

  protected async execute(_args: string[], options: Record<string, unknown>): Promise<number> {
    const store = await this.stores.get();
    const partnerId = stringOption(options, 'partner');
    const bar = progressBar('verify', estimateEvents(await store.headPosition()));
    const report = await verifyHistory(store, {
      partnerId,
      onProgress: ({ eventsScanned }) => bar.update(eventsScanned),
    }).finally(() => bar.stop());
    if (options.json === true) {
      out(JSON.stringify(report, null, 2));
    } else {
      const scope = partnerId === undefined ? 'all streams' : `partner ${partnerId}`;
      out(
        `${report.ok ? 'OK' : 'BROKEN'}: ${report.eventsChecked} events in ${report.streamsChecked} streams checked (${scope}), ${report.breaks.length} breaks`,
      );
      if (report.breaksOutsideScope > 0) {
        out(
          `${report.breaksOutsideScope} breaks in streams outside the partner's scope that could be its own (an edit may have removed its id): run verify without --partner to see them`,
        );
      }
      for (const b of report.breaks) {
        out(`${b.kind} ${b.stream}@${b.revision} (event ${b.eventId}, position ${b.position})`);
        out(`  expected ${b.expected}`);
        out(`  found    ${b.found ?? '(none)'}`);
        out(`  ${b.detail}`);
      }
    }
    return report.ok ? EXIT_OK : EXIT_FINDINGS;
  }
}
