import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ReplayCheckReport } from '@pc/audit';
import type { ManualClock } from '../../apps/api/src/platform';
import type { ReadModelAsOfResult } from '../../apps/api/src/audit/read-models/read-model-as-of';
import { ReadModelRuntime } from '../../apps/api/src/read-models/read-model-runtime';
import { newCustomer, ReadWorld } from '../read-models/world';
import {
  codeOf,
  contosoProfile,
  customerToken,
  mintTokens,
  startAcquisitionApp,
  type Tokens,
} from '../scheduler/support/acquisition-world';
import { backends } from '../support/backends';
import { call, problem } from '../support/http';
import { actors, mintToken } from '../support/tokens';
import { runAudit } from './support/cli';
import { tamperClientName } from './support/tamper-read-model';

type Body = Record<string, unknown>;
const PROJECTIONS = ['partner_overview', 'client_list', 'por_inbox', 'activity_log'];

describe.each(backends)('read models as of a position, and the replay check ($name)', (backend) => {
  let app: NestFastifyApplication;
  let clock: ManualClock;
  let env: Record<string, string>;
  let tearDown: () => Promise<void>;
  let t: Tokens;
  let auditor: string;
  const w = new ReadWorld(() => app);
  /** What the live queries answered right after alpha signed up, and at which position. */
  const then = { position: '', clients: {} as Body, overview: {} as Body };

  const asOf = (readModel: string, query: string, token = auditor) =>
    call<ReadModelAsOfResult & Body>(app, 'GET', `/audit/read-models/${readModel}/as-of?${query}`, { token });
  const replay = (query = '', token = auditor) =>
    call<ReplayCheckReport>(app, 'POST', `/audit/replay-check${query}`, { token });

  beforeAll(async () => {
    const setup = await backend.setUp();
    ({ env, tearDown } = setup);
    ({ app, clock } = await startAcquisitionApp(env));
    t = await mintTokens();
    auditor = await mintToken({ act: actors.platform('auditor-1'), scope: 'audit', sub: 'audit-portal' });
    for (const [partnerId, adminId] of [
      ['contoso', 'jana'],
      ['fabrikam', 'eve'],
    ]) {
      await w.command('/partners', t.platform, {
        partnerId,
        profile: { ...contosoProfile, legalName: `${partnerId} s.r.o.` },
        firstUser: { userId: adminId, email: `${adminId}@${partnerId}.example`, displayName: adminId },
      });
      await w.command(`/partners/${partnerId}/authorizations/grant`, t.platform, {
        authorization: 'advisor',
      });
    }
    const invite = await w.command('/partners/contoso/trial-invites', t.jana, {
      inviteId: 'inv-1',
      offerId: 'office-business-basic',
    });
    const redeem = (customerId: string, name: string) =>
      w.command(`/invitations/${codeOf(invite.body.url)}/redeem`, t.signup, {
        customerId,
        newCustomer: newCustomer(name, `${customerId}.example`),
      });
    const alpha = await redeem('alpha', 'Alpha Foods');

    // The live answers at this moment, and the position they reflect.
    then.position = w.last as string;
    then.clients = (await w.read('/partners/contoso/clients', t.jana)).body;
    then.overview = (await w.read('/partners/contoso/overview', t.jana)).body;
    expect(then.clients.items).toHaveLength(1);

    // More history: another client, a purchase offer making contoso alpha's POR, a new user.
    clock.advance({ days: 2 });
    await redeem('beta', 'Beta Books');
    const offer = await w.command('/partners/contoso/purchase-offers', t.jana, {
      purchaseOfferId: 'po-1',
      lines: [{ offerId: 'office-business-standard', licenses: 10 }],
    });
    const alphaToken = await customerToken('alpha', (alpha.body.ids as Record<string, string>).userId);
    await w.command(`/invitations/${codeOf(offer.body.url)}/accept`, alphaToken, {});
    await w.command('/partners/contoso/users', t.jana, {
      userId: 'igor',
      email: 'igor@contoso.example',
      displayName: 'Igor',
    });
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  it('getReadModelAsOf: the client list and the overview exactly as the live queries answered then', async () => {
    const clients = await asOf('client-list', `partnerId=contoso&position=${then.position}`);
    expect(clients.status).toBe(200);
    expect(clients.body).toMatchObject({
      readModel: 'client-list',
      partnerId: 'contoso',
      position: then.position,
      reflects: { position: then.position, streamName: 'customer-alpha' },
    });
    expect(clients.body.view).toEqual(then.clients);

    const overview = await asOf('partner-overview', `partnerId=contoso&position=${then.position}`);
    expect(overview.status).toBe(200);
    expect(overview.body.view).toEqual(then.overview);

    // The present differs, so the past answer was not simply the current one.
    const now = await w.read('/partners/contoso/clients', t.jana);
    expect(now.body).not.toEqual(then.clients);
    expect((now.body.items as Body[]).map((client) => client.name)).toEqual(['Alpha Foods', 'Beta Books']);
  });

  it('as of the head, the same answers as the live queries now; client-list paging as live', async () => {
    const head = w.last as string;
    const clients = await asOf('client-list', `partnerId=contoso&position=${head}&limit=1`);
    expect(clients.body.view).toEqual((await w.read('/partners/contoso/clients?limit=1', t.jana)).body);
    const overview = await asOf('partner-overview', `partnerId=contoso&position=${head}`);
    expect(overview.body.view).toEqual((await w.read('/partners/contoso/overview', t.jana)).body);
  });

  it('refuses unknown read models, unreached or malformed positions, unknown partners, other scopes', async () => {
    const position = `position=${then.position}`;
    expect((await asOf('por-inbox', `partnerId=contoso&${position}`)).body).toMatchObject(
      problem('read-model-not-found'),
    );
    const beyond = String(BigInt(w.last as string) + 10n).padStart((w.last as string).length, '0');
    expect((await asOf('client-list', `partnerId=contoso&position=${beyond}`)).body).toMatchObject(
      problem('position-not-reached'),
    );
    expect((await asOf('client-list', 'partnerId=contoso&position=abc')).status).toBe(400);
    expect((await asOf('client-list', 'partnerId=contoso')).status).toBe(400);
    expect((await asOf('partner-overview', `partnerId=nobody&${position}`)).body).toMatchObject(
      problem('partner-not-found'),
    );
    expect((await asOf('client-list', `partnerId=contoso&${position}`, t.jana)).status).toBe(403);
    expect((await asOf('client-list', `partnerId=contoso&${position}`, t.platform)).status).toBe(403);
  });

  it('the CLI answers the same as of the position (as-of --read-model)', async () => {
    const run = await runAudit(
      env,
      'as-of',
      '--read-model',
      'client-list',
      '--partner',
      'contoso',
      '--position',
      then.position,
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(run.stdout) as ReadModelAsOfResult).view).toEqual(then.clients);
    const usage = await runAudit(env, 'as-of', '--read-model', 'client-list', '--partner', 'contoso');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--position');
  });

  it('replayCheck: every projection equals its replay on a healthy store (HTTP and CLI)', async () => {
    const report = await replay();
    expect(report.status).toBe(200);
    expect(report.body.ok).toBe(true);
    expect(report.body.projections.map((p) => [p.projection, p.status])).toEqual(
      PROJECTIONS.map((name) => [name, 'identical']),
    );
    const cli = await runAudit(env, 'replay-check');
    expect(cli.code).toBe(0);
    for (const name of PROJECTIONS) expect(cli.stdout).toContain(`IDENTICAL ${name}`);
  });

  it('replayCheck pinpoints a live row changed by hand: table, key, column, both values, the events', async () => {
    await tamperClientName(env, app.get(ReadModelRuntime).store, 'alpha', 'Tampered Foods');

    const report = await replay();
    expect(report.body.ok).toBe(false);
    const [clientList, ...others] = report.body.projections.filter((p) => p.status !== 'identical');
    expect(others).toEqual([]);
    expect(clientList).toMatchObject({ projection: 'client_list', status: 'different' });
    expect(clientList.differences).toEqual([
      expect.objectContaining({ table: 'clients', changed: 1, missingInLive: 0, extraInLive: 0 }),
    ]);
    const [row] = clientList.differences[0].rows;
    expect(row).toMatchObject({
      kind: 'changed',
      key: { partner_id: 'contoso', customer_id: 'alpha' },
      columns: ['name'],
      live: { name: 'Tampered Foods', customer_id: 'alpha' },
      rebuilt: { name: 'Alpha Foods', customer_id: 'alpha' },
    });
    // The events that wrote the row: contoso becoming alpha's advisor at sign-up, then its POR.
    expect(row.events[0]).toMatchObject({ streamName: 'customer-alpha', type: 'CustomerAdvisorAdded' });
    expect(row.events.map((event) => event.type)).toContain('PartnerOfRecordChanged');
    expect(row.events.every((event) => event.streamName === 'customer-alpha')).toBe(true);
    expect(row.eventCount).toBeGreaterThanOrEqual(row.events.length);

    const one = await replay('?projection=client_list');
    expect(one.body.projections.map((p) => p.projection)).toEqual(['client_list']);
    expect((await replay('?projection=nope')).body).toMatchObject(problem('projection-not-found'));
    expect((await replay('', t.jana)).status).toBe(403);

    const cli = await runAudit(env, 'replay-check');
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('DIFFERENT client_list');
    expect(cli.stdout).toContain('changed {"partner_id":"contoso","customer_id":"alpha"}');
    expect(cli.stdout).toContain('name: live "Tampered Foods", rebuilt "Alpha Foods"');
    expect(cli.stdout).toMatch(/customer-alpha@\d+ CustomerAdvisorAdded \(RedeemTrialInvite\)/);
    const json = await runAudit(env, 'replay-check', '--projection', 'client_list', '--json');
    expect(json.code).toBe(1);
    expect(
      (JSON.parse(json.stdout) as ReplayCheckReport).projections[0].differences[0].rows[0],
    ).toMatchObject({ key: row.key, columns: ['name'] });
  });

  it('documents getReadModelAsOf and replayCheck', async () => {
    const doc = (await call(app, 'GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    expect(doc.paths['/audit/read-models/{readModel}/as-of'].get.operationId).toBe('getReadModelAsOf');
    expect(doc.paths['/audit/replay-check'].post.operationId).toBe('replayCheck');
  });
});
