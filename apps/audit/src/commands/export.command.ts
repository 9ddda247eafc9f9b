import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'nest-commander';
import { startExport } from '@pc/audit';
import { AuditCommand } from '../support/audit-command';
import { EventStoreHandle } from '../support/event-store-handle';
import { CliError, EXIT_OK } from '../support/exit-codes';
import { out, stringOption } from '../support/output';
import { estimateEvents, progressBar } from '../support/progress';

export const EVENTS_FILE = 'events.ndjson';
export const MANIFEST_FILE = 'manifest.json';

@Command({
  name: 'export',
  description: `Write ${EVENTS_FILE} (every event, or one partner's streams, in global order) and ${MANIFEST_FILE} into a directory`,
})
export class ExportCommand extends AuditCommand {
  constructor(private readonly stores: EventStoreHandle) {
    super();
  }

  @Option({
    flags: '--out <dir>',
    description: 'Directory to write into (created if missing)',
    required: true,
  })
  parseOut(value: string): string {
    return value;
  }

  @Option({
    flags: '--partner <id>',
    description:
      "Only the partner's streams, whole (partner-{id} and streams carrying the id); exit 2 when no event concerns the partner",
  })
  parsePartner(value: string): string {
    return value;
  }

  protected async execute(_args: string[], options: Record<string, unknown>): Promise<number> {
    const dir = stringOption(options, 'out');
    if (dir === undefined) throw new CliError('--out <dir> is required');
    const store = await this.stores.get();
    // Before the directory is made: a partner no event concerns (partner-not-found) is one line and
    // exit 2, as for verify, and leaves nothing behind.
    const run = await startExport(store, {
      partnerId: stringOption(options, 'partner'),
      exportedAt: new Date().toISOString(),
    });
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new CliError(`cannot create ${resolve(dir)}: ${(error as Error).message}`);
    }
    const bar = progressBar('export', estimateEvents(run.exportPosition));
    let written = 0;
    async function* counted(): AsyncGenerator<string> {
      for await (const line of run.lines()) {
        yield line;
        if (++written % 1000 === 0) bar.update(written);
      }
    }
    try {
      // pipeline: back-pressure (a slow disk does not make the export pile up in memory) and every
      // error of the file (cannot open, disk full) ends the export with it. A bare write stream
      // without an 'error' listener could exit 0 with no manifest, or crash with exit 1.
      await pipeline(
        Readable.from(counted()),
        createWriteStream(join(dir, EVENTS_FILE), { encoding: 'utf8' }),
      );
    } catch (error) {
      throw new CliError(`export to ${resolve(dir, EVENTS_FILE)} failed: ${(error as Error).message}`);
    } finally {
      bar.stop();
    }
    const manifest = run.manifest();
    writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    out(
      `Exported ${manifest.eventCount} events of ${Object.keys(manifest.streams).length} streams up to position ${manifest.exportPosition ?? '(empty store)'}`,
    );
    out(`  ${resolve(dir, EVENTS_FILE)}  sha256 ${manifest.ndjsonSha256}`);
    out(`  ${resolve(dir, MANIFEST_FILE)}`);
    return EXIT_OK;
  }
}
