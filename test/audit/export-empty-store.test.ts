import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type ExportManifest, verifyExportFiles } from '@pc/audit';
import { createSqliteEventStore } from '@pc/event-store';
import { backends, startApp } from '../support/backends';
import { call } from '../support/http';
import { actors, mintToken } from '../support/tokens';
import { runScript } from './support/cli';

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/**
 * Regression: on an empty event store GET /audit/export sent `X-Export-Position: ''`, which cannot be
 * passed back as upToPosition (400). The empty store has no position to name: the header is absent
 * and the manifest says exportPosition null; the download and its manifest verify offline.
 */
describe.each(backends)('audit on an empty event store ($name)', (backend) => {
  let app: NestFastifyApplication;
  let tearDown: () => Promise<void>;
  let auditor: string;
  let dir: string;

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    ({ app } = await startApp(setup.env));
    auditor = await mintToken({ act: actors.platform('auditor-1'), scope: 'audit', sub: 'audit-portal' });
    dir = mkdtempSync(join(tmpdir(), 'pc-audit-empty-'));
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('export: no X-Export-Position, a manifest with exportPosition null, and the round trip verifies', async () => {
    const exported = await call(app, 'GET', '/audit/export', { token: auditor });
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toContain('application/x-ndjson');
    expect(exported.text).toBe('');
    expect(exported.headers).not.toHaveProperty('x-export-position');

    const manifest = await call<ExportManifest>(app, 'GET', '/audit/export/manifest', { token: auditor });
    expect(manifest.status).toBe(200);
    expect(manifest.body).toMatchObject({
      exportPosition: null,
      eventCount: 0,
      streams: {},
      filter: {},
      ndjsonSha256: EMPTY_SHA256,
    });
    writeFileSync(join(dir, 'events.ndjson'), exported.text);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest.body));
    expect(await verifyExportFiles(join(dir, 'events.ndjson'), join(dir, 'manifest.json'))).toMatchObject({
      ok: true,
      eventsChecked: 0,
      discrepancies: [],
    });
  });

  // Regression: a partner's export of an empty store answered 200 with an empty file.
  it('export and its manifest: a partner is 404 partner-not-found', async () => {
    for (const url of ['/audit/export?partnerId=contoso', '/audit/export/manifest?partnerId=contoso']) {
      const partner = await call(app, 'GET', url, { token: auditor });
      expect([url, partner.status]).toEqual([url, 404]);
      expect(partner.body).toMatchObject({
        type: expect.stringMatching(/\/errors\/partner-not-found$/),
        partnerId: 'contoso',
      });
    }
  });

  it('verify: the whole (empty) log is ok; a partner is 404 partner-not-found', async () => {
    const all = await call(app, 'POST', '/audit/verify', { token: auditor, body: {} });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ ok: true, eventsChecked: 0, checkedUpTo: null });
    const partner = await call(app, 'POST', '/audit/verify', {
      token: auditor,
      body: { partnerId: 'contoso' },
    });
    expect(partner.status).toBe(404);
    expect(partner.body).toMatchObject({
      type: expect.stringMatching(/\/errors\/partner-not-found$/),
      partnerId: 'contoso',
    });
  });
});

describe('auditor CLI on an empty event store (child process, SQLite file)', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pc-audit-cli-empty-'));
    const path = join(dir, 'events.sqlite');
    env = { EVENT_STORE: 'sqlite', EVENT_STORE_PATH: path, READ_MODEL_PATH: join(dir, 'read-models.sqlite') };
    await (await createSqliteEventStore({ path })).close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('export + the standalone offline verifier, round trip', async () => {
    const out = join(dir, 'export');
    const exported = await runScript('apps/audit/src/main.ts', ['export', '--out', out], env);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).toContain('Exported 0 events of 0 streams up to position (empty store)');
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({
      exportPosition: null,
      eventCount: 0,
    });
    const offline = await runScript('apps/audit/src/verify-export.ts', [out]);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/^OK: 0 events in 0 streams/);
  });

  // Regression: `export --partner` of an empty store wrote an empty export and exited 0.
  it('export --partner: exit 2 with one line, and no directory', async () => {
    const out = join(dir, 'partner-export');
    const run = await runScript(
      'apps/audit/src/main.ts',
      ['export', '--out', out, '--partner', 'contoso'],
      env,
    );
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/^error: Partner 'contoso' was not found: [^\n]*\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it('verify --partner: exit 2 with one line, not "OK: 0 events"', async () => {
    const run = await runScript('apps/audit/src/main.ts', ['verify', '--partner', 'contoso'], env);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/^error: Partner 'contoso' was not found: [^\n]*\n$/);
  });
});
