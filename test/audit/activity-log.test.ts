import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventStore, RecordedEvent } from '@pc/event-store';
import { concernsPartner } from '@pc/audit';
import { EVENT_STORE } from '../../apps/api/src/platform';
import type { ActivityEntryView, ActivityPageView } from '../../apps/api/src/audit/activity/activity.views';
import { newCustomer, ReadWorld } from '../read-models/world';
import {
  codeOf,
  customerToken,
  mintTokens,
  startAcquisitionApp,
  type Tokens,
} from '../scheduler/support/acquisition-world';
import { backends } from '../support/backends';
import { call, type TestResponse, problem } from '../support/http';
import { actors, mintToken } from '../support/tokens';

describe.each(backends)('activity log over HTTP ($name)', (backend) => {
  let app: NestFastifyApplication;
  let tearDown: () => Promise<void>;
  let t: Tokens;
  let auditor: string;
  let lena: string;
  let alphaAdmin: string;
  const w = new ReadWorld(() => app);
  /** Every command this suite sent, by a name, with its response. */
  const sent: Record<string, TestResponse> = {};
  let log: RecordedEvent[];

  const command = async (name: string, url: string, token: string, body: unknown = {}) => {
    sent[name] = await w.command(url, token, body);
    return sent[name];
  };
  const activity = (query = '', token = auditor) =>
    w.read<ActivityPageView>(`/audit/activity${query ? `?${query}` : ''}`, token);
  const entriesOf = (name: string, entries: ActivityEntryView[]) =>
    entries.filter((entry) => entry.commandId === sent[name].body.commandId);

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    ({ app } = await startAcquisitionApp(setup.env));
    t = await mintTokens();
    auditor = await mintToken({ act: actors.platform('auditor-1'), scope: 'audit', sub: 'audit-portal' });
    lena = await mintToken({ act: actors.partnerUser('contoso', 'lena'), sub: 'admin-center' });

    for (const [partnerId, adminId] of [
      ['contoso', 'jana'],
      ['fabrikam', 'eve'],
    ]) {
      await command(`register-${partnerId}`, '/partners', t.platform, {
        partnerId,
        profile: {
          legalName: `${partnerId} s.r.o.`,
          address: { line1: 'Hlavná 1', city: 'Bratislava', postalCode: '811 01', country: 'SK' },
          phone: '+421 2 1234 5678',
          email: `office@${partnerId}.example`,
        },
        firstUser: { userId: adminId, email: `${adminId}@${partnerId}.example`, displayName: adminId },
      });
    }
    await command('advisor', '/partners/contoso/authorizations/grant', t.platform, {
      authorization: 'advisor',
    });
    await command('certify', '/partners/contoso/authorizations/grant', t.platform, {
      authorization: 'delegated-admin-certified',
    });
    await command('phone', '/partners/contoso/profile', t.jana, { phone: '+421 900 111 222' });
    await command('lena', '/partners/contoso/users', t.jana, {
      userId: 'lena',
      email: 'lena@contoso.example',
      displayName: 'Lena',
    });
    await command('lena-role', '/partners/contoso/users/lena/roles/assign', t.jana, {
      scope: 'customers',
      role: 'limited',
    });
    const invite = await command('invite', '/partners/contoso/trial-invites', t.jana, {
      inviteId: 'inv-1',
      offerId: 'office-business-basic',
    });
    const redeemed = await command('redeem', `/invitations/${codeOf(invite.body.url)}/redeem`, t.signup, {
      customerId: 'alpha',
      newCustomer: newCustomer('Alpha Foods', 'alpha.example'),
    });
    alphaAdmin = await customerToken('alpha', (redeemed.body.ids as Record<string, string>).userId);
    await command('bob', '/customers/alpha/users', alphaAdmin, {
      userId: 'bob',
      email: 'bob@alpha.example',
      displayName: 'Bob',
    });
    await command('offer', '/customers/alpha/delegations', t.jana, { delegationId: 'd1', access: 'full' });
    await command('accept', '/customers/alpha/delegations/d1/accept', alphaAdmin);
    // A partner user acting in the customer's records, by delegated administration.
    await command('reset', '/customers/alpha/users/bob/reset-password', lena);
    // Another partner's delegated admin: fabrikam's eve suspends the trial alpha took from contoso.
    await command('certify-fabrikam', '/partners/fabrikam/authorizations/grant', t.platform, {
      authorization: 'delegated-admin-certified',
    });
    await command('eve-role', '/partners/fabrikam/users/eve/roles/assign', t.eve, {
      scope: 'customers',
      role: 'full',
    });
    await command('offer-fabrikam', '/customers/alpha/delegations', t.eve, {
      delegationId: 'd2',
      access: 'full',
    });
    await command('accept-fabrikam', '/customers/alpha/delegations/d2/accept', alphaAdmin);
    const trialId = (redeemed.body.ids as Record<string, string>).subscriptionId;
    await command('suspend', `/customers/alpha/subscriptions/${trialId}/suspend`, t.eve);
    log = await app.get<EventStore>(EVENT_STORE).readAll({ maxCount: 1000 });
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  it('holds every event of the log once, newest first, with its command', async () => {
    const page = await activity('limit=200');
    expect(page.status).toBe(200);
    expect(page.body.nextCursor).toBeNull();
    expect(page.body.items.map((entry) => entry.eventId)).toEqual(log.map((event) => event.id).reverse());
    // Every command's events, and nothing else, carry its command id.
    for (const name of Object.keys(sent)) {
      expect({
        name,
        events: entriesOf(name, page.body.items)
          .map((e) => e.eventType)
          .reverse(),
      }).toEqual({
        name,
        events: expect.arrayContaining(sent[name].body.events as string[]),
      });
    }
  });

  it('a platform command: the operator, the calling service, in its own name', async () => {
    const [entry] = entriesOf('certify', (await activity('limit=200')).body.items);
    expect(entry).toEqual({
      position: sent.certify.body.position,
      eventId: expect.any(String),
      eventType: 'AuthorizationGranted',
      commandType: 'GrantAuthorization',
      commandId: sent.certify.body.commandId,
      correlationId: expect.any(String),
      causationId: expect.any(String),
      actor: { kind: 'platform', id: 'ops' },
      service: 'onboarding-service',
      onBehalfOf: null,
      partnerId: 'contoso',
      otherPartnerId: null,
      customerId: null,
      resource: { type: 'partner', id: 'contoso' },
      streamName: 'partner-contoso',
      revision: expect.any(Number),
      changes: null,
      occurredAt: '2026-01-05T09:00:00.000Z',
      recordedAt: expect.any(String),
    });
  });

  it('a partner user command: on behalf of its partner, old → new values', async () => {
    const items = (await activity('limit=200')).body.items;
    expect(entriesOf('phone', items)).toEqual([
      expect.objectContaining({
        eventType: 'CompanyProfileUpdated',
        commandType: 'UpdateCompanyProfile',
        actor: { kind: 'partner-user', id: 'jana', partnerId: 'contoso' },
        service: 'admin-center',
        onBehalfOf: { kind: 'partner', id: 'contoso' },
        changes: { phone: { from: '+421 2 1234 5678', to: '+421 900 111 222' } },
      }),
    ]);
    expect(entriesOf('lena-role', items)).toEqual([
      expect.objectContaining({
        eventType: 'AdminRoleAssigned',
        changes: { role: { from: null, to: 'limited' } },
      }),
    ]);
  });

  it("a delegated partner user in a customer's records: on behalf of the customer", async () => {
    const items = (await activity('limit=200')).body.items;
    expect(entriesOf('reset', items)).toEqual([
      expect.objectContaining({
        eventType: 'CustomerUserPasswordReset',
        commandType: 'ResetCustomerUserPassword',
        actor: { kind: 'partner-user', id: 'lena', partnerId: 'contoso' },
        onBehalfOf: { kind: 'customer', id: 'alpha' },
        partnerId: 'contoso',
        customerId: 'alpha',
        resource: { type: 'customer', id: 'alpha' },
      }),
    ]);
    expect(entriesOf('accept', items)).toEqual([
      expect.objectContaining({
        eventType: 'DelegationAccepted',
        actor: expect.objectContaining({ kind: 'customer-user', customerId: 'alpha' }),
        service: 'customer-portal',
        onBehalfOf: { kind: 'customer', id: 'alpha' },
      }),
    ]);
    // A multi-stream command: the domain claim and the customer, each event its own resource.
    const resources = entriesOf('redeem', items).map((entry) => entry.resource.type);
    expect(resources).toEqual(expect.arrayContaining(['customer', 'customer-domain-claim']));
  });

  it('filters by partner, customer, actor, operation and time range', async () => {
    const types = async (query: string) =>
      (await activity(query)).body.items.map((entry) => entry.eventType).reverse();
    const fabrikam = (await activity('partnerId=fabrikam')).body.items;
    expect(fabrikam.length).toBeGreaterThan(0);
    expect(fabrikam.every((entry) => entry.partnerId === 'fabrikam')).toBe(true);
    expect(await types('actorId=lena')).toEqual(['CustomerUserPasswordReset']);
    expect(await types('operation=UpdateCompanyProfile')).toEqual(['CompanyProfileUpdated']);
    expect(await types('operation=DelegationOffered')).toEqual(['DelegationOffered', 'DelegationOffered']);
    const alpha = (await activity('customerId=alpha&limit=200')).body.items;
    expect(alpha.map((entry) => entry.eventType)).toEqual(
      expect.arrayContaining(['CustomerCreated', 'CustomerUserCreated', 'DelegationAccepted']),
    );
    expect(await types('from=2026-01-05&to=2026-01-06&actorId=jana&operation=UpdateCompanyProfile')).toEqual([
      'CompanyProfileUpdated',
    ]);
    expect((await activity('from=2026-01-06T00:00:00Z')).body.items).toEqual([]);
    expect((await activity('to=2026-01-05T09:00:00Z')).body.items).toEqual([]);
  });

  // Regression (review): an entry was filed under the acting partner only, so the partner that sold the
  // subscription did not see another partner's delegated admin change it, though the audit log's
  // partner filter (concernsPartner) counts the event as its.
  it("another partner's delegated admin: in both partners' activity, as in the audit log's partner filter", async () => {
    expect(entriesOf('suspend', (await activity('limit=200')).body.items)).toEqual([
      expect.objectContaining({
        eventType: 'SubscriptionSuspended',
        actor: { kind: 'partner-user', id: 'eve', partnerId: 'fabrikam' },
        partnerId: 'fabrikam',
        otherPartnerId: 'contoso',
        customerId: 'alpha',
      }),
    ]);
    for (const partnerId of ['contoso', 'fabrikam']) {
      const filed = (await activity(`partnerId=${partnerId}&limit=200`)).body.items;
      expect(entriesOf('suspend', filed)).toHaveLength(1);
      // Exactly the events the audit log's filter gives for the partner, newest first.
      const audited = log.filter((event) => concernsPartner(event, partnerId)).reverse();
      expect(filed.map((entry) => entry.eventId)).toEqual(audited.map((event) => event.id));
      // Paged one at a time, the two indexes' branches still give each entry once, in order.
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page: ActivityPageView = (
          await activity(`partnerId=${partnerId}&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
        ).body;
        paged.push(...page.items.map((entry) => entry.eventId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(paged).toEqual(audited.map((event) => event.id));
    }
    // With another filter too: each branch applies every condition before its limit.
    const suspensions = await activity('partnerId=contoso&operation=SuspendSubscription&limit=1');
    expect(suspensions.body.items.map((entry) => entry.eventType)).toEqual(['SubscriptionSuspended']);
  });

  it('pages newest first with keyset cursors, and refuses what it never handed out', async () => {
    const all = (await activity('partnerId=contoso&limit=200')).body.items.map((entry) => entry.position);
    const paged: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const page: TestResponse<ActivityPageView> = await activity(
        `partnerId=contoso&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      paged.push(...page.body.items.map((entry) => entry.position));
      cursor = page.body.nextCursor;
      if (cursor === null) break;
    }
    expect(paged).toEqual(all);
    expect([...all].sort().reverse()).toEqual(all);
    expect((await activity('cursor=nonsense')).body).toMatchObject(problem('invalid-cursor'));
    // 20260101, 2026-W05 and impossible dates passed IsISO8601 and then broke the bound (500).
    for (const bad of [
      'limit=0',
      'limit=201',
      'from=yesterday',
      'from=20260101',
      'to=2026-W05',
      'from=2026-02-31',
      'to=2026-01-01T24:00:00Z',
      'partnerId=%20x',
      'bogus=1',
    ]) {
      expect({ bad, status: (await activity(bad)).status }).toEqual({ bad, status: 400 });
    }
  });

  it('needs the audit or platform scope across tenants', async () => {
    expect((await activity('', t.jana)).status).toBe(403);
    expect((await activity('', t.platform)).status).toBe(200);
    expect((await call(app, 'GET', '/audit/activity')).status).toBe(401);
  });

  it("listPartnerActivity: a partner user sees its own partner's activity, other tenants get 404", async () => {
    const own = await w.read<ActivityPageView>('/partners/contoso/activity?limit=200', t.jana);
    expect(own.status).toBe(200);
    expect(own.body.items.length).toBeGreaterThan(5);
    expect(
      own.body.items.every((entry) => entry.partnerId === 'contoso' || entry.otherPartnerId === 'contoso'),
    ).toBe(true);
    expect(own.body.items.map((entry) => entry.eventType)).toContain('SubscriptionSuspended');
    expect(own.body.items.map((entry) => entry.commandType)).toEqual(
      expect.arrayContaining(['RegisterPartner', 'ResetCustomerUserPassword', 'UpdateCompanyProfile']),
    );
    const filtered = await w.read<ActivityPageView>('/partners/contoso/activity?actorId=lena', t.jana);
    expect(filtered.body.items.map((entry) => entry.eventType)).toEqual(['CustomerUserPasswordReset']);

    const other = await w.read('/partners/contoso/activity', t.eve);
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject(problem('partner-not-found'));
    expect((await w.read('/partners/contoso/activity', alphaAdmin)).status).toBe(404);
    expect((await w.read('/partners/contoso/activity', auditor)).status).toBe(200);
    expect((await w.read('/partners/contoso/activity?partnerId=fabrikam', t.jana)).status).toBe(400);
  });

  it('documents listActivity and listPartnerActivity', async () => {
    const doc = (await call(app, 'GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    expect(doc.paths['/audit/activity'].get.operationId).toBe('listActivity');
    expect(doc.paths['/partners/{partnerId}/activity'].get.operationId).toBe('listPartnerActivity');
  });
});
