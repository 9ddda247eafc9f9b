import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ManualClock } from '../../apps/api/src/platform';
import type { SchedulerService } from '../../apps/api/src/scheduler/scheduler.service';
import { backends } from '../support/backends';
import { actors, mintToken } from '../support/tokens';
import {
  type Http,
  type Tokens,
  codeOf,
  customerToken,
  http,
  mintTokens,
  registerPartner,
  startAcquisitionApp,
} from '../scheduler/support/acquisition-world';
import { problem } from '../support/http';

/**
 * Acting for a customer (issue 6): managing its subscriptions and its users needs a delegation in
 * force with `full` access, and every refusal names the condition that failed. A partner that offered
 * a delegation hears that condition (delegation-pending, delegation-expired) from the domain, the
 * same before and after the scheduler records the end; a partner with no relationship at all still
 * gets the 404 of a customer that does not exist. Reads of the customer need a current relationship.
 */
describe.each(backends)('acting for a customer: subscriptions and users ($name)', (backend) => {
  let app: NestFastifyApplication;
  let clock: ManualClock;
  let scheduler: SchedulerService;
  let tearDown: () => Promise<void>;
  let t: Tokens;
  let api: Http;
  /** nick: northwind's full administrator of customers (northwind is certified, not an advisor). */
  let nick = '';
  /** finn: fabrikam's full administrator of customers; fabrikam has nothing to do with alpha. */
  let finn = '';
  const alpha = { token: '', subscriptionId: '' };

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    ({ app, clock, scheduler } = await startAcquisitionApp(setup.env));
    api = http(() => app);
    t = await mintTokens();
    nick = await mintToken({ act: actors.partnerUser('northwind', 'nick'), sub: 'admin-center' });
    finn = await mintToken({ act: actors.partnerUser('fabrikam', 'finn'), sub: 'admin-center' });
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  /** Every acting-for-customer command of the finding, as `nick` or `finn` would send it. */
  const actions = (): { name: string; url: string; body: unknown }[] => [
    {
      name: 'changeLicenseCount',
      url: `/customers/alpha/subscriptions/${alpha.subscriptionId}/license-count`,
      body: { licenses: 7 },
    },
    {
      name: 'cancelSubscription',
      url: `/customers/alpha/subscriptions/${alpha.subscriptionId}/cancel`,
      body: {},
    },
    {
      name: 'suspendSubscription',
      url: `/customers/alpha/subscriptions/${alpha.subscriptionId}/suspend`,
      body: { reason: 'unpaid' },
    },
    {
      name: 'createCustomerUser',
      url: '/customers/alpha/users',
      body: { userId: 'dora', email: 'dora@alpha.example', displayName: 'Dora' },
    },
    { name: 'deactivateCustomerUser', url: '/customers/alpha/users/bob/deactivate', body: {} },
  ];

  /** Each action's status and refusal code, by action name. */
  async function outcomes(token: string): Promise<Record<string, [number, unknown]>> {
    const seen: Record<string, [number, unknown]> = {};
    for (const { name, url, body } of actions()) {
      const res = await api.post(url, token, body);
      seen[name] = [res.status, String(res.body?.type ?? '').split('/errors/')[1]];
    }
    return seen;
  }
  const every = (status: number, code: string) =>
    Object.fromEntries(actions().map(({ name }) => [name, [status, code]]));

  const reads = () => ['/customers/alpha', `/customers/alpha/subscriptions/${alpha.subscriptionId}`];

  it('partners, their full administrators of customers, and a customer of contoso with a user bob', async () => {
    await registerPartner(api, t.platform, 'contoso', 'jana', ['advisor', 'delegated-admin-certified']);
    await registerPartner(api, t.platform, 'northwind', 'nora', ['delegated-admin-certified']);
    await registerPartner(api, t.platform, 'fabrikam', 'eve', ['advisor', 'delegated-admin-certified']);
    const nora = await mintToken({ act: actors.partnerUser('northwind', 'nora'), sub: 'admin-center' });
    for (const [partnerId, admin, userId] of [
      ['northwind', nora, 'nick'],
      ['fabrikam', t.eve, 'finn'],
    ] as const) {
      const created = await api.post(`/partners/${partnerId}/users`, admin, {
        userId,
        email: `${userId}@${partnerId}.example`,
        displayName: userId,
      });
      expect(created.status).toBe(201);
      const assigned = await api.post(`/partners/${partnerId}/users/${userId}/roles/assign`, admin, {
        scope: 'customers',
        role: 'full',
      });
      expect(assigned.status).toBe(201);
    }

    const invite = await api.post('/partners/contoso/trial-invites', t.jana, {
      offerId: 'office-business-basic',
    });
    expect(invite.status).toBe(201);
    const redeemed = await api.post(`/invitations/${codeOf(invite.body.url)}/redeem`, t.signup, {
      customerId: 'alpha',
      newCustomer: {
        companyName: 'Alpha s.r.o.',
        primaryDomain: 'alpha.example',
        country: 'SK',
        adminContact: { name: 'Alpha Admin', email: 'admin@alpha.example' },
      },
    });
    expect(redeemed.status).toBe(201);
    const ids = redeemed.body.ids as Record<string, string>;
    alpha.subscriptionId = ids.subscriptionId;
    alpha.token = await customerToken('alpha', ids.userId);
    const bob = await api.post('/customers/alpha/users', alpha.token, {
      userId: 'bob',
      email: 'bob@alpha.example',
      displayName: 'Bob',
    });
    expect(bob.status).toBe(201);
  });

  it('without any relationship, the customer does not exist for the partner: 404 on every action and read', async () => {
    expect(await outcomes(finn)).toEqual(every(404, 'customer-not-found'));
    expect(await outcomes(nick)).toEqual(every(404, 'customer-not-found'));
    for (const url of reads()) expect((await api.get(url, nick)).status).toBe(404);
  });

  it('with an offer the customer has not accepted: delegation-pending on every action', async () => {
    const offered = await api.post('/customers/alpha/delegations', nick, {
      delegationId: 'nw1',
      access: 'full',
      durationDays: 10,
    });
    expect(offered.status).toBe(201);

    expect(await outcomes(nick)).toEqual(every(403, 'delegation-pending'));
    const one = await api.post('/customers/alpha/users/bob/deactivate', nick);
    expect(one.body).toMatchObject({
      ...problem('delegation-pending'),
      customerId: 'alpha',
      partnerId: 'northwind',
      delegationId: 'nw1',
    });
    // An offer is no relationship to read the customer's data by.
    for (const url of reads()) expect((await api.get(url, nick)).status).toBe(404);
    // Another partner learns nothing.
    expect(await outcomes(finn)).toEqual(every(404, 'customer-not-found'));
  });

  it('once accepted, the full delegated admin reads the customer and manages its users', async () => {
    expect((await api.post('/customers/alpha/delegations/nw1/accept', alpha.token)).status).toBe(201);
    for (const url of reads()) expect((await api.get(url, nick)).status).toBe(200);
    const carol = await api.post('/customers/alpha/users', nick, {
      userId: 'carol',
      email: 'carol@alpha.example',
      displayName: 'Carol',
    });
    expect(carol.status).toBe(201);
    expect(await outcomes(finn)).toEqual(every(404, 'customer-not-found'));
  });

  it('past its end, before and after the scheduler records it: delegation-expired on every action', async () => {
    clock.advance({ days: 10 });
    // Not yet recorded: the domain already judges it at `now`, and so do the reads.
    expect(await outcomes(nick)).toEqual(every(403, 'delegation-expired'));
    for (const url of reads()) expect((await api.get(url, nick)).status).toBe(404);

    const tick = await scheduler.tick();
    expect(tick.actions.filter((a) => a.key === 'EndDelegation/alpha/nw1').map((a) => a.outcome)).toEqual([
      'applied',
    ]);
    const recorded = await api.get('/customers/alpha/delegations/nw1', alpha.token);
    expect(recorded.body).toMatchObject({ status: 'ended' });

    // Recorded ended: the same answer, naming the condition (was a 404 customer-not-found).
    expect(await outcomes(nick)).toEqual(every(403, 'delegation-expired'));
    const one = await api.post('/customers/alpha/users', nick, {
      userId: 'dora',
      email: 'dora@alpha.example',
      displayName: 'Dora',
    });
    expect(one.body).toMatchObject({
      ...problem('delegation-expired'),
      customerId: 'alpha',
      partnerId: 'northwind',
      delegationId: 'nw1',
      endsAt: recorded.body.endsAt,
    });
    for (const url of reads()) expect((await api.get(url, nick)).status).toBe(404);
    expect(await outcomes(finn)).toEqual(every(404, 'customer-not-found'));
  });

  it('nothing was changed by the refused actions', async () => {
    const customer = await api.get('/customers/alpha', alpha.token);
    expect(customer.status).toBe(200);
    const users = (customer.body.users as { userId: string; active: boolean }[]).map((u) => [
      u.userId,
      u.active,
    ]);
    expect(users).toEqual(
      expect.arrayContaining([
        ['bob', true],
        ['carol', true],
      ]),
    );
    expect(users.map(([id]) => id)).not.toContain('dora');
    const subscription = await api.get(`/customers/alpha/subscriptions/${alpha.subscriptionId}`, alpha.token);
    expect(subscription.body).toMatchObject({ status: 'active' });
  });
});
