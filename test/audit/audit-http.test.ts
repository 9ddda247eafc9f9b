import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  type ExportManifest,
  type ReadAllPage,
  type StreamPage,
  type VerifyReport,
  verifyExportFiles,
} from '@pc/audit';
import type { ManualClock } from '../../apps/api/src/platform';
import { backends, startApp } from '../support/backends';
import { call } from '../support/http';
import { actors, mintToken } from '../support/tokens';
import { tamperEventData } from './support/tamper';

const profile = {
  legalName: 'Contoso Partners s.r.o.',
  address: { line1: 'Hlavná 1', city: 'Bratislava', postalCode: '811 01', country: 'SK' },
  phone: '+421 2 1234 5678',
  email: 'office@contoso.example',
};

describe.each(backends)('audit over HTTP ($name)', (backend) => {
  let app: NestFastifyApplication;
  let clock: ManualClock;
  let env: Record<string, string>;
  let tearDown: () => Promise<void>;
  let platform: string;
  let auditor: string;
  let jana: string;
  let dir: string;

  beforeAll(async () => {
    const setup = await backend.setUp();
    ({ env, tearDown } = setup);
    ({ app, clock } = await startApp(env));
    platform = await mintToken({
      act: actors.platform(),
      scope: 'platform queries',
      sub: 'onboarding-service',
    });
    auditor = await mintToken({ act: actors.platform('auditor-1'), scope: 'audit', sub: 'audit-portal' });
    jana = await mintToken({ act: actors.partnerUser('contoso', 'jana'), sub: 'admin-center' });
    dir = mkdtempSync(join(tmpdir(), 'pc-audit-http-'));

    const register = (partnerId: string, userId: string) =>
      call(app, 'POST', '/partners', {
        token: platform,
        body: {
          partnerId,
          profile,
          firstUser: { userId, email: `${userId}@${partnerId}.example`, displayName: userId },
        },
      });
    expect((await register('contoso', 'jana')).status).toBe(201); // revisions 0-2, 2026-01-05
    clock.set(new Date('2026-02-01T10:00:00.000Z'));
    expect((await register('fabrikam', 'eve')).status).toBe(201);
    clock.set(new Date('2026-03-01T10:00:00.000Z'));
    const phone = await call(app, 'POST', '/partners/contoso/profile', {
      token: jana,
      body: { phone: '+421 900 111 222' },
    });
    expect(phone.status).toBe(201); // revision 3, by jana
    clock.set(new Date('2026-03-02T10:00:00.000Z'));
    expect((await call(app, 'POST', '/partners/contoso/profile/verify', { token: platform })).status).toBe(
      201,
    ); // revision 4
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = <T>(url: string, token = auditor) => call<T>(app, 'GET', url, { token });

  it('needs the audit (or platform) scope', async () => {
    expect((await get('/audit/events', jana)).status).toBe(403);
    expect((await call(app, 'POST', '/audit/verify', { token: jana, body: {} })).status).toBe(403);
    expect((await get('/audit/events', platform)).status).toBe(200);
    expect((await call(app, 'GET', '/audit/events')).status).toBe(401);
  });

  // Regression: the scope alone was checked, so a partner user's token carrying `audit commands` or
  // `platform` read every tenant's events here while getting 404 on another partner's own routes;
  // then `audit` alone, or `audit platform`, still did.
  it("refuses a tenant user's token on every cross-tenant route, whatever its scopes", async () => {
    for (const scope of [
      'audit',
      'audit queries',
      'audit platform',
      'audit commands',
      'platform',
      'platform queries commands',
    ]) {
      const token = await mintToken({
        act: actors.partnerUser('contoso', 'jana'),
        scope,
        sub: 'admin-center',
      });
      for (const [method, url] of [
        ['GET', '/audit/events'],
        ['GET', '/audit/streams/partner-fabrikam'],
        ['GET', '/audit/aggregates/partner-fabrikam?revision=0'],
        ['GET', '/audit/export'],
        ['GET', '/audit/export/manifest'],
        ['POST', '/audit/verify'],
        ['GET', '/audit/activity'],
        ['GET', '/projections'],
        ['POST', '/projections/client_list/rebuild'],
      ] as const) {
        const res = await call(app, method, url, { token, body: method === 'POST' ? {} : undefined });
        expect({ scope, url, status: res.status }).toEqual({ scope, url, status: 403 });
        expect(res.body).toMatchObject({
          type: expect.stringMatching(/cross-tenant-access-denied$|insufficient-scope$/),
        });
      }
    }
    expect((await get('/audit/events', auditor)).status).toBe(200);
  });

  it('readStream: every event with full metadata, paged both ways', async () => {
    const first = await get<StreamPage>('/audit/streams/partner-contoso?maxCount=2');
    expect(first.status).toBe(200);
    expect(first.body.events.map((e) => e.type)).toEqual(['PartnerRegistered', 'PartnerUserCreated']);
    expect(first.body.nextRevision).toBe(2);
    expect(first.body.events[0].metadata).toEqual({
      commandId: expect.any(String),
      commandType: 'RegisterPartner',
      correlationId: expect.any(String),
      causationId: expect.any(String),
      actor: { kind: 'platform', id: 'ops' },
      service: { kind: 'service', id: 'onboarding-service' },
      occurredAt: '2026-01-05T09:00:00.000Z',
      schemaVersion: 1,
      prevHash: '0'.repeat(64),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const rest = await get<StreamPage>(
      `/audit/streams/partner-contoso?fromRevision=${first.body.nextRevision}`,
    );
    expect(rest.body.events.map((e) => e.revision)).toEqual([2, 3, 4]);
    expect(rest.body.nextRevision).toBeNull();
    const newest = await get<StreamPage>('/audit/streams/partner-contoso?direction=backwards&maxCount=2');
    expect(newest.body.events.map((e) => [e.revision, e.metadata.commandType])).toEqual([
      [4, 'VerifyCompanyProfile'],
      [3, 'UpdateCompanyProfile'],
    ]);
    expect(newest.body.nextRevision).toBe(2);
  });

  it('readStream refuses unknown streams (404) and bad paging (400)', async () => {
    const missing = await get('/audit/streams/partner-nobody');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: expect.stringMatching(/stream-not-found$/) });
    expect((await get('/audit/streams/partner-contoso?maxCount=0')).status).toBe(400);
    expect((await get('/audit/streams/partner-contoso?direction=sideways')).status).toBe(400);
    expect((await get('/audit/streams/partner-contoso?bogus=1')).status).toBe(400);
  });

  it('readAll: global order, resumable by position', async () => {
    const types: string[] = [];
    let url = '/audit/events?maxCount=3';
    for (let pages = 0; pages < 10; pages++) {
      const page = await get<ReadAllPage>(url);
      expect(page.status).toBe(200);
      types.push(...page.body.events.map((e) => `${e.streamName}@${e.revision}`));
      if (page.body.nextPosition === null) break;
      url = `/audit/events?maxCount=3&fromPosition=${page.body.nextPosition}`;
    }
    expect(types).toEqual([
      'partner-contoso@0',
      'partner-contoso@1',
      'partner-contoso@2',
      'partner-fabrikam@0',
      'partner-fabrikam@1',
      'partner-fabrikam@2',
      'partner-contoso@3',
      'partner-contoso@4',
    ]);
    const backwards = await get<ReadAllPage>('/audit/events?direction=backwards&maxCount=1');
    expect(backwards.body.events[0]).toMatchObject({ streamName: 'partner-contoso', revision: 4 });
    // Regression: forwards from a position past the head, scannedUpTo echoed it: a reader resuming
    // from there ("to see new events") would skip every event later written before it.
    const head = backwards.body.events[0].position;
    const past = String(BigInt(head) + 3n).padStart(head.length, '0');
    const idle = await get<ReadAllPage>(`/audit/events?fromPosition=${past}`);
    expect(idle.status).toBe(200);
    expect(idle.body).toEqual({ events: [], nextPosition: null, scannedUpTo: head, scanned: 0 });
    const atHead = await get<ReadAllPage>(`/audit/events?fromPosition=${head}`);
    expect(atHead.body).toEqual({ events: [], nextPosition: null, scannedUpTo: head, scanned: 0 });
  });

  it('readAll filters by partner, event type, actor and business-time range', async () => {
    const ids = (page: ReadAllPage) => page.events.map((e) => `${e.streamName}@${e.revision}`);
    expect(ids((await get<ReadAllPage>('/audit/events?partnerId=fabrikam')).body)).toEqual([
      'partner-fabrikam@0',
      'partner-fabrikam@1',
      'partner-fabrikam@2',
    ]);
    expect(ids((await get<ReadAllPage>('/audit/events?eventType=PartnerRegistered')).body)).toEqual([
      'partner-contoso@0',
      'partner-fabrikam@0',
    ]);
    expect(ids((await get<ReadAllPage>('/audit/events?actorId=jana')).body)).toEqual(['partner-contoso@3']);
    const march = await get<ReadAllPage>(
      '/audit/events?partnerId=contoso&from=2026-03-01T00:00:00Z&to=2026-03-02T10:00:00Z',
    );
    expect(ids(march.body)).toEqual(['partner-contoso@3']);
    expect((await get('/audit/events?from=yesterday')).status).toBe(400);
    // It answered an empty page; the aggregate fold at such an instant could answer 500.
    expect((await get('/audit/events?from=20260101')).status).toBe(400);
    expect((await get('/audit/aggregates/partner-contoso?at=2026-13-01')).status).toBe(400);
    const badPosition = await get('/audit/events?fromPosition=abc');
    expect(badPosition.status).toBe(400);
    expect(badPosition.headers['content-type']).toContain('application/problem+json');
    // Regression: the export's bound was only a string, compared as text: 'abc' exported everything
    // (and named 'abc' as its position), '' nothing, a newline broke the response header (500).
    for (const bad of ['abc', '5', '', '%0A', '%E2%82%AC']) {
      for (const url of [`/audit/export?upToPosition=${bad}`, `/audit/export/manifest?upToPosition=${bad}`]) {
        const res = await get(url);
        expect({ url, status: res.status }).toEqual({ url, status: 400 });
      }
    }
  });

  it('getAggregateAsOf: by revision and by instant, with the revision it reflects', async () => {
    const atTwo = await get<{
      revision: number;
      state: { profile: { phone: string }; verification: string };
    }>('/audit/aggregates/partner-contoso?revision=2');
    expect(atTwo.status).toBe(200);
    expect(atTwo.body).toMatchObject({ aggregateType: 'partner', revision: 2, headRevision: 4 });
    expect(atTwo.body.state.profile.phone).toBe(profile.phone);
    const feb = await get<{ revision: number; state: { verification: string } }>(
      '/audit/aggregates/partner-contoso?at=2026-03-01T23:00:00Z',
    );
    expect(feb.body).toMatchObject({
      revision: 3,
      occurredAt: '2026-03-01T10:00:00.000Z',
      state: { verification: 'pending' },
    });
    const now = await get<{ state: { verification: string } }>(
      '/audit/aggregates/partner-contoso?at=2030-01-01T00:00:00Z',
    );
    expect(now.body.state.verification).toBe('verified');

    expect((await get('/audit/aggregates/widget-1?revision=0')).status).toBe(404);
    expect((await get('/audit/aggregates/partner-nobody?revision=0')).status).toBe(404);
    expect((await get('/audit/aggregates/partner-contoso?revision=9')).status).toBe(404);
    // Regression: read as a maxCount of revision + 1, this was a 400 about a 'maxCount' nobody gave.
    const far = await get('/audit/aggregates/partner-contoso?revision=9007199254740991');
    expect(far.status).toBe(404);
    expect(far.body).toMatchObject({
      type: expect.stringMatching(/revision-not-found$/),
      revision: 9007199254740991,
      headRevision: 4,
    });
    expect((await get('/audit/aggregates/partner-contoso')).status).toBe(400);
    expect((await get('/audit/aggregates/partner-contoso?revision=1&at=2026-01-01T00:00:00Z')).status).toBe(
      400,
    );
  });

  it('exports NDJSON with a manifest that the standalone verifier accepts', async () => {
    const exported = await get('/audit/export');
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toContain('application/x-ndjson');
    const position = String(exported.headers['x-export-position']);
    const manifest = await get<ExportManifest>(`/audit/export/manifest?upToPosition=${position}`);
    expect(manifest.body).toMatchObject({
      formatVersion: 1,
      eventCount: 8,
      exportPosition: position,
      filter: {},
    });
    expect(manifest.body.ndjsonSha256).toBe(createHash('sha256').update(exported.text).digest('hex'));
    writeFileSync(join(dir, 'events.ndjson'), exported.text);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest.body));
    expect(await verifyExportFiles(join(dir, 'events.ndjson'), join(dir, 'manifest.json'))).toMatchObject({
      ok: true,
      eventsChecked: 8,
    });

    const partner = await get<ExportManifest>('/audit/export/manifest?partnerId=fabrikam');
    expect(Object.keys(partner.body.streams)).toEqual(['partner-fabrikam']);
    expect(partner.body.filter).toEqual({ partnerId: 'fabrikam' });
    expect((await get('/audit/export?partnerId=fabrikam')).text.trim().split('\n')).toHaveLength(3);
  });

  // Regression: export and its manifest of a partnerId no event concerns (a typo) answered 200 with an
  // empty export, while verify of the same partner is 404 partner-not-found.
  it('exportEvents / getExportManifest: a partner no event concerns is 404 partner-not-found, as verify', async () => {
    const verify = await call(app, 'POST', '/audit/verify', {
      token: auditor,
      body: { partnerId: 'contosso' },
    });
    for (const url of ['/audit/export?partnerId=contosso', '/audit/export/manifest?partnerId=contosso']) {
      const typo = await get<Record<string, unknown>>(url);
      expect([url, typo.status, typo.headers['content-type']]).toEqual([
        url,
        404,
        expect.stringContaining('application/problem+json'),
      ]);
      expect(typo.headers).not.toHaveProperty('x-export-position');
      expect(typo.body).toMatchObject({
        type: expect.stringMatching(/\/errors\/partner-not-found$/),
        status: 404,
        partnerId: 'contosso',
        detail: (verify.body as { detail: string }).detail,
      });
    }
    const contoso = await get<ExportManifest>('/audit/export/manifest?partnerId=contoso');
    expect(contoso.status).toBe(200);
    expect(contoso.body).toMatchObject({ filter: { partnerId: 'contoso' }, eventCount: 5 });
    expect((await get('/audit/export?partnerId=contoso')).text.trim().split('\n')).toHaveLength(5);
  });

  // Regression: a bound past the head answered 200 with a manifest naming that bound as its
  // exportPosition (events appended later fell under it, so the same bound later described another
  // export), and EventStoreDB's position form was taken by the SQL stores.
  it('export: refuses a bound the log has not reached (404) and a position of another store (400)', async () => {
    const head = String((await get<ExportManifest>('/audit/export/manifest')).body.exportPosition);
    const past = String(BigInt(head) + 1n).padStart(head.length, '0');
    for (const url of [`/audit/export?upToPosition=${past}`, `/audit/export/manifest?upToPosition=${past}`]) {
      const res = await get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 404 });
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({
        type: expect.stringMatching(/position-not-reached$/),
        position: past,
        head,
      });
    }
    const pair = '00000000000000000001/00000000000000000001';
    for (const url of [`/audit/export?upToPosition=${pair}`, `/audit/export/manifest?upToPosition=${pair}`]) {
      const res = await get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.body).toMatchObject({ type: expect.stringMatching(/invalid-audit-query$/) });
    }
    const atHead = await get<ExportManifest>(`/audit/export/manifest?upToPosition=${head}`);
    expect(atHead.body).toMatchObject({ exportPosition: head, eventCount: 8 });
  });

  // Regression: a partnerId no stream belongs to (a typo) answered 200 ok:true with 0 events, which
  // reads as a clean bill of health for a partner that was never checked.
  it('verifyEventHistory: a partner no event concerns is 404 partner-not-found; one that exists is verified', async () => {
    const typo = await call(app, 'POST', '/audit/verify', {
      token: auditor,
      body: { partnerId: 'contosso' },
    });
    expect([typo.status, typo.headers['content-type']]).toEqual([
      404,
      expect.stringContaining('application/problem+json'),
    ]);
    expect(typo.body).toMatchObject({
      type: expect.stringMatching(/\/errors\/partner-not-found$/),
      status: 404,
      partnerId: 'contosso',
      detail: expect.stringContaining("Partner 'contosso' was not found"),
    });
    const contoso = await call<VerifyReport>(app, 'POST', '/audit/verify', {
      token: auditor,
      body: { partnerId: 'contoso' },
    });
    expect(contoso.status).toBe(200);
    expect(contoso.body).toMatchObject({ ok: true, eventsChecked: 5, streamsChecked: 1, breaks: [] });
  });

  it('verifyEventHistory: healthy, then finds a byte changed by hand in the database', async () => {
    const healthy = await call<VerifyReport>(app, 'POST', '/audit/verify', { token: auditor, body: {} });
    expect(healthy.status).toBe(200);
    expect(healthy.body).toMatchObject({ ok: true, eventsChecked: 8, streamsChecked: 2, breaks: [] });

    // One byte of one event's data, changed behind the service's back: 'Hlavná 1' → 'Hlavná 2'.
    await tamperEventData(env, 'partner-contoso', 0, 'Hlavná 1', 'Hlavná 2');

    const broken = await call<VerifyReport>(app, 'POST', '/audit/verify', { token: auditor, body: {} });
    expect(broken.body.ok).toBe(false);
    expect(broken.body.breaks).toEqual([
      expect.objectContaining({
        stream: 'partner-contoso',
        revision: 0,
        kind: 'hash-mismatch',
        found: expect.any(String),
      }),
    ]);
    const contoso = await call<VerifyReport>(app, 'POST', '/audit/verify', {
      token: auditor,
      body: { partnerId: 'contoso' },
    });
    expect(contoso.body).toMatchObject({ ok: false, eventsChecked: 5, streamsChecked: 1 });
    const fabrikam = await call<VerifyReport>(app, 'POST', '/audit/verify', {
      token: auditor,
      body: { partnerId: 'fabrikam' },
    });
    expect(fabrikam.body).toMatchObject({ ok: true, eventsChecked: 3 });
    expect(
      (await call(app, 'POST', '/audit/verify', { token: auditor, body: { partnerId: 'x', extra: 1 } }))
        .status,
    ).toBe(400);

    // And an export taken now no longer verifies offline.
    const exported = await get('/audit/export');
    const manifest = await get<ExportManifest>(
      `/audit/export/manifest?upToPosition=${String(exported.headers['x-export-position'])}`,
    );
    writeFileSync(join(dir, 'tampered.ndjson'), exported.text);
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(manifest.body));
    const offline = await verifyExportFiles(join(dir, 'tampered.ndjson'), join(dir, 'tampered.json'));
    expect(offline.discrepancies.map((d) => d.kind)).toEqual(['hash-mismatch']);
  });

  it('documents every audit operation under its method name', async () => {
    const doc = await call<{ paths: Record<string, Record<string, { operationId: string }>> }>(
      app,
      'GET',
      '/openapi.json',
    );
    const ids = Object.entries(doc.body.paths)
      .filter(([path]) => path.startsWith('/audit'))
      .flatMap(([, item]) => Object.values(item).map((operation) => operation.operationId))
      .sort();
    expect(ids).toEqual([
      'exportEvents',
      'getAggregateAsOf',
      'getExportManifest',
      'getReadModelAsOf',
      'listActivity',
      'readAll',
      'readStream',
      'replayCheck',
      'verifyEventHistory',
    ]);
  });
});
