/**
 * Checks an export offline, without the service, its database or its configuration:
 *
 *   node -r @swc-node/register apps/audit/src/verify-export.ts <export-dir>
 *   node -r @swc-node/register apps/audit/src/verify-export.ts <events.ndjson> <manifest.json>
 *
 * Exit 0 when the export is intact, 1 with every discrepancy listed otherwise, 2 on bad usage.
 * It imports ONLY the standalone verifier, which itself imports nothing of this project.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { verifyExportFiles } from '../../../libs/audit/src/offline-verifier';

function paths(args: string[]): [string, string] | undefined {
  if (args.length === 1 && existsSync(args[0]) && statSync(args[0]).isDirectory()) {
    return [join(args[0], 'events.ndjson'), join(args[0], 'manifest.json')];
  }
  return args.length === 2 ? [args[0], args[1]] : undefined;
}

async function main(): Promise<number> {
  const files = paths(process.argv.slice(2));
  if (!files || files.some((file) => !existsSync(file))) {
    console.error(
      'usage: verify-export <export-dir> | <events.ndjson> <manifest.json>  (the files must exist)',
    );
    return 2;
  }
  const report = await verifyExportFiles(files[0], files[1]);
  console.log(
    `${report.ok ? 'OK' : 'NOT INTACT'}: ${report.eventsChecked} events in ${report.streamsChecked} streams, ` +
      `ndjson sha256 ${report.ndjsonSha256}, ${report.discrepancies.length} discrepancies`,
  );
  for (const d of report.discrepancies) {
    console.log(`${d.kind}: ${d.message}`);
    if (d.expected !== undefined) console.log(`  expected ${d.expected}`);
    if (d.found !== undefined) console.log(`  found    ${d.found}`);
  }
  return report.ok ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  },
);
