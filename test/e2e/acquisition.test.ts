import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { addMonths } from '@pc/domain';
import type { EventStore } from '@pc/event-store';
import { EVENT_STORE, type ManualClock } from '../../apps/api/src/platform';
import type { SchedulerService } from '../../apps/api/src/scheduler/scheduler.service';
import { backends } from '../support/backends';
import { call, problem } from '../support/http';
import {
  PUBLIC_BASE_URL,
  type Tokens,
  codeOf,
  customerToken,
  http,
  mintTokens,
  registerPartner,
  startAcquisitionApp,
  streamEvents,
} from '../scheduler/support/acquisition-world';

const newCustomer = (name: string, domain: string) => ({
  companyName: `${name} s.r.o.`,
  primaryDomain: domain,
  country: 'SK',
  adminContact: { name: `${name} Admin`, email: `admin@${domain}` },
});

const OPERATION_IDS = [
  'createTrialInvite',
  'revokeTrialInvite',
  'getTrialInvite',
  'resolveInvitationCode',
  'redeemTrialInvite',
  'createPurchaseOffer',
  'withdrawPurchaseOffer',
  'getPurchaseOffer',
  'acceptPurchaseOffer',
  'createCustomerUser',
  'deactivateCustomerUser',
  'changeLicenseCount',
  'convertTrial',
  'renewSubscription',
  'cancelSubscription',
  'suspendSubscription',
  'reactivateSubscription',
  'getCustomer',
  'getSubscription',
];

describe.each(backends)('customer acquisition over HTTP ($name)', (backend) => {
  let app: NestFastifyApplication;
  let clock: ManualClock;
  let scheduler: SchedulerService;
  let tearDown: () => Promise<void>;
  let t: Tokens;
  const api = http(() => app);

  // Filled in as the story unfolds.
  let inviteUrl = '';
  let offerUrl = '';
  const alpha = { userId: '', subscriptionId: '', token: '' };
  const beta = { userId: '', subscriptionId: '', token: '' };

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    ({ app, clock, scheduler } = await startAcquisitionApp(setup.env));
    t = await mintTokens();
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  it('documents every operation under its operationId, with the URL in the create answers', async () => {
    const res = await call(app, 'GET', '/openapi.json');
    const doc = res.body as {
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
    };
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    const ids = operations.map((operation) => operation.operationId);
    expect(ids).toEqual(expect.arrayContaining(OPERATION_IDS));
    const create = operations.find((operation) => operation.operationId === 'createTrialInvite');
    expect(JSON.stringify(create?.responses['201'])).toContain('InvitationCreatedDto');
  });

  it('platform registers an advisor partner certified for delegated administration', async () => {
    await registerPartner(api, t.platform, 'contoso', 'jana', ['advisor', 'delegated-admin-certified']);
    await registerPartner(api, t.platform, 'fabrikam', 'eve', ['advisor']);
  });

  it('the advisor creates a trial invite and gets its URL (a retry answers the same URL)', async () => {
    const body = {
      inviteId: 'inv-1',
      offerId: 'office-business-basic',
      includeDelegatedAdmin: true,
      delegation: { access: 'limited' },
      expiresAt: '2026-02-01',
    };
    const created = await api.post('/partners/contoso/trial-invites', t.jana, body, {
      'Idempotency-Key': 'inv-1',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ids: { inviteId: 'inv-1' },
      events: ['InvitationCodeClaimed', 'TrialInviteCreated'],
    });
    inviteUrl = String(created.body.url);
    // ≥128 random bits, base64url: 22 characters.
    expect(inviteUrl).toMatch(new RegExp(`^${PUBLIC_BASE_URL}/invitations/[A-Za-z0-9_-]{22}$`));

    const retried = await api.post('/partners/contoso/trial-invites', t.jana, body, {
      'Idempotency-Key': 'inv-1',
    });
    expect(retried.body).toMatchObject({ url: inviteUrl, replayed: false, ids: { inviteId: 'inv-1' } });

    const view = await api.get('/partners/contoso/trial-invites/inv-1', t.jana);
    expect(view.status).toBe(200);
    expect(view.headers.etag).toBe('"0"');
    expect(view.body).toMatchObject({
      inviteId: 'inv-1',
      partnerId: 'contoso',
      url: inviteUrl,
      offer: { offerId: 'office-business-basic', name: 'Office Business Basic', licenses: 25, trialDays: 30 },
      includeDelegatedAdmin: true,
      delegatedAdmin: { access: 'limited', durationDays: 730, autoExtend: false },
      expiresAt: '2026-02-01T00:00:00.000Z',
      state: 'open',
    });

    // An expiry the calendar does not have is a 400 naming it (the shape alone used to pass).
    const impossible = await api.post('/partners/contoso/trial-invites', t.jana, {
      ...body,
      inviteId: 'inv-bad-date',
      expiresAt: '2026-02-31T99:99:99Z',
    });
    expect(impossible.status).toBe(400);
    expect(impossible.body).toMatchObject({ errors: [{ field: 'expiresAt' }] });
  });

  it('the code resolves to the invitation; an unknown code is 404', async () => {
    const resolved = await api.get(`/invitations/${codeOf(inviteUrl)}`, t.signup);
    expect(resolved.status).toBe(200);
    expect(resolved.body).toEqual({
      kind: 'trial-invite',
      id: 'inv-1',
      partnerId: 'contoso',
      partnerName: 'contoso s.r.o.',
      url: inviteUrl,
      offers: [
        {
          offerId: 'office-business-basic',
          name: 'Office Business Basic',
          licenses: 25,
          minLicenses: 1,
          maxLicenses: 300,
          trialDays: 30,
        },
      ],
      includeDelegatedAdmin: true,
      delegatedAdmin: { access: 'limited', durationDays: 730, autoExtend: false },
      expiresAt: '2026-02-01T00:00:00.000Z',
      state: 'open',
    });
    for (const code of ['AAAAAAAAAAAAAAAAAAAAAA', 'short', 'not%20base64url%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F']) {
      const unknown = await api.get(`/invitations/${code}`, t.signup);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject(problem('invitation-not-found'));
    }
    expect((await api.post('/invitations/AAAAAAAAAAAAAAAAAAAAAA/redeem', t.signup, {})).status).toBe(404);
  });

  it('two new customers sign up through the SAME URL; a third with a taken domain is refused', async () => {
    const redeem = (body: object) => api.post(`/invitations/${codeOf(inviteUrl)}/redeem`, t.signup, body);

    const noChoice = await redeem({
      customerId: 'alpha',
      newCustomer: newCustomer('Alpha', 'alpha.example'),
    });
    expect(noChoice.status).toBe(422);
    expect(noChoice.body).toMatchObject(problem('delegated-admin-choice-required'));

    const first = await redeem({
      customerId: 'alpha',
      newCustomer: newCustomer('Alpha', 'alpha.example'),
      acceptDelegatedAdmin: true,
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      ids: { customerId: 'alpha' },
      events: [
        'CustomerDomainClaimed',
        'CustomerCreated',
        'CustomerUserCreated',
        'CustomerAdvisorAdded',
        'TrialStarted',
        'DelegatedAdminAcceptedAtRedemption',
      ],
    });
    const alphaIds = first.body.ids as Record<string, string>;
    Object.assign(alpha, { userId: alphaIds.userId, subscriptionId: alphaIds.subscriptionId });
    alpha.token = await customerToken('alpha', alpha.userId);

    // An hour later, so the two trials' schedules differ.
    clock.advance({ hours: 1 });
    const second = await redeem({
      customerId: 'beta',
      newCustomer: newCustomer('Beta', 'beta.example'),
      acceptDelegatedAdmin: false,
    });
    expect(second.status).toBe(201);
    expect(second.body.events).toContain('DelegatedAdminDeclinedAtRedemption');
    const betaIds = second.body.ids as Record<string, string>;
    Object.assign(beta, { userId: betaIds.userId, subscriptionId: betaIds.subscriptionId });
    beta.token = await customerToken('beta', beta.userId);

    const taken = await redeem({
      customerId: 'gamma',
      newCustomer: newCustomer('Gamma', 'ALPHA.example'),
      acceptDelegatedAdmin: false,
    });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ ...problem('domain-taken'), domain: 'alpha.example' });

    // Only the platform's sign-up flow signs new customers up.
    const byPartner = await api.post(`/invitations/${codeOf(inviteUrl)}/redeem`, t.jana, {
      newCustomer: newCustomer('Delta', 'delta.example'),
      acceptDelegatedAdmin: false,
    });
    expect(byPartner.status).toBe(403);
  });

  it('the customer, its advisor and the platform see the customer; other tenants get 404', async () => {
    const own = await api.get('/customers/alpha', alpha.token);
    expect(own.status).toBe(200);
    expect(own.headers.etag).toBe(`"${own.body.revision}"`);
    expect(own.body).toMatchObject({
      customerId: 'alpha',
      companyName: 'Alpha s.r.o.',
      primaryDomain: 'alpha.example',
      advisors: ['contoso'],
      partnerOfRecord: null,
      users: [{ userId: alpha.userId, role: 'global-admin', active: true }],
      subscriptions: [
        {
          subscriptionId: alpha.subscriptionId,
          offerId: 'office-business-basic',
          kind: 'trial',
          status: 'active',
          licenses: 25,
          startedAt: '2026-01-05T09:00:00.000Z',
          endsAt: '2026-02-04T09:00:00.000Z',
          partnerId: 'contoso',
          noticesSent: [],
        },
      ],
    });
    expect((await api.get('/customers/alpha', t.jana)).status).toBe(200);
    expect((await api.get('/customers/alpha', t.platform)).status).toBe(200);
    for (const outsider of [t.eve, beta.token]) {
      const hidden = await api.get('/customers/alpha', outsider);
      expect(hidden.status).toBe(404);
      expect(hidden.body).toMatchObject(problem('customer-not-found'));
    }
    expect((await api.get('/customers/nobody', t.platform)).status).toBe(404);
    const sub = await api.get(`/customers/alpha/subscriptions/${alpha.subscriptionId}`, alpha.token);
    expect(sub.status).toBe(200);
    expect(sub.headers.etag).toBe(`"${own.body.revision}"`);
    expect((await api.get('/customers/alpha/subscriptions/nope', alpha.token)).status).toBe(404);
  });

  it('the first customer converts through a purchase offer accepted with a changed license count', async () => {
    const created = await api.post('/partners/contoso/purchase-offers', t.jana, {
      purchaseOfferId: 'po-1',
      lines: [{ offerId: 'office-business-basic', licenses: 10 }],
      expiresAt: '2026-01-25',
    });
    expect(created.status).toBe(201);
    offerUrl = String(created.body.url);
    expect(offerUrl).toMatch(new RegExp(`^${PUBLIC_BASE_URL}/invitations/[A-Za-z0-9_-]{22}$`));
    expect(codeOf(offerUrl)).not.toBe(codeOf(inviteUrl));

    const view = await api.get('/partners/contoso/purchase-offers/po-1', t.jana);
    expect(view.headers.etag).toBe('"0"');
    expect(view.body).toMatchObject({
      purchaseOfferId: 'po-1',
      url: offerUrl,
      offers: [{ offerId: 'office-business-basic', licenses: 10, minLicenses: 1, maxLicenses: 300 }],
      includeDelegatedAdmin: false,
      state: 'open',
    });
    expect((await api.get(`/invitations/${codeOf(offerUrl)}`, alpha.token)).body).toMatchObject({
      kind: 'purchase-offer',
      id: 'po-1',
    });

    const accept = (licenses: number) =>
      api.post(`/invitations/${codeOf(offerUrl)}/accept`, alpha.token, {
        licenses: [{ offerId: 'office-business-basic', licenses }],
      });
    const tooMany = await accept(500);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({
      ...problem('licenses-out-of-bounds'),
      licenses: 500,
      min: 1,
      max: 300,
    });

    const bought = await accept(40);
    expect(bought.status).toBe(201);
    expect(bought.body.events).toEqual(['PartnerOfRecordChanged', 'TrialConverted']);
    expect(bought.body.ids).toMatchObject({
      customerId: 'alpha',
      'subscriptionId:office-business-basic': alpha.subscriptionId,
    });

    const sub = await api.get(`/customers/alpha/subscriptions/${alpha.subscriptionId}`, alpha.token);
    expect(sub.body).toMatchObject({
      kind: 'paid',
      status: 'active',
      licenses: 40,
      endsAt: '2027-01-05T10:00:00.000Z',
    });
    expect((await api.get('/customers/alpha', t.jana)).body).toMatchObject({ partnerOfRecord: 'contoso' });

    // Each code goes with its own route.
    const wrongRoute = await api.post(`/invitations/${codeOf(inviteUrl)}/accept`, alpha.token, {});
    expect(wrongRoute.status).toBe(422);
    expect(wrongRoute.body).toMatchObject({ ...problem('invitation-kind-mismatch'), kind: 'trial-invite' });
    expect((await api.post(`/invitations/${codeOf(offerUrl)}/redeem`, alpha.token, {})).status).toBe(422);
  });

  it('a revoked invite can no longer be redeemed', async () => {
    const created = await api.post('/partners/contoso/trial-invites', t.jana, {
      inviteId: 'inv-2',
      offerId: 'office-business-standard',
    });
    expect(created.status).toBe(201);
    const code = codeOf(created.body.url);
    expect((await api.post('/partners/contoso/trial-invites/inv-2/revoke', t.jana)).status).toBe(201);
    const again = await api.post('/partners/contoso/trial-invites/inv-2/revoke', t.jana);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ events: [] });
    expect((await api.get('/partners/contoso/trial-invites/inv-2', t.jana)).body).toMatchObject({
      state: 'revoked',
    });
    expect((await api.get(`/invitations/${code}`, t.signup)).body).toMatchObject({ state: 'revoked' });

    const refused = await api.post(`/invitations/${code}/redeem`, alpha.token, {});
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject(problem('invite-revoked'));
  });

  it('customer users: created by the global admin, e-mails unique, the last admin stays', async () => {
    const created = await api.post('/customers/alpha/users', alpha.token, {
      userId: 'bob',
      email: 'bob@alpha.example',
      displayName: 'Bob',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ids: { userId: 'bob' }, events: ['CustomerUserCreated'] });
    const dup = await api.post('/customers/alpha/users', alpha.token, {
      email: 'BOB@alpha.example',
      displayName: 'B2',
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ ...problem('email-already-used'), userId: 'bob' });

    const bob = await customerToken('alpha', 'bob');
    const byPlainUser = await api.post('/customers/alpha/users', bob, {
      email: 'x@alpha.example',
      displayName: 'X',
    });
    expect(byPlainUser.status).toBe(403);
    expect(byPlainUser.body).toMatchObject(problem('access-denied'));
    const bad = await api.post('/customers/alpha/users', alpha.token, { email: 'nope', displayName: '' });
    expect(bad.status).toBe(400);

    expect((await api.post('/customers/alpha/users/bob/deactivate', alpha.token)).status).toBe(201);
    const last = await api.post(`/customers/alpha/users/${alpha.userId}/deactivate`, alpha.token);
    expect(last.status).toBe(422);
    expect(last.body).toMatchObject(problem('last-global-admin'));
  });

  it('suspend and reactivate; a platform suspension is lifted only by the platform', async () => {
    const sub = `/customers/alpha/subscriptions/${alpha.subscriptionId}`;
    expect((await api.post(`${sub}/suspend`, alpha.token, { reason: 'Seasonal pause' })).status).toBe(201);
    const whileSuspended = await api.post(`${sub}/license-count`, alpha.token, { licenses: 45 });
    expect(whileSuspended.status).toBe(422);
    expect(whileSuspended.body).toMatchObject(problem('subscription-suspended'));
    expect((await api.post(`${sub}/reactivate`, alpha.token)).status).toBe(201);

    expect((await api.post(`${sub}/suspend`, t.platform, { reason: 'Non-payment' })).status).toBe(201);
    expect((await api.get(sub, alpha.token)).body).toMatchObject({
      status: 'suspended',
      suspendedBy: 'platform',
    });
    const byCustomer = await api.post(`${sub}/reactivate`, alpha.token);
    expect(byCustomer.status).toBe(403);
    expect(byCustomer.body).toMatchObject(problem('suspended-by-platform'));
    expect((await api.post(`${sub}/reactivate`, t.platform)).status).toBe(201);
    expect((await api.post(`${sub}/reactivate`, t.platform)).status).toBe(200);
  });

  it('license count changes within the bounds; out of bounds is 422 naming them', async () => {
    const sub = `/customers/alpha/subscriptions/${alpha.subscriptionId}`;
    const changed = await api.post(`${sub}/license-count`, alpha.token, { licenses: 50 });
    expect(changed.status).toBe(201);
    expect(changed.body).toMatchObject({ events: ['LicenseCountChanged'] });
    const zero = await api.post(`${sub}/license-count`, alpha.token, { licenses: 0 });
    expect(zero.status).toBe(422);
    expect(zero.body).toMatchObject({ ...problem('licenses-out-of-bounds'), min: 1, max: 300 });
  });

  it('renewal extends the paid term by the catalog term', async () => {
    const sub = `/customers/alpha/subscriptions/${alpha.subscriptionId}`;
    const before = (await api.get(sub, alpha.token)).body.endsAt as string;
    const renewed = await api.post(`${sub}/renew`, alpha.token);
    expect(renewed.status).toBe(201);
    expect((await api.get(sub, alpha.token)).body).toMatchObject({ endsAt: addMonths(before, 12) });
    // A trial is converted, never renewed.
    const trial = await api.post(`/customers/beta/subscriptions/${beta.subscriptionId}/renew`, beta.token);
    expect(trial.status).toBe(422);
    expect(trial.body).toMatchObject(problem('trial-not-renewable'));
  });

  it('the scheduler: offer and invite expire, the other trial gets its 7- and 1-day notices once and expires', async () => {
    const customerEvents = async (customerId: string, type: string) =>
      (await streamEvents(app, `customer-${customerId}`)).filter((e) => e.type === type);

    // Nothing is due yet.
    clock.set('2026-01-20T00:00:00.000Z');
    expect((await scheduler.tick()).actions).toEqual([]);

    // The purchase offer (expiresAt 2026-01-25) expires; beta's 7-day notice is one millisecond away.
    clock.set('2026-01-28T09:59:59.999Z');
    const offerTick = await scheduler.tick();
    expect(offerTick.actions).toEqual([
      expect.objectContaining({ key: 'ExpirePurchaseOffer/po-1', outcome: 'applied' }),
    ]);
    expect((await api.get('/partners/contoso/purchase-offers/po-1', t.jana)).body).toMatchObject({
      state: 'expired',
    });
    expect(await customerEvents('beta', 'TrialExpiring')).toHaveLength(0);

    // 7 days before beta's end (started 10:00, 30 days): the notice, once even if ticked twice.
    clock.set('2026-01-28T10:00:00.000Z');
    const week = await scheduler.tick();
    expect(week.actions).toEqual([
      expect.objectContaining({ key: `MarkTrialExpiring/beta/${beta.subscriptionId}/7`, outcome: 'applied' }),
    ]);
    expect((await scheduler.tick()).actions).toEqual([]);
    const notices = await customerEvents('beta', 'TrialExpiring');
    expect(notices.map((e) => e.data.daysLeft)).toEqual([7]);
    expect(notices[0].metadata).toMatchObject({
      actor: { kind: 'platform', id: 'scheduler' },
      service: { kind: 'service', id: 'scheduler' },
      commandType: 'MarkTrialExpiring',
      commandId: week.actions[0].commandId,
      occurredAt: '2026-01-28T10:00:00.000Z',
    });

    // The trial invite (expiresAt 2026-02-01) expires; its URL stops working.
    clock.set('2026-02-01T00:00:00.000Z');
    expect((await scheduler.tick()).actions).toEqual([
      expect.objectContaining({ key: 'ExpireTrialInvite/inv-1', outcome: 'applied' }),
    ]);
    expect((await api.get('/partners/contoso/trial-invites/inv-1', t.jana)).body).toMatchObject({
      state: 'expired',
    });
    const late = await api.post(`/invitations/${codeOf(inviteUrl)}/redeem`, t.signup, {
      newCustomer: newCustomer('Late', 'late.example'),
      acceptDelegatedAdmin: false,
    });
    expect(late.status).toBe(422);
    expect(late.body).toMatchObject(problem('invite-expired'));

    // One day before the end, then the end itself.
    clock.set('2026-02-03T10:00:00.000Z');
    expect((await scheduler.tick()).actions).toHaveLength(1);
    expect((await scheduler.tick()).actions).toEqual([]);
    expect((await customerEvents('beta', 'TrialExpiring')).map((e) => e.data.daysLeft)).toEqual([7, 1]);

    clock.set('2026-02-04T10:00:00.000Z');
    expect((await scheduler.tick()).actions).toEqual([
      expect.objectContaining({ key: `ExpireTrial/beta/${beta.subscriptionId}`, outcome: 'applied' }),
    ]);
    expect((await scheduler.tick()).actions).toEqual([]);
    const ended = await api.get(`/customers/beta/subscriptions/${beta.subscriptionId}`, beta.token);
    expect(ended.body).toMatchObject({ kind: 'trial', status: 'expired', noticesSent: [7, 1] });

    // The converted trial got no notices and was not expired.
    expect(await customerEvents('alpha', 'TrialExpiring')).toHaveLength(0);
    expect(await customerEvents('alpha', 'TrialExpired')).toHaveLength(0);
  });

  it('ended subscriptions refuse every change (422)', async () => {
    const sub = `/customers/beta/subscriptions/${beta.subscriptionId}`;
    for (const [route, body] of [
      ['license-count', { licenses: 5 }],
      ['convert', { licenses: 5 }],
      ['renew', {}],
      ['cancel', {}],
      ['suspend', {}],
      ['reactivate', {}],
    ] as const) {
      const refused = await api.post(`${sub}/${route}`, beta.token, body);
      expect({ route, status: refused.status }).toEqual({ route, status: 422 });
      expect(refused.body).toMatchObject({ ...problem('subscription-ended'), status: 422 });
    }
  });

  it('cancel ends a paid subscription; it then refuses changes', async () => {
    const sub = `/customers/alpha/subscriptions/${alpha.subscriptionId}`;
    const cancelled = await api.post(`${sub}/cancel`, alpha.token);
    expect(cancelled.status).toBe(201);
    expect(cancelled.body).toMatchObject({ events: ['SubscriptionCancelled'] });
    expect((await api.get(sub, alpha.token)).body).toMatchObject({ status: 'cancelled' });
    const after = await api.post(`${sub}/license-count`, alpha.token, { licenses: 60 });
    expect(after.status).toBe(422);
    expect(after.body).toMatchObject(problem('subscription-ended'));
  });

  // Regression: ids were looked up with record[id], so "constructor" named an inherited member: the
  // cancel answered 201 and wrote an event without a subscription id, the reads answered 500.
  it('an id named after an inherited member is a 404 on reads and writes, and nothing is written', async () => {
    const head = () => app.get<EventStore>(EVENT_STORE).headPosition();
    const before = await head();
    for (const name of ['constructor', 'toString', '__proto__']) {
      const writes: [string, object][] = [
        [`/customers/alpha/subscriptions/${name}/cancel`, {}],
        [`/customers/alpha/subscriptions/${name}/suspend`, {}],
        [`/customers/alpha/users/${name}/deactivate`, {}],
        [`/customers/alpha/delegations/${name}/accept`, {}],
        [`/customers/alpha/service-requests/${name}/close`, {}],
      ];
      for (const [url, body] of writes) {
        const res = await api.post(url, alpha.token, body);
        expect({ url, status: res.status }).toEqual({ url, status: 404 });
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
      for (const url of [`/customers/alpha/subscriptions/${name}`, `/customers/alpha/delegations/${name}`]) {
        const res = await api.get(url, alpha.token);
        expect({ url, status: res.status }).toEqual({ url, status: 404 });
      }
    }
    expect(await head()).toBe(before);
  });

  it('every new route answers 404 across tenants', async () => {
    const fabInvite = await api.post('/partners/fabrikam/trial-invites', t.eve, {
      inviteId: 'fab-inv',
      offerId: 'office-business-basic',
    });
    expect(fabInvite.status).toBe(201);

    const partnerRoutes: Array<['GET' | 'POST', string, object?]> = [
      ['POST', '/partners/contoso/trial-invites', { offerId: 'office-business-basic' }],
      ['POST', '/partners/contoso/trial-invites/inv-1/revoke'],
      ['GET', '/partners/contoso/trial-invites/inv-1'],
      [
        'POST',
        '/partners/contoso/purchase-offers',
        { lines: [{ offerId: 'office-business-basic', licenses: 1 }] },
      ],
      ['POST', '/partners/contoso/purchase-offers/po-1/withdraw'],
      ['GET', '/partners/contoso/purchase-offers/po-1'],
    ];
    const sub = `/customers/alpha/subscriptions/${alpha.subscriptionId}`;
    const customerRoutes: Array<['GET' | 'POST', string, object?]> = [
      ['GET', '/customers/alpha'],
      ['POST', '/customers/alpha/users', { email: 'x@alpha.example', displayName: 'X' }],
      ['POST', '/customers/alpha/users/bob/deactivate'],
      ['GET', sub],
      ['POST', `${sub}/license-count`, { licenses: 5 }],
      ['POST', `${sub}/convert`, { licenses: 5 }],
      ['POST', `${sub}/renew`],
      ['POST', `${sub}/cancel`],
      ['POST', `${sub}/suspend`, {}],
      ['POST', `${sub}/reactivate`],
    ];
    const send = ([method, url, body]: ['GET' | 'POST', string, object?], token: string) =>
      method === 'GET' ? api.get(url, token) : api.post(url, token, body ?? {});

    for (const route of partnerRoutes) {
      for (const outsider of [t.eve, alpha.token]) {
        const res = await send(route, outsider);
        expect({ route: route[1], status: res.status }).toEqual({ route: route[1], status: 404 });
        expect(res.body).toMatchObject(problem('partner-not-found'));
      }
    }
    for (const route of customerRoutes) {
      for (const outsider of [t.eve, beta.token]) {
        const res = await send(route, outsider);
        expect({ route: route[1], status: res.status }).toEqual({ route: route[1], status: 404 });
        expect(res.body).toMatchObject(problem('customer-not-found'));
      }
    }
    // Another partner's invitation under one's own partner id is not found either.
    const foreign = await api.get('/partners/contoso/trial-invites/fab-inv', t.jana);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject(problem('trial-invite-not-found'));
    const foreignRevoke = await api.post('/partners/contoso/trial-invites/fab-inv/revoke', t.jana);
    expect(foreignRevoke.status).toBe(404);
  });
});
