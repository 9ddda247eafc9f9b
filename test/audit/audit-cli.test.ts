import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteEventStore } from '@pc/event-store';
import { projectionCatalog, SqliteReadModelStore } from '@pc/projections';
import {
  appendChained,
  context,
  partnerUser,
  pipelineOver,
  platformActor,
  registerPartner,
} from '../../libs/audit/src/testing/fixtures';
import { runScript as run } from './support/cli';

describe('auditor CLI (child process, SQLite file)', () => {
  let dir: string;
  let env: Record<string, string>;
  const audit = (...args: string[]) => run('apps/audit/src/main.ts', args, env);
  const verifyExport = (...args: string[]) => run('apps/audit/src/verify-export.ts', args);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pc-audit-cli-'));
    const path = join(dir, 'events.sqlite');
    env = { EVENT_STORE: 'sqlite', EVENT_STORE_PATH: path, READ_MODEL_PATH: join(dir, 'read-models.sqlite') };
    const store = await createSqliteEventStore({ path });
    const pipeline = pipelineOver(store);
    await registerPartner(pipeline, 'contoso', '2026-01-05T09:00:00.000Z');
    await registerPartner(pipeline, 'fabrikam', '2026-01-06T09:00:00.000Z');
    await pipeline.execute(
      'UpdateCompanyProfile',
      { partnerId: 'contoso', changes: { phone: '+421 900 111 222' } },
      context(partnerUser('contoso', 'contoso-admin'), '2026-02-01T12:00:00.000Z'),
    );
    await appendChained(
      store,
      'customer-c1',
      [{ type: 'CustomerLinked', data: { customerId: 'c1', partnerId: 'contoso' } }],
      platformActor,
      '2026-02-02T00:00:00Z',
    );
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--help for the CLI and every command (exit 0)', async () => {
    const commands = ['history', 'export', 'verify', 'replay-check', 'as-of'];
    const root = await audit('--help');
    expect(root.code).toBe(0);
    for (const command of commands) expect(root.stdout).toContain(command);
    const helps = await Promise.all(commands.map((command) => audit(command, '--help')));
    helps.forEach((help, i) => {
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: audit ${commands[i]}`);
    });
    expect(helps[1].stdout).toContain('--out <dir>');
    expect(helps[4].stdout).toMatch(/--revision <n>[\s\S]*--at <iso>/);
    expect(helps[4].stdout).toMatch(/--read-model <name>[\s\S]*--partner <id>[\s\S]*--position <position>/);
  });

  it('usage errors and missing things exit 2 with one line on stderr', async () => {
    const [noOut, unknownStream, noStore] = await Promise.all([
      audit('export'),
      audit('history', 'partner-nobody'),
      run('apps/audit/src/main.ts', ['verify'], { EVENT_STORE_PATH: join(dir, 'nothing.sqlite') }),
    ]);
    expect(noOut.code).toBe(2);
    expect(unknownStream).toMatchObject({ code: 2, stderr: "error: Stream 'partner-nobody' not found\n" });
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toContain('No event store at');
  });

  // Regression: `verify --partner <typo>` printed "OK: 0 events in 0 streams checked" and exited 0,
  // which reads as success for a partner that was never checked.
  it('verify --partner: a partner no event concerns exits 2 with one line; one that exists is verified', async () => {
    const [typo, contoso] = await Promise.all([
      audit('verify', '--partner', 'contosso'),
      audit('verify', '--partner', 'contoso'),
    ]);
    expect(typo).toMatchObject({ code: 2, stdout: '' });
    expect(typo.stderr).toMatch(/^error: Partner 'contosso' was not found: [^\n]*\n$/);
    expect(contoso).toMatchObject({ code: 0, stderr: '' });
    expect(contoso.stdout).toContain('OK: 5 events in 2 streams checked (partner contoso), 0 breaks');
  });

  // Regression: `export --partner <typo>` wrote an empty export (0 events) and exited 0, while verify
  // of the same partner exits 2.
  it("export --partner: a partner no event concerns exits 2 with verify's line and writes nothing", async () => {
    const out = join(dir, 'typo-export');
    const [typo, verify, contoso] = await Promise.all([
      audit('export', '--out', out, '--partner', 'contosso'),
      audit('verify', '--partner', 'contosso'),
      audit('export', '--out', join(dir, 'contoso-export'), '--partner', 'contoso'),
    ]);
    expect(typo).toMatchObject({ code: 2, stdout: '', stderr: verify.stderr });
    expect(typo.stderr).toMatch(/^error: Partner 'contosso' was not found: [^\n]*\n$/);
    expect(existsSync(out)).toBe(false);
    expect(contoso).toMatchObject({ code: 0, stderr: '' });
    expect(contoso.stdout).toContain('Exported 5 events of 2 streams');
  });

  // Regression: Commander ignored arguments a command does not declare, so `verify partner-contoso`
  // (meant for one stream) checked every stream and `export extra --out d` exported everything, both
  // exiting 0 as if they had done what was asked.
  it('an argument a command does not take is a usage error (exit 2), not ignored', async () => {
    const out = join(dir, 'excess');
    const [verify, exported, asOf, unknown] = await Promise.all([
      audit('verify', 'partner-contoso'),
      audit('export', 'partner-contoso', '--out', out),
      audit('as-of', 'partner-contoso', 'partner-fabrikam', '--revision', '0'),
      audit('nonsense'),
    ]);
    expect(verify).toMatchObject({ code: 2, stdout: '' });
    expect(verify.stderr).toContain("too many arguments for 'verify'");
    expect(exported.code).toBe(2);
    expect(existsSync(join(out, 'events.ndjson'))).toBe(false);
    expect(asOf).toMatchObject({ code: 2, stdout: '' });
    // An unknown command still lists the commands.
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Commands:');
  });

  it('history prints a table, or one JSON object per line', async () => {
    const text = await audit('history', 'partner-contoso');
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^REV\s+OCCURRED AT\s+TYPE\s+ACTOR\s+COMMAND\s+HASH$/);
    expect(lines).toHaveLength(2 + 4);
    expect(lines[5]).toMatch(
      /^3\s+2026-02-01T12:00:00.000Z\s+CompanyProfileUpdated\s+partner-user:contoso-admin@contoso\s+UpdateCompanyProfile/,
    );

    const json = await audit('history', 'partner-contoso', '--json', '--backwards', '--max-count', '2');
    const events = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { revision: number; metadata: object });
    expect(events.map((e) => e.revision)).toEqual([3, 2]);
    expect(events[0].metadata).toMatchObject({
      commandType: 'UpdateCompanyProfile',
      hash: expect.any(String),
    });
  });

  it('as-of folds by revision or instant', async () => {
    const [byRevision, byInstant, neither, unknown] = await Promise.all([
      audit('as-of', 'partner-contoso', '--revision', '0'),
      audit('as-of', 'partner-contoso', '--at', '2026-01-31T00:00:00Z'),
      audit('as-of', 'partner-contoso'),
      audit('as-of', 'widget-1', '--revision', '0'),
    ]);
    expect(byRevision.code).toBe(0);
    expect(JSON.parse(byRevision.stdout)).toMatchObject({
      aggregateType: 'partner',
      revision: 0,
      headRevision: 3,
      state: { users: {} },
    });
    expect(JSON.parse(byInstant.stdout)).toMatchObject({
      revision: 2,
      state: { profile: { phone: '+421 2 1234 5678' } },
    });
    expect(neither.code).toBe(2);
    expect(unknown.code).toBe(2);
    // No zone: it was read in the machine's time zone; refused as the API refuses it.
    expect((await audit('as-of', 'partner-contoso', '--at', '2026-01-31T00:00:00')).code).toBe(2);
    expect(unknown.stderr).toContain('No aggregate type');
  });

  it('replay-check compares the registered projections (or says there are none)', async () => {
    const result = await audit('replay-check');
    if (projectionCatalog.length === 0) {
      expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('nothing to compare') });
    } else {
      // No read-model store was ever built for this file: the check cannot run.
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('No read-model store');
      // Regression: a store whose projections were never built answered exit 1 ("found something").
      const empty = new SqliteReadModelStore({ path: env.READ_MODEL_PATH });
      await empty.init();
      await empty.close();
      const notBuilt = await audit('replay-check');
      expect(notBuilt.code).toBe(2);
      expect(notBuilt.stdout).toContain('NOT-BUILT');
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${env.READ_MODEL_PATH}${suffix}`, { force: true });
    }
  });

  it('export + the standalone offline verifier, round trip', async () => {
    const out = join(dir, 'export');
    const exported = await audit('export', '--out', out);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('Exported 8 events of 3 streams');
    expect(exported.stderr).toBe('');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { eventCount: number };
    expect(manifest.eventCount).toBe(8);

    const intact = await verifyExport(out);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/^OK: 8 events in 3 streams/);

    const ndjson = readFileSync(join(out, 'events.ndjson'), 'utf8');
    writeFileSync(join(out, 'edited.ndjson'), ndjson.replace('+421 900 111 222', '+421 900 111 223'));
    const edited = await verifyExport(join(out, 'edited.ndjson'), join(out, 'manifest.json'));
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain('hash-mismatch: Line 7 (partner-contoso@3)');

    const partner = await audit('export', '--out', join(dir, 'fabrikam'), '--partner', 'fabrikam');
    expect(partner.stdout).toContain('Exported 3 events of 1 streams');
    expect((await verifyExport(join(dir, 'fabrikam'))).code).toBe(0);
  });

  // Regression: the events file's errors had no listener: an export that could not write its file
  // exited 0 without a manifest, or crashed with an uncaught 'error' (exit 1, "found something").
  it('export: exit 2 with one line when the events file cannot be written, and no manifest', async () => {
    const out = join(dir, 'unwritable');
    mkdirSync(join(out, 'events.ndjson'), { recursive: true });
    const failed = await audit('export', '--out', out);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/^error: export to .*events\.ndjson failed: /);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  it('verify: exit 0 on healthy data, 1 after a byte was changed by hand in the file', async () => {
    const healthy = await audit('verify');
    expect(healthy).toMatchObject({ code: 0, stderr: '' });
    expect(healthy.stdout).toContain('OK: 8 events in 3 streams checked (all streams), 0 breaks');

    const db = new Database(env.EVENT_STORE_PATH);
    const changed = db
      .prepare(
        "UPDATE events SET data = replace(data, '+421 900 111 222', '+421 900 111 223') WHERE stream_name = 'partner-contoso' AND revision = 3",
      )
      .run();
    db.close();
    expect(changed.changes).toBe(1);

    const [broken, json, other] = await Promise.all([
      audit('verify'),
      audit('verify', '--json'),
      audit('verify', '--partner', 'fabrikam'),
    ]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('BROKEN: 8 events in 3 streams checked (all streams), 1 breaks');
    expect(broken.stdout).toContain('hash-mismatch partner-contoso@3');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      breaks: [{ stream: 'partner-contoso', revision: 3, kind: 'hash-mismatch' }],
    });
    expect(other.code).toBe(0);
  });
});
