import { existsSync } from 'node:fs';
import { Command, Option } from 'nest-commander';
import { type ReplayCheckReport, type RowDifference, replayCheck } from '@pc/audit';
import {
  type Projection,
  ReadModelConfigError,
  createReadModelStore,
  loadReadModelStoreConfig,
  projectionCatalog,
} from '@pc/projections';
import { AuditCommand } from '../support/audit-command';
import { EventStoreHandle } from '../support/event-store-handle';
import { CliError, EXIT_CANNOT_CHECK, EXIT_FINDINGS, EXIT_OK } from '../support/exit-codes';
import { note, out, stringOption } from '../support/output';

@Command({
  name: 'replay-check',
  description:
    'Rebuild every projection from the event history into a scratch store, up to its live checkpoint, and compare it row by row with the live read models; exit 1 on any difference',
})
export class ReplayCheckCommand extends AuditCommand {
  protected override readonly interruptible = true;

  constructor(private readonly stores: EventStoreHandle) {
    super();
  }

  @Option({
    flags: '--projection <name>',
    description: 'Only this projection (default: every registered one)',
  })
  parseProjection(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'Print the report as JSON' })
  parseJson(): boolean {
    return true;
  }

  protected async execute(_args: string[], options: Record<string, unknown>): Promise<number> {
    const projections = select(stringOption(options, 'projection'));
    if (projections.length === 0) {
      out('No projections are registered (libs/projections catalog is empty): nothing to compare.');
      return EXIT_OK;
    }
    const live = await openLiveStore();
    try {
      const report = await replayCheck({
        eventStore: await this.stores.get(),
        live,
        projections,
        onProjection: (name) => process.stderr.isTTY && note(`replaying ${name}…`),
        signal: this.signal,
      });
      print(report, options.json === true);
      // A row that differs is a finding; a projection that could not be compared (never built here,
      // or its checkpoint kept moving) means the check could not run, which is not a finding.
      if (report.projections.some((result) => result.status === 'different')) return EXIT_FINDINGS;
      return report.ok ? EXIT_OK : EXIT_CANNOT_CHECK;
    } finally {
      await live.close();
    }
  }
}

function select(name: string | undefined): Projection[] {
  if (name === undefined) return [...projectionCatalog];
  const found = projectionCatalog.filter((projection) => projection.name === name);
  if (found.length === 0) {
    const known = projectionCatalog.map((projection) => projection.name).join(', ') || '(none)';
    throw new CliError(`Unknown projection '${name}'; registered: ${known}`);
  }
  return found;
}

/** The live read models the service is configured with (READ_MODEL_STORE / _PATH / _URL / _SCHEMA). */
async function openLiveStore() {
  try {
    const config = loadReadModelStoreConfig(process.env);
    if (config.kind === 'sqlite' && !existsSync(config.path)) {
      throw new CliError(`No read-model store at '${config.path}' (READ_MODEL_PATH)`);
    }
    return await createReadModelStore(config);
  } catch (error) {
    if (error instanceof ReadModelConfigError) throw new CliError(error.message);
    throw error;
  }
}

function print(report: ReplayCheckReport, json: boolean): void {
  if (json) {
    out(JSON.stringify(report, null, 2));
    return;
  }
  for (const result of report.projections) {
    const where = result.position === null ? '' : ` up to ${result.position}`;
    out(
      `${result.status.toUpperCase()} ${result.projection}${where} (${result.eventsReplayed} events replayed)`,
    );
    for (const d of result.differences) {
      out(
        `  ${d.table}: ${d.missingInLive} missing in live, ${d.extraInLive} extra in live, ${d.changed} changed; e.g. ${d.exampleKeys.join(' ')}`,
      );
      for (const row of d.rows) printRow(row);
    }
  }
}

/** One differing row: its key, what differs, and the events to look at (newest last). */
function printRow(row: RowDifference): void {
  out(`    ${row.kind} ${JSON.stringify(row.key)}`);
  for (const column of row.columns) {
    out(
      `      ${column}: live ${JSON.stringify(row.live?.[column])}, rebuilt ${JSON.stringify(row.rebuilt?.[column])}`,
    );
  }
  const shown = row.events.length < row.eventCount ? ` (last ${row.events.length})` : '';
  out(`      ${row.eventCount} events touched this row${shown}:`);
  for (const event of row.events) {
    out(
      `        ${event.position} ${event.streamName}@${event.revision} ${event.type}${event.commandType ? ` (${event.commandType})` : ''} ${event.id}`,
    );
  }
}
