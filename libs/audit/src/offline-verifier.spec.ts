import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventStore, InvalidAppendError } from '@pc/event-store';
import { eventHash } from '@pc/pipeline';
import { AuditNotFoundError } from './errors';
import { type ExportManifest, startExport } from './export';
import { verifyExportFiles } from './offline-verifier';
import { appendChained, memoryStore, pipelineOver, platformActor, registerPartner } from './testing/fixtures';

describe('export + standalone offline verifier', () => {
  let store: EventStore;
  let dir: string;
  let ndjson: string;
  let manifest: ExportManifest;

  beforeAll(async () => {
    store = await memoryStore();
    const pipeline = pipelineOver(store);
    await registerPartner(pipeline, 'contoso', '2026-01-05T09:00:00.000Z');
    await registerPartner(pipeline, 'fabrikam', '2026-01-05T10:00:00.000Z');
    await appendChained(
      store,
      'customer-c1',
      [{ type: 'CustomerSignedUp', data: { customerId: 'c1', name: 'Žltý kôň 🐴' } }],
      platformActor,
      '2026-01-06T00:00:00Z',
    );
    await appendChained(
      store,
      'customer-c1',
      [{ type: 'PartnerLinked', data: { customerId: 'c1', partnerId: 'contoso', seats: 1.5 } }],
      platformActor,
      '2026-01-07T00:00:00Z',
    );
    const run = await startExport(store, { exportedAt: '2026-03-01T00:00:00.000Z' });
    const lines: string[] = [];
    for await (const line of run.lines()) lines.push(line);
    ndjson = lines.join('');
    manifest = run.manifest();
    dir = mkdtempSync(join(tmpdir(), 'pc-offline-'));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function check(events: string, manifestText: string) {
    const n = join(dir, `${Math.random().toString(36).slice(2)}.ndjson`);
    const m = `${n}.manifest.json`;
    writeFileSync(n, events);
    writeFileSync(m, manifestText);
    return verifyExportFiles(n, m);
  }
  const manifestJson = () => JSON.stringify(manifest, null, 2);
  const lines = () => ndjson.split('\n').filter((l) => l !== '');
  const kinds = (report: { discrepancies: { kind: string }[] }) =>
    [...new Set(report.discrepancies.map((d) => d.kind))].sort();

  it('exports one canonical line per event in global order, with a manifest', () => {
    expect(lines()).toHaveLength(8);
    const first = JSON.parse(lines()[0]) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual([
      'data',
      'id',
      'metadata',
      'position',
      'recordedAt',
      'revision',
      'streamName',
      'type',
    ]);
    expect(manifest).toMatchObject({
      formatVersion: 1,
      exportedAt: '2026-03-01T00:00:00.000Z',
      filter: {},
      eventCount: 8,
      streams: {
        'customer-c1': { count: 2, headRevision: 1 },
        'partner-contoso': { count: 3, headRevision: 2 },
        'partner-fabrikam': { count: 3, headRevision: 2 },
      },
    });
    expect(manifest.exportPosition).toBe((JSON.parse(lines()[7]) as { position: string }).position);
  });

  it('a partner export holds whole streams, from revision 0', async () => {
    const run = await startExport(store, { exportedAt: 'x', partnerId: 'contoso' });
    for await (const _line of run.lines()) {
      // drain
    }
    expect(Object.keys(run.manifest().streams)).toEqual(['customer-c1', 'partner-contoso']);
    expect(run.manifest().eventCount).toBe(5);
  });

  it('accepts the untouched export', async () => {
    const report = await check(ndjson, manifestJson());
    expect(report).toMatchObject({ ok: true, eventsChecked: 8, streamsChecked: 3, discrepancies: [] });
    expect(report.ndjsonSha256).toBe(manifest.ndjsonSha256);
  });

  it('rejects an edited line', async () => {
    const edited = ndjson.replace('Žltý kôň', 'Zltý kôň');
    const report = await check(edited, manifestJson());
    expect(report.ok).toBe(false);
    expect(kinds(report)).toEqual(['hash-mismatch', 'ndjson-sha256-mismatch']);
    expect(report.discrepancies.find((d) => d.kind === 'hash-mismatch')).toMatchObject({
      line: 7,
      stream: 'customer-c1',
      revision: 0,
    });
  });

  it('rejects a deleted line', async () => {
    const all = lines();
    const withoutMiddle = [...all.slice(0, 1), ...all.slice(2)].map((l) => `${l}\n`).join('');
    const report = await check(withoutMiddle, manifestJson());
    expect(kinds(report)).toEqual([
      'chain-broken',
      'event-count-mismatch',
      'ndjson-sha256-mismatch',
      'stream-count-mismatch',
    ]);
    // Dropping a stream's LAST event leaves its chain intact: only the manifest can tell.
    const withoutLast = all
      .slice(0, -1)
      .map((l) => `${l}\n`)
      .join('');
    expect(kinds(await check(withoutLast, manifestJson()))).toEqual([
      'event-count-mismatch',
      'ndjson-sha256-mismatch',
      'stream-count-mismatch',
      'stream-head-mismatch',
    ]);
  });

  // Regression: the verifier copied metadata member by member (`rest[key] = …`), which for a member
  // named "__proto__" sets the copy's prototype: the member was left out of the offline hash while
  // the pipeline's (and verify's) hash covers it, so a metadata member could be added to an export
  // without any line failing its hash. Only ndjsonSha256 still told, and the manifest is the
  // tamperer's to rewrite if an auditor kept only the head hashes elsewhere.
  it('rejects a metadata member added under the name __proto__', async () => {
    const all = lines();
    const added = all[0].replace('"metadata":{', '"metadata":{"__proto__":{"role":"global-admin"},');
    expect(added).not.toBe(all[0]);
    const parsed = JSON.parse(added) as { type: string; data: unknown; metadata: Record<string, unknown> };
    // The project's own rule sees the added member.
    expect(eventHash(parsed.type, parsed.data, parsed.metadata)).not.toBe(parsed.metadata.hash);
    const events = [added, ...all.slice(1)].map((l) => `${l}\n`).join('');
    const rehashed = JSON.parse(manifestJson()) as ExportManifest;
    rehashed.ndjsonSha256 = createHash('sha256').update(events).digest('hex');
    const report = await check(events, JSON.stringify(rehashed));
    expect(report.ok).toBe(false);
    expect(report.discrepancies).toEqual([
      expect.objectContaining({ kind: 'hash-mismatch', line: 1, stream: 'partner-contoso', revision: 0 }),
    ]);
  });

  it('rejects reordered lines', async () => {
    const all = lines();
    // Lines 3 and 4: the last event of partner-contoso and the first of partner-fabrikam (different streams).
    const swapped = [...all.slice(0, 2), all[3], all[2], ...all.slice(4)].map((l) => `${l}\n`).join('');
    const report = await check(swapped, manifestJson());
    expect(kinds(report)).toEqual(['ndjson-sha256-mismatch', 'out-of-order']);
  });

  it('rejects an edited manifest', async () => {
    const wrongHead = JSON.parse(manifestJson()) as ExportManifest;
    wrongHead.streams['partner-contoso'].headHash = 'a'.repeat(64);
    expect(kinds(await check(ndjson, JSON.stringify(wrongHead)))).toEqual(['stream-head-mismatch']);

    const wrongCount = JSON.parse(manifestJson()) as ExportManifest;
    wrongCount.eventCount = 7;
    delete (wrongCount.streams as Record<string, unknown>)['customer-c1'];
    wrongCount.streams['partner-ghost'] = { count: 1, headRevision: 0, headHash: null };
    expect(kinds(await check(ndjson, JSON.stringify(wrongCount)))).toEqual([
      'event-count-mismatch',
      'stream-not-in-export',
      'stream-not-in-manifest',
    ]);

    const wrongSha = manifestJson().replace(manifest.ndjsonSha256, '0'.repeat(64));
    expect(kinds(await check(ndjson, wrongSha))).toEqual(['ndjson-sha256-mismatch']);
    expect(kinds(await check(ndjson, '{not json'))).toEqual(['manifest-unreadable']);
  });
});

describe('export bounds', () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await memoryStore();
    await registerPartner(pipelineOver(store), 'contoso', '2026-01-05T09:00:00.000Z');
  });
  afterAll(() => store.close());

  const refusal = (upToPosition: string) =>
    startExport(store, { exportedAt: 'x', upToPosition }).then(
      () => undefined,
      (e: unknown) => e,
    );

  // Regression: a bound past the head exported up to the head but named the bound as exportPosition,
  // so one manifest's exportPosition described different events once the log grew past the head.
  it('refuses a bound the log has not reached, as as-of does', async () => {
    const head = (await store.headPosition()) as string;
    const past = String(Number(head) + 1).padStart(head.length, '0');
    expect(await refusal(past)).toMatchObject({
      code: 'position-not-reached',
      facts: { position: past, head },
    });
    expect(await refusal(past)).toBeInstanceOf(AuditNotFoundError);
    const atHead = await startExport(store, { exportedAt: 'x', upToPosition: head });
    expect(atHead.exportPosition).toBe(head);
  });

  // Regression: the bound was only compared as text, never shown to the store, so another adapter's
  // form (EventStoreDB's pair) was taken by the SQL stores and named in the manifest.
  it("refuses a bound in another adapter's form, as the other audit reads do", async () => {
    expect(await refusal('00000000000000000001/00000000000000000001')).toBeInstanceOf(InvalidAppendError);
  });

  it('refuses any bound on an empty store', async () => {
    const empty = await memoryStore();
    try {
      const result = await startExport(empty, { exportedAt: 'x', upToPosition: '00000000000000000001' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(result).toMatchObject({ code: 'position-not-reached' });
      expect((await startExport(empty, { exportedAt: 'x' })).exportPosition).toBeNull();
    } finally {
      await empty.close();
    }
  });
});

describe('the offline verifier stays standalone', () => {
  it('imports nothing but node:crypto, node:fs and node:readline', () => {
    const source = readFileSync(join(__dirname, 'offline-verifier.ts'), 'utf8');
    const imports = [...source.matchAll(/(?:from|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(imports.sort()).toEqual(['node:crypto', 'node:fs', 'node:readline']);
  });
});
