import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventStore } from '@pc/event-store';
import { eventually } from '@pc/projections/testing';
import { clientListProjection, partnerOverviewProjection, porInboxProjection } from '@pc/read-models';
import { EVENT_STORE, type ManualClock } from '../../apps/api/src/platform';
import { ReadModelRuntime } from '../../apps/api/src/read-models/read-model-runtime';
import type { SchedulerService } from '../../apps/api/src/scheduler/scheduler.service';
import {
  contosoProfile,
  codeOf,
  customerToken,
  mintTokens,
  startAcquisitionApp,
  type Tokens,
} from '../scheduler/support/acquisition-world';
import { newCustomer, ReadWorld } from '../read-models/world';
import { projectionThreadRuns } from '../support/backends';
import { call, problem } from '../support/http';
import { actors, mintToken } from '../support/tokens';

type Body = Record<string, unknown>;
const names = (page: { body: Body }) => (page.body.items as Body[]).map((c) => c.name);

describe.each(projectionThreadRuns)('read models over HTTP ($label)', ({ backend, thread }) => {
  let app: NestFastifyApplication;
  let clock: ManualClock;
  let scheduler: SchedulerService;
  let tearDown: () => Promise<void>;
  let t: Tokens;
  let auditor: string;
  const w = new ReadWorld(() => app);
  let inviteCode = '';
  const alpha = { token: '', trial: '', standard: '' };

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    ({ app, clock, scheduler } = await startAcquisitionApp({ ...setup.env, ...thread }));
    t = await mintTokens();
    auditor = await mintToken({ act: actors.platform('auditor'), scope: 'audit', sub: 'audit-service' });
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  /** The scheduler's commands do not answer with positions: learn the head of the log after a tick. */
  const tick = async () => {
    const report = await scheduler.tick();
    w.saw(await app.get<EventStore>(EVENT_STORE).headPosition());
    return report;
  };

  it('documents every read-model operation under its operationId', async () => {
    const doc = (await call(app, 'GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(ids).toEqual(
      expect.arrayContaining([
        'getPartnerOverview',
        'listClients',
        'getClient',
        'listPorNotifications',
        'markPorNotificationsRead',
        'streamPartnerUpdates',
        'getProjectionStatus',
        'rebuildProjection',
      ]),
    );
  });

  it('drives the domain: partners, authorizations, users and roles, a trial invite redeemed twice', async () => {
    for (const [partnerId, adminId, authorizations] of [
      ['contoso', 'jana', ['advisor', 'delegated-admin-certified']],
      ['fabrikam', 'eve', ['advisor']],
    ] as const) {
      await w.command('/partners', t.platform, {
        partnerId,
        profile: {
          ...contosoProfile,
          legalName: `${partnerId} s.r.o.`,
          email: `office@${partnerId}.example`,
        },
        firstUser: { userId: adminId, email: `${adminId}@${partnerId}.example`, displayName: adminId },
      });
      for (const authorization of authorizations) {
        await w.command(`/partners/${partnerId}/authorizations/grant`, t.platform, { authorization });
      }
    }
    await w.command('/partners/contoso/users', t.jana, {
      userId: 'igor',
      email: 'igor@contoso.example',
      displayName: 'Igor',
    });
    await w.command('/partners/contoso/users', t.jana, {
      userId: 'lucia',
      email: 'lucia@contoso.example',
      displayName: 'Lucia',
    });
    await w.command('/partners/contoso/users/igor/roles/assign', t.jana, {
      scope: 'customers',
      role: 'full',
    });
    await w.command('/partners/contoso/users/lucia/roles/assign', t.jana, {
      scope: 'company',
      role: 'billing-admin',
    });
    await w.command('/partners/contoso/users/lucia/deactivate', t.jana);

    const invite = await w.command('/partners/contoso/trial-invites', t.jana, {
      inviteId: 'inv-1',
      offerId: 'office-business-basic',
      includeDelegatedAdmin: true,
      delegation: { access: 'limited' },
    });
    inviteCode = codeOf(invite.body.url);
    const redeemed = await w.command(`/invitations/${inviteCode}/redeem`, t.signup, {
      customerId: 'alpha',
      newCustomer: newCustomer('Alpha Foods', 'alpha.example'),
      acceptDelegatedAdmin: true,
    });
    const ids = redeemed.body.ids as Record<string, string>;
    alpha.trial = ids.subscriptionId;
    alpha.token = await customerToken('alpha', ids.userId);
    clock.advance({ hours: 1 });
    await w.command(`/invitations/${inviteCode}/redeem`, t.signup, {
      customerId: 'beta',
      newCustomer: newCustomer('Beta Books', 'beta.example'),
      acceptDelegatedAdmin: false,
    });
  });

  it('a purchase offer accepted by alpha makes contoso its POR; alpha then changes its license count', async () => {
    const offer = await w.command('/partners/contoso/purchase-offers', t.jana, {
      purchaseOfferId: 'po-1',
      lines: [{ offerId: 'office-business-standard', licenses: 10 }],
    });
    const accepted = await w.command(`/invitations/${codeOf(offer.body.url)}/accept`, alpha.token, {});
    expect(accepted.body.events).toEqual(['PartnerOfRecordChanged', 'SubscriptionStarted']);
    alpha.standard = (accepted.body.ids as Record<string, string>)['subscriptionId:office-business-standard'];
    clock.advance({ days: 4 });
    await w.command(`/customers/alpha/subscriptions/${alpha.standard}/license-count`, alpha.token, {
      licenses: 15,
    });
  });

  it('the overview shows profile, authorizations, users by role, clients, trials, invitations, subscriptions', async () => {
    const res = await w.read('/partners/contoso/overview', t.jana);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      partnerId: 'contoso',
      legalName: 'contoso s.r.o.',
      verification: 'pending',
      authorizations: [
        {
          authorization: 'advisor',
          active: true,
          periods: [{ from: '2026-01-05T09:00:00.000Z', until: null }],
        },
        { authorization: 'delegated-admin-certified', active: true },
      ],
      users: {
        total: 3,
        active: 2,
        inactive: 1,
        byCompanyRole: { 'global-admin': 1 },
        byCustomerAccess: { full: 1, limited: 0 },
      },
      clients: { total: 2, withActiveDelegation: 1, partnerOfRecord: 1 },
      trials: { active: 2, endingWithin7Days: 0 },
      trialInvites: { open: 1, closed: 0, takeUps: 2 },
      purchaseOffers: { open: 1, closed: 0, takeUps: 1 },
      subscriptions: { count: 3, licenses: 15 },
      unreadPorNotifications: 2,
      registeredAt: '2026-01-05T09:00:00.000Z',
      lastActivityAt: '2026-01-09T10:00:00.000Z',
      asOf: '2026-01-09T10:00:00.000Z',
    });
    const fabrikam = await w.read('/partners/fabrikam/overview', t.eve);
    expect(fabrikam.body).toMatchObject({
      clients: { total: 0 },
      subscriptions: { count: 0, licenses: 0 },
      unreadPorNotifications: 0,
    });
  });

  it('hides other tenants (404 on every partner route) and refuses bad positions', async () => {
    for (const path of ['overview', 'clients', 'clients/alpha', 'por-notifications']) {
      const hidden = await w.read(`/partners/contoso/${path}`, t.eve);
      expect({ path, status: hidden.status, body: hidden.body }).toMatchObject({
        path,
        status: 404,
        body: problem('partner-not-found'),
      });
    }
    const mark = await call(app, 'POST', '/partners/contoso/por-notifications/read', {
      token: t.eve,
      body: { all: true },
    });
    expect(mark.status).toBe(404);
    expect((await w.read('/partners/contoso/overview', t.jana, 'not a position')).status).toBe(400);
    expect((await w.read('/partners/nobody/overview', t.platform)).body).toMatchObject(
      problem('partner-not-found'),
    );
  });

  it('a scheduler tick sends the 7-day notices: both trials end within 7 days, the POR is notified', async () => {
    clock.set('2026-01-28T10:00:00.000Z');
    expect((await tick()).actions.map((a) => a.outcome)).toEqual(['applied', 'applied']);
    const overview = await w.read('/partners/contoso/overview', t.jana);
    expect(overview.body).toMatchObject({
      trials: { active: 2, endingWithin7Days: 2 },
      unreadPorNotifications: 3,
    });
    const inbox = await w.read<Body>('/partners/contoso/por-notifications', t.jana);
    expect((inbox.body.items as Body[]).map((n) => [n.kind, n.customerId])).toEqual([
      ['trial-expiring', 'alpha'],
      ['licenses-changed', 'alpha'],
      ['subscription-started', 'alpha'],
    ]);
  });

  it('trials expire by the tick: the client list and the overview follow, the POR hears of alpha only', async () => {
    clock.set('2026-02-05T00:00:00.000Z');
    // Before the tick records the expiries, the overview already judges the trials at the clock's time
    // (was: still 2 active and 2 ending, until the scheduler ran).
    expect((await w.read('/partners/contoso/overview', t.jana)).body).toMatchObject({
      trials: { active: 0, endingWithin7Days: 0 },
    });
    const actions = (await tick()).actions;
    expect(actions.filter((a) => a.commandType === 'ExpireTrial').map((a) => a.outcome)).toEqual([
      'applied',
      'applied',
    ]);
    const overview = await w.read('/partners/contoso/overview', t.jana);
    expect(overview.body).toMatchObject({
      trials: { active: 0, endingWithin7Days: 0 },
      subscriptions: { count: 1, licenses: 15 },
      clients: { total: 2, withActiveDelegation: 1, partnerOfRecord: 1 },
    });
    const inbox = await w.read<Body>('/partners/contoso/por-notifications', t.jana);
    const items = inbox.body.items as Body[];
    expect(items[0]).toMatchObject({
      kind: 'trial-expired',
      customerId: 'alpha',
      customerName: 'Alpha Foods',
      subscriptionId: alpha.trial,
      offerId: 'office-business-basic',
      changes: { status: { from: 'active', to: 'expired' } },
      read: false,
    });
    expect(items.every((n) => n.customerId === 'alpha')).toBe(true);
    const licenses = items.find((n) => n.kind === 'licenses-changed');
    expect(licenses).toMatchObject({
      changes: { licenses: { from: 10, to: 15 } },
      occurredAt: '2026-01-09T10:00:00.000Z',
    });
  });

  it('lists clients with their relationship and subscription summary; getClient has every subscription', async () => {
    const list = await w.read<Body>('/partners/contoso/clients', t.jana);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      items: [
        {
          customerId: 'alpha',
          name: 'Alpha Foods',
          primaryDomain: 'alpha.example',
          relationship: {
            advisor: true,
            partnerOfRecord: true,
            delegation: 'active',
            delegationAccess: 'limited',
            delegationEndsAt: '2028-01-05T09:00:00.000Z',
          },
          subscriptions: { count: 1, licenses: 15, trials: 0, trialEnds: [] },
          lastChange: '2026-02-05T00:00:00.000Z',
        },
        expect.objectContaining({
          customerId: 'beta',
          relationship: expect.objectContaining({
            advisor: true,
            partnerOfRecord: false,
            delegation: 'none',
          }),
          subscriptions: { count: 0, licenses: 0, trials: 0, trialEnds: [] },
        }),
      ],
      nextCursor: null,
    });
    const one = await w.read<Body>('/partners/contoso/clients/alpha', t.jana);
    // Every subscription, ended ones included, in subscription-id order.
    const expected = [
      {
        subscriptionId: alpha.standard,
        kind: 'paid',
        status: 'active',
        licenses: 15,
        offerId: 'office-business-standard',
      },
      {
        subscriptionId: alpha.trial,
        kind: 'trial',
        status: 'expired',
        licenses: 25,
        offerId: 'office-business-basic',
      },
    ].sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : 1));
    expect(one.body.subscriptionList).toEqual(expected.map((s) => expect.objectContaining(s)));
    expect((await w.read('/partners/contoso/clients/nobody', t.jana)).body).toMatchObject(
      problem('customer-not-found'),
    );
    expect((await w.read('/partners/fabrikam/clients/alpha', t.eve)).status).toBe(404);
    expect((await w.read<Body>('/partners/fabrikam/clients', t.eve)).body).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('filters by relationship and searches by name or domain, prefix and substring, case-insensitively', async () => {
    const q = async (query: string) =>
      names(await w.read<Body>(`/partners/contoso/clients?${query}`, t.jana));
    expect(await q('relationship=por')).toEqual(['Alpha Foods']);
    expect(await q('relationship=delegated')).toEqual(['Alpha Foods']);
    expect(await q('relationship=advisor')).toEqual(['Alpha Foods', 'Beta Books']);
    expect(await q('relationship=delegation-offered')).toEqual([]);
    expect(await q('search=ALP&match=prefix')).toEqual(['Alpha Foods']);
    expect(await q('search=beta.ex&match=prefix')).toEqual(['Beta Books']);
    expect(await q('search=foods&match=prefix')).toEqual([]);
    expect(await q('search=FOODS')).toEqual(['Alpha Foods']);
    expect(await q('search=ha.exam')).toEqual(['Alpha Foods']);
    expect(await q('search=oo')).toEqual(['Alpha Foods', 'Beta Books']);
    expect(await q('search=ta')).toEqual(['Beta Books']);
    expect(await q('search=%25')).toEqual([]);
    expect(await q('search=example&relationship=por')).toEqual(['Alpha Foods']);
    const bad = await w.read('/partners/contoso/clients?sort=size&limit=0', t.jana);
    expect(bad.status).toBe(400);
    // Regression: a NUL in the term broke the FTS5 phrase (a 500 on every plan).
    for (const control of ['ab%00cd', 'abc%0A', '%7Fxyz']) {
      const refused = await w.read(`/partners/contoso/clients?search=${control}`, t.jana);
      expect({ control, status: refused.status }).toEqual({ control, status: 400 });
    }
  });

  it('pages by keyset: stable across inserts, no duplicates, no skips, by name and by last change', async () => {
    for (const [id, name] of [
      ['gamma', 'Gamma Tools'],
      ['delta', 'Delta Air'],
      ['epsilon', 'Epsilon Labs'],
      ['zeta', 'Zeta Bank'],
      ['eta', 'Eta Studio'],
    ]) {
      clock.advance({ minutes: 1 });
      await w.command(`/invitations/${inviteCode}/redeem`, t.signup, {
        customerId: id,
        newCustomer: newCustomer(name, `${id}.example`),
        acceptDelegatedAdmin: false,
      });
    }
    const page = (query: string) => w.read<Body>(`/partners/contoso/clients?limit=3&${query}`, t.jana);
    const first = await page('');
    expect(names(first)).toEqual(['Alpha Foods', 'Beta Books', 'Delta Air']);
    // A client that sorts before the cursor arrives between pages: later pages neither repeat nor skip.
    clock.advance({ minutes: 1 });
    await w.command(`/invitations/${inviteCode}/redeem`, t.signup, {
      customerId: 'aardvark',
      newCustomer: newCustomer('Aardvark Inc', 'aardvark.example'),
      acceptDelegatedAdmin: false,
    });
    const second = await page(`cursor=${String(first.body.nextCursor)}`);
    expect(names(second)).toEqual(['Epsilon Labs', 'Eta Studio', 'Gamma Tools']);
    const third = await page(`cursor=${String(second.body.nextCursor)}`);
    expect(names(third)).toEqual(['Zeta Bank']);
    expect(third.body.nextCursor).toBeNull();

    const byChange = await page('sort=lastChange');
    expect(names(byChange)).toEqual(['Aardvark Inc', 'Eta Studio', 'Zeta Bank']);
    const byChange2 = await page(`sort=lastChange&cursor=${String(byChange.body.nextCursor)}`);
    expect(names(byChange2)).toEqual(['Epsilon Labs', 'Delta Air', 'Gamma Tools']);
    // A cursor of one order is refused by the other.
    const mixed = await page(`cursor=${String(byChange.body.nextCursor)}`);
    expect(mixed.status).toBe(400);
    expect(mixed.body).toMatchObject(problem('invalid-cursor'));
    expect((await w.read('/partners/contoso/overview', t.jana)).body).toMatchObject({
      clients: { total: 8 },
      trials: { active: 6 },
      trialInvites: { takeUps: 8 },
    });
  });

  it('POR inbox: filters, unread → marked read by id, then all; other partners cannot mark', async () => {
    const inbox = (query = '') => w.read<Body>(`/partners/contoso/por-notifications?${query}`, t.jana);
    const all = await inbox();
    const items = all.body.items as Body[];
    const unreadBefore = Number(all.body.unread);
    expect(unreadBefore).toBe(items.length);
    expect(((await inbox('kind=licenses-changed')).body.items as Body[]).map((n) => n.kind)).toEqual([
      'licenses-changed',
    ]);
    expect((await inbox('customerId=beta')).body.items).toEqual([]);
    const paged = await inbox('limit=2');
    expect((paged.body.items as Body[]).map((n) => n.notificationId)).toEqual(
      items.slice(0, 2).map((n) => n.notificationId),
    );
    const rest = await inbox(`limit=50&cursor=${String(paged.body.nextCursor)}`);
    expect((rest.body.items as Body[]).map((n) => n.notificationId)).toEqual(
      items.slice(2).map((n) => n.notificationId),
    );

    const byId = await w.command('/partners/contoso/por-notifications/read', t.jana, {
      notificationIds: [items[1].notificationId],
    });
    expect(byId.body.events).toEqual(['PorNotificationsMarkedRead']);
    const afterOne = await inbox();
    expect(afterOne.body.unread).toBe(unreadBefore - 1);
    expect((afterOne.body.items as Body[]).map((n) => n.read)).toEqual(items.map((_, i) => i === 1));
    expect(((await inbox('unread=false')).body.items as Body[]).map((n) => n.notificationId)).toEqual([
      items[1].notificationId,
    ]);

    // Any active user of the partner may mark: Igor (supported-companies access, no company role).
    const igor = await mintToken({ act: actors.partnerUser('contoso', 'igor'), sub: 'admin-center' });
    await w.command('/partners/contoso/por-notifications/read', igor, { all: true });
    expect((await inbox('unread=true')).body).toMatchObject({ items: [], unread: 0, nextCursor: null });
    expect((await w.read('/partners/contoso/overview', t.jana)).body).toMatchObject({
      unreadPorNotifications: 0,
    });

    const invalid = await call(app, 'POST', '/partners/contoso/por-notifications/read', {
      token: t.jana,
      body: {},
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject(problem('invalid-mark-read'));
  });

  // Regression: the overview counted an invitation open until the scheduler recorded its expiry,
  // while the domain refuses it from the instant it expires.
  it('the overview counts an invitation past its expiry as closed before any scheduler tick', async () => {
    const counts = async () =>
      ((await w.read<Body>('/partners/contoso/overview', t.jana)).body.trialInvites as Body) ?? {};
    const before = await counts();
    await w.command('/partners/contoso/trial-invites', t.jana, {
      inviteId: 'inv-lapsing',
      offerId: 'office-business-basic',
      expiresAt: new Date(clock.now().getTime() + 86_400_000).toISOString(),
    });
    expect(await counts()).toMatchObject({ open: Number(before.open) + 1, closed: before.closed });
    clock.advance({ days: 2 });
    expect(await counts()).toMatchObject({ open: before.open, closed: Number(before.closed) + 1 });
  });

  // Regression (review): each request for re-verification replaced the list before it, and a
  // rejection cleared it. Null while the profile was never verified and whenever none is pending.
  it("the overview's reverifyFields follow a verification, two changes, a rejection and a third change", async () => {
    const shown = async () => {
      const res = await w.read<Body>('/partners/contoso/overview', t.jana);
      expect(res.status).toBe(200);
      return [res.body.verification, res.body.reverifyFields];
    };
    const change = (changes: Body) => w.command('/partners/contoso/profile', t.jana, changes);
    await change({ legalName: 'Contoso a.s.' });
    expect(await shown()).toEqual(['pending', null]);
    await w.command('/partners/contoso/profile/verify', t.platform);
    expect(await shown()).toEqual(['verified', null]);
    await change({ legalName: 'Contoso Group a.s.' });
    await change({ address: { country: 'CZ' } });
    expect(await shown()).toEqual(['pending', ['legalName', 'address']]);
    await w.command('/partners/contoso/profile/reject', t.platform, { reason: 'Registry mismatch' });
    expect(await shown()).toEqual(['rejected', null]);
    await change({ legalName: 'Contoso Holding a.s.' });
    expect(await shown()).toEqual(['pending', ['legalName', 'address']]);
  });

  it('shows projection status to platform and auditors only, and /ready includes them', async () => {
    expect((await call(app, 'GET', '/projections', { token: t.jana })).status).toBe(403);
    const status = await call<Body>(app, 'GET', '/projections', { token: auditor });
    expect(status.status).toBe(200);
    expect(status.body.inProcess).toBe(true);
    expect(status.body.thread).toBe(thread.PROJECTIONS_THREAD ?? 'main');
    expect((status.body.projections as Body[]).map((p) => [p.name, p.state, p.ownedHere])).toEqual([
      ['partner_overview', 'running', true],
      ['client_list', 'running', true],
      ['por_inbox', 'running', true],
      ['activity_log', 'running', true],
    ]);
    const ready = await call<Body>(app, 'GET', '/ready');
    expect(ready.status).toBe(200);
    expect(JSON.stringify(ready.body)).toContain('por_inbox');
    const metrics = await call(app, 'GET', '/metrics');
    expect(metrics.text).toContain('pc_projection_lag_events{projection="client_list"}');
  });

  it('a rebuild replays the log beside the live tables and swaps in the same rows', async () => {
    const runtime = app.get(ReadModelRuntime);
    expect((await call(app, 'POST', '/projections/client_list/rebuild', { token: t.jana })).status).toBe(403);
    expect((await call(app, 'POST', '/projections/nope/rebuild', { token: t.platform })).status).toBe(404);
    for (const projection of [partnerOverviewProjection, clientListProjection, porInboxProjection]) {
      const generation = async () => {
        const res = await call<{ projections: Body[] }>(app, 'GET', '/projections', { token: t.platform });
        const own = res.body.projections.find((p) => p.name === projection.name);
        return own?.rebuild === null && own.state === 'running' ? Number(own.generation) : null;
      };
      const before = await generation();
      const live = await runtime.store.dumpTables(projection);
      const res = await call(app, 'POST', `/projections/${projection.name}/rebuild`, { token: t.platform });
      expect(res.status).toBe(202);
      await eventually(
        `${projection.name} rebuilt and swapped in`,
        async () => ((await generation()) ?? 0) > (before ?? 0),
      );
      expect(await runtime.store.dumpTables(projection)).toEqual(live);
    }
    // Still serving, from the new generation.
    expect(names(await w.read<Body>('/partners/contoso/clients?search=alp&match=prefix', t.jana))).toEqual([
      'Alpha Foods',
    ]);
  });
});
