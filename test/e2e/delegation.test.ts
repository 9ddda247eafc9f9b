import { customerDomainEvolver, fold } from '@pc/domain';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type RecordedEvent, StreamNotFoundError } from '@pc/event-store';
import type { ManualClock } from '../../apps/api/src/platform';
import type { SchedulerService, TickReport } from '../../apps/api/src/scheduler/scheduler.service';
import { backends } from '../support/backends';
import { call, problem } from '../support/http';
import { actors, mintToken } from '../support/tokens';
import {
  type Tokens,
  codeOf,
  customerToken,
  http,
  mintTokens,
  registerPartner,
  startAcquisitionApp,
  streamEvents,
} from '../scheduler/support/acquisition-world';

const OPERATION_IDS = [
  'offerDelegation',
  'acceptDelegation',
  'declineDelegation',
  'removeDelegation',
  'setDelegationAutoExtend',
  'getDelegation',
  'resetCustomerUserPassword',
  'createServiceRequest',
  'updateServiceRequest',
  'closeServiceRequest',
  'registerProductKeys',
  'applyProductKey',
  'changePartnerOfRecord',
];

const newCustomer = (name: string, domain: string) => ({
  companyName: `${name} s.r.o.`,
  primaryDomain: domain,
  country: 'SK',
  adminContact: { name: `${name} Admin`, email: `admin@${domain}` },
});

/** Product keys as a partner's user types them: 5 groups of 5, any case, dashes or spaces. */
const KEYS = {
  gamma: 'GAMMA-AAAAA-BBBBB-CCCCC-00001',
  alpha: 'ALPHA-AAAAA-BBBBB-CCCCC-00002',
  spare: 'SPARE-AAAAA-BBBBB-CCCCC-00003',
  race: 'RACEE-AAAAA-BBBBB-CCCCC-00004',
  sameKey: 'SAMEK-AAAAA-BBBBB-CCCCC-00005',
};
/** Every way the plaintext could show up: as typed, normalised, lower case. */
const plaintextForms = (key: string): string[] => [key, key.replace(/-/g, ''), key.toLowerCase()];

const dataOf = (events: RecordedEvent[], type: string) =>
  events.filter((e) => e.type === type).map((e) => e.data);
/** The delegation actions of a tick (trials of the same customers fall due on the same clock). */
const delegationActions = (tick: TickReport) =>
  tick.actions.filter((a) => /Delegation/.test(a.commandType)).map((a) => [a.key, a.outcome]);

describe.each(backends)(
  'delegated administration, product keys and Partner of Record over HTTP ($name)',
  (backend) => {
    let app: NestFastifyApplication;
    let clock: ManualClock;
    let scheduler: SchedulerService;
    let tearDown: () => Promise<void>;
    let t: Tokens;
    const api = http(() => app);
    /** Contoso's users besides its global admin jana: a limited and a full administrator of customers. */
    const users = { lena: '', felix: '', northwindAdmin: '' };
    const alpha = { adminId: '', token: '', subscriptionId: '' };
    const gamma = { adminId: '', token: '', subscriptionId: '', delegationId: '' };

    beforeAll(async () => {
      const setup = await backend.setUp();
      tearDown = setup.tearDown;
      ({ app, clock, scheduler } = await startAcquisitionApp(setup.env));
      t = await mintTokens();
      const partnerUser = (partnerId: string, userId: string) =>
        mintToken({ act: actors.partnerUser(partnerId, userId), sub: 'admin-center' });
      users.lena = await partnerUser('contoso', 'lena');
      users.felix = await partnerUser('contoso', 'felix');
      users.northwindAdmin = await partnerUser('northwind', 'nora');
    });

    afterAll(async () => {
      await app?.close();
      await tearDown?.();
    });

    it('documents every operation under its operationId', async () => {
      const res = await call(app, 'GET', '/openapi.json');
      const doc = res.body as { paths: Record<string, Record<string, { operationId: string }>> };
      const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
      expect(ids).toEqual(expect.arrayContaining(OPERATION_IDS));
    });

    it('the platform registers partners; contoso gets a limited and a full administrator of customers', async () => {
      await registerPartner(api, t.platform, 'contoso', 'jana', ['advisor', 'delegated-admin-certified']);
      await registerPartner(api, t.platform, 'fabrikam', 'eve', ['advisor']);
      await registerPartner(api, t.platform, 'northwind', 'nora', ['delegated-admin-certified']);
      for (const [userId, role] of [
        ['lena', 'limited'],
        ['felix', 'full'],
      ]) {
        const created = await api.post('/partners/contoso/users', t.jana, {
          userId,
          email: `${userId}@contoso.example`,
          displayName: userId,
        });
        expect(created.status).toBe(201);
        const assigned = await api.post(`/partners/contoso/users/${userId}/roles/assign`, t.jana, {
          scope: 'customers',
          role,
        });
        expect(assigned.status).toBe(201);
      }
    });

    it('a customer signs up through a trial invite of contoso and adds a user', async () => {
      const invite = await api.post('/partners/contoso/trial-invites', t.jana, {
        offerId: 'office-business-basic',
      });
      expect(invite.status).toBe(201);
      const redeemed = await api.post(`/invitations/${codeOf(invite.body.url)}/redeem`, t.signup, {
        customerId: 'alpha',
        newCustomer: newCustomer('Alpha', 'alpha.example'),
      });
      expect(redeemed.status).toBe(201);
      const ids = redeemed.body.ids as Record<string, string>;
      alpha.adminId = ids.userId;
      alpha.subscriptionId = ids.subscriptionId;
      alpha.token = await customerToken('alpha', alpha.adminId);
      const bob = await api.post('/customers/alpha/users', alpha.token, {
        userId: 'bob',
        email: 'bob@alpha.example',
        displayName: 'Bob',
      });
      expect(bob.status).toBe(201);
    });

    it('without a delegation a partner may not act: no-delegation; an unrelated partner does not see the customer', async () => {
      const reset = await api.post('/customers/alpha/users/bob/reset-password', users.lena);
      expect(reset.status).toBe(403);
      expect(reset.body).toMatchObject({
        ...problem('no-delegation'),
        customerId: 'alpha',
        partnerId: 'contoso',
      });
      expect(reset.body).not.toHaveProperty('returned');

      const stranger = await api.post('/customers/alpha/users/bob/reset-password', t.eve);
      expect(stranger.status).toBe(404);
      expect(stranger.body).toMatchObject(problem('customer-not-found'));
    });

    it('contoso offers full delegated administration; one open offer at a time, by its managers only', async () => {
      const byLimited = await api.post('/customers/alpha/delegations', users.lena, { access: 'full' });
      expect(byLimited.status).toBe(403);
      expect(byLimited.body).toMatchObject({ ...problem('access-denied'), action: 'manage-delegations' });

      const byCustomer = await api.post('/customers/alpha/delegations', alpha.token, { access: 'full' });
      expect(byCustomer.status).toBe(403);

      const notCertified = await api.post('/customers/alpha/delegations', t.eve, { access: 'limited' });
      expect(notCertified.status).toBe(422);
      expect(notCertified.body).toMatchObject(problem('not-delegated-admin-certified'));

      const fullAutoExtend = await api.post('/customers/alpha/delegations', t.jana, {
        access: 'full',
        autoExtend: true,
      });
      expect(fullAutoExtend.status).toBe(422);
      expect(fullAutoExtend.body).toMatchObject(problem('auto-extend-not-allowed-for-full'));

      const offered = await api.post('/customers/alpha/delegations', t.jana, {
        delegationId: 'd1',
        access: 'full',
      });
      expect(offered.status).toBe(201);
      expect(offered.body).toMatchObject({ ids: { delegationId: 'd1' }, events: ['DelegationOffered'] });

      const again = await api.post('/customers/alpha/delegations', users.felix, { access: 'full' });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ ...problem('delegation-already-offered'), delegationId: 'd1' });
    });

    it('before acceptance the delegated admin is refused: delegation-pending', async () => {
      const reset = await api.post('/customers/alpha/users/bob/reset-password', users.lena);
      expect(reset.status).toBe(403);
      expect(reset.body).toMatchObject({
        ...problem('delegation-pending'),
        delegationId: 'd1',
        offerExpiresAt: '2026-04-05T09:00:00.000Z',
      });
      const request = await api.post('/customers/alpha/service-requests', users.felix, {
        title: 'Mail',
        description: 'Mail is down',
        severity: 'high',
      });
      expect(request.status).toBe(403);
      expect(request.body).toMatchObject(problem('delegation-pending'));
    });

    it('the customer, the offering partner, platform and audit see the delegation; others get 404', async () => {
      const expected = {
        delegationId: 'd1',
        customerId: 'alpha',
        partnerId: 'contoso',
        access: 'full',
        durationDays: 730,
        autoExtend: false,
        status: 'pending',
        effectiveStatus: 'pending',
        inForce: false,
        offeredAt: '2026-01-05T09:00:00.000Z',
        offerExpiresAt: '2026-04-05T09:00:00.000Z',
        startsAt: null,
        endsAt: null,
        remindersSent: [],
        via: { kind: 'direct', id: null },
      };
      for (const token of [alpha.token, t.jana, users.lena, t.platform]) {
        const seen = await api.get('/customers/alpha/delegations/d1', token);
        expect(seen.status).toBe(200);
        expect(seen.body).toMatchObject(expected);
        expect(seen.headers.etag).toBe(`"${seen.body.revision}"`);
      }
      const stranger = await api.get('/customers/alpha/delegations/d1', t.eve);
      expect(stranger.status).toBe(404);
      expect(stranger.body).toMatchObject(problem('customer-not-found'));
      const otherCustomer = await api.get(
        '/customers/alpha/delegations/d1',
        await customerToken('beta', 'x'),
      );
      expect(otherCustomer.status).toBe(404);
      const unknown = await api.get('/customers/alpha/delegations/nope', t.jana);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject(problem('delegation-not-found'));
    });

    it("only the customer's admin accepts", async () => {
      const byPartner = await api.post('/customers/alpha/delegations/d1/accept', t.jana);
      expect(byPartner.status).toBe(404);
      const accepted = await api.post('/customers/alpha/delegations/d1/accept', alpha.token);
      expect(accepted.status).toBe(201);
      expect(accepted.body.events).toEqual(['DelegationAccepted']);
      const twice = await api.post('/customers/alpha/delegations/d1/accept', alpha.token);
      expect(twice.status).toBe(200);
      const view = await api.get('/customers/alpha/delegations/d1', users.felix);
      expect(view.body).toMatchObject({
        status: 'active',
        inForce: true,
        startsAt: '2026-01-05T09:00:00.000Z',
        endsAt: '2028-01-05T09:00:00.000Z',
      });
    });

    it('the LIMITED admin resets a password: a temporary password once, no secret in the event, none on a replay', async () => {
      const headers = { 'Idempotency-Key': 'reset-bob-1' };
      const reset = await api.post('/customers/alpha/users/bob/reset-password', users.lena, {}, headers);
      expect(reset.status).toBe(201);
      expect(reset.headers['cache-control']).toBe('no-store');
      expect(reset.body).toMatchObject({ events: ['CustomerUserPasswordReset'], replayed: false });
      const password = (reset.body.returned as Record<string, string>).temporaryPassword;
      expect(password).toMatch(/^[A-Za-z0-9]{16}$/);

      const events = await streamEvents(app, 'customer-alpha');
      expect(dataOf(events, 'CustomerUserPasswordReset')).toEqual([
        { customerId: 'alpha', userId: 'bob', byPartnerId: 'contoso', byUserId: 'lena' },
      ]);
      expect(JSON.stringify(events)).not.toContain(password);

      const replay = await api.post('/customers/alpha/users/bob/reset-password', users.lena, {}, headers);
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).not.toHaveProperty('returned');
      expect(replay.text).not.toContain(password);

      // A new reset is a new password.
      const next = await api.post('/customers/alpha/users/bob/reset-password', users.lena);
      expect((next.body.returned as Record<string, string>).temporaryPassword).not.toBe(password);

      // A global admin's password opens the whole tenant: limited administration is not enough.
      const admin = await api.post(`/customers/alpha/users/${alpha.adminId}/reset-password`, users.lena);
      expect(admin.status).toBe(403);
      expect(admin.body).toMatchObject({ ...problem('access-denied'), action: 'administer-customers' });
      expect(admin.body).not.toHaveProperty('returned');
    });

    it('the LIMITED admin cannot open a service request; the FULL admin can, and the customer sees who', async () => {
      const body = {
        title: 'Mail stopped syncing',
        description: 'No phone gets new mail.',
        severity: 'high',
      };
      const limited = await api.post('/customers/alpha/service-requests', users.lena, body);
      expect(limited.status).toBe(403);
      expect(limited.body).toMatchObject({ ...problem('access-denied'), action: 'administer-customers' });

      const full = await api.post('/customers/alpha/service-requests', users.felix, {
        ...body,
        serviceRequestId: 'sr1',
      });
      expect(full.status).toBe(201);
      expect(full.body).toMatchObject({
        ids: { serviceRequestId: 'sr1' },
        events: ['ServiceRequestCreated'],
      });

      const updated = await api.post('/customers/alpha/service-requests/sr1', users.felix, {
        severity: 'critical',
      });
      expect(updated.status).toBe(201);
      const unchanged = await api.post('/customers/alpha/service-requests/sr1', alpha.token, {
        severity: 'critical',
      });
      expect(unchanged.status).toBe(200);
      const closed = await api.post('/customers/alpha/service-requests/sr1/close', alpha.token, {
        resolution: 'Re-created the device policy.',
      });
      expect(closed.status).toBe(201);
      const afterClose = await api.post('/customers/alpha/service-requests/sr1', users.felix, {
        title: 'Again',
      });
      expect(afterClose.status).toBe(422);
      expect(afterClose.body).toMatchObject(problem('service-request-closed'));

      const events = await streamEvents(app, 'customer-alpha');
      expect(dataOf(events, 'ServiceRequestCreated')[0]).toMatchObject({
        openedBy: { kind: 'partner-user', userId: 'felix', partnerId: 'contoso' },
        severity: 'high',
      });
      expect(dataOf(events, 'ServiceRequestClosed')[0]).toMatchObject({
        closedBy: { kind: 'customer-user', userId: alpha.adminId, partnerId: null },
      });
      expect((await api.post('/customers/alpha/service-requests', t.eve, body)).status).toBe(404);
      const invalid = await api.post('/customers/alpha/service-requests', users.felix, {
        ...body,
        severity: 'urgent',
      });
      expect(invalid.status).toBe(400);
    });

    it('the platform registers product keys; the plaintext reaches no event', async () => {
      const line = { offerId: 'office-business-standard', seats: 10, termMonths: 12 };
      const byPartner = await api.post('/partners/contoso/product-keys', t.jana, {
        keys: [{ ...line, key: KEYS.spare }],
      });
      expect(byPartner.status).toBe(403);

      const malformed = await api.post('/partners/contoso/product-keys', t.platform, {
        keys: [
          { ...line, key: KEYS.spare },
          { ...line, key: 'NOT-A-KEY' },
        ],
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ ...problem('invalid-product-key'), index: 1 });
      expect(malformed.text).not.toContain('NOT-A-KEY');

      const registered = await api.post('/partners/contoso/product-keys', t.platform, {
        batchId: 'b1',
        keys: [
          { ...line, key: KEYS.gamma },
          // Spaces and lower case are the same key.
          { ...line, key: KEYS.alpha.toLowerCase().replace(/-/g, ' ') },
          { ...line, key: KEYS.spare },
          { ...line, key: KEYS.race },
          { ...line, key: KEYS.sameKey },
        ],
      });
      expect(registered.status).toBe(201);
      expect(registered.body).toMatchObject({ ids: { batchId: 'b1' } });
      expect(registered.body.events).toEqual([
        'ProductKeyRegistered',
        'ProductKeyRegistered',
        'ProductKeyRegistered',
        'ProductKeyRegistered',
        'ProductKeyRegistered',
        'ProductKeyBatchRegistered',
      ]);
      const batch = await streamEvents(app, 'product-key-batch-b1');
      const keys = (batch[0]?.data.keys ?? []) as Array<{ keyHash: string; suffix: string }>;
      expect(keys.map((k) => k.suffix)).toEqual(['00001', '00002', '00003', '00004', '00005']);
      for (const k of keys) expect(k.keyHash).toMatch(/^[0-9a-f]{64}$/);
      const text = JSON.stringify(batch) + registered.text;
      for (const key of Object.values(KEYS))
        for (const form of plaintextForms(key)) expect(text).not.toContain(form);

      const duplicate = await api.post('/partners/contoso/product-keys', t.platform, {
        keys: [{ ...line, key: KEYS.gamma.replace(/-/g, '') }],
      });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body).toMatchObject({ ...problem('product-key-already-registered'), suffix: '00001' });
    });

    it('the partner applies a key for a NEW customer: a subscription, contoso as POR, an offer of delegation', async () => {
      const applied = await api.post('/partners/contoso/product-keys/apply', users.felix, {
        key: KEYS.gamma,
        customerId: 'gamma',
        newCustomer: newCustomer('Gamma', 'gamma.example'),
        delegatedAdmin: { access: 'limited', durationDays: 365 },
      });
      expect(applied.status).toBe(201);
      expect(applied.body.events).toEqual([
        'CustomerDomainClaimed',
        'ProductKeyApplied',
        'CustomerCreated',
        'CustomerUserCreated',
        'CustomerAdvisorAdded',
        'PartnerOfRecordChanged',
        'SubscriptionStarted',
        'DelegationOffered',
      ]);
      const ids = applied.body.ids as Record<string, string>;
      Object.assign(gamma, {
        adminId: ids.userId,
        subscriptionId: ids.subscriptionId,
        delegationId: ids.delegationId,
        token: await customerToken('gamma', ids.userId),
      });
      for (const form of plaintextForms(KEYS.gamma)) expect(applied.text).not.toContain(form);

      const customer = await api.get('/customers/gamma', t.jana);
      expect(customer.status).toBe(200);
      expect(customer.body).toMatchObject({
        advisors: ['contoso'],
        partnerOfRecord: 'contoso',
        subscriptions: [
          {
            subscriptionId: gamma.subscriptionId,
            offerId: 'office-business-standard',
            kind: 'paid',
            licenses: 10,
          },
        ],
      });
      const events = await streamEvents(app, 'customer-gamma');
      // The key's identity in the domain is its hash: the subscription says which key set it up.
      const via = dataOf(events, 'SubscriptionStarted')[0]?.via as { kind: string; id: string };
      expect(via).toMatchObject({ kind: 'product-key', id: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const keyEvents = await streamEvents(app, `product-key-${via.id}`);
      expect(keyEvents.map((e) => e.type)).toEqual(['ProductKeyRegistered', 'ProductKeyApplied']);
      const all = JSON.stringify([...events, ...keyEvents]);
      for (const form of plaintextForms(KEYS.gamma)) expect(all).not.toContain(form);
    });

    it("a key sets up one subscription once; another partner's key and an unknown key are 404", async () => {
      const again = await api.post('/partners/contoso/product-keys/apply', t.jana, {
        key: KEYS.gamma,
        newCustomer: newCustomer('Again', 'again.example'),
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ ...problem('product-key-already-used'), suffix: '00001' });

      // Fabrikam is an advisor too, but contoso's key hashes to nothing under fabrikam's salt.
      const wrongPartner = await api.post('/partners/fabrikam/product-keys/apply', t.eve, {
        key: KEYS.spare,
        newCustomer: newCustomer('Wrong', 'wrong.example'),
      });
      expect(wrongPartner.status).toBe(404);
      expect(wrongPartner.body).toMatchObject(problem('product-key-not-found'));
      const unknown = await api.post('/partners/contoso/product-keys/apply', t.jana, {
        key: 'ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ',
        newCustomer: newCustomer('Unknown', 'unknown.example'),
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject(problem('product-key-not-found'));
      // Another partner's path is another tenant.
      expect(
        (await api.post('/partners/contoso/product-keys/apply', t.eve, { key: KEYS.spare })).status,
      ).toBe(404);
      const malformed = await api.post('/partners/contoso/product-keys/apply', t.jana, { key: 'short' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject(problem('invalid-product-key'));
    });

    it('two truly concurrent applications of one key: exactly one sets up a subscription', async () => {
      const apply = (customerId: string, token: string) =>
        api.post('/partners/contoso/product-keys/apply', token, {
          key: KEYS.race,
          customerId,
          newCustomer: newCustomer(customerId, `${customerId}.example`),
        });
      const results = await Promise.all([apply('race-a', t.jana), apply('race-b', users.felix)]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      const loser = results.find((r) => r.status === 409);
      expect(loser?.body).toMatchObject(problem('product-key-already-used'));
      const winner = results.find((r) => r.status === 201);
      const winnerId = (winner?.body.ids as Record<string, string>).customerId;
      const loserId = winnerId === 'race-a' ? 'race-b' : 'race-a';
      expect(await streamEvents(app, `customer-${winnerId}`)).not.toHaveLength(0);
      await expect(streamEvents(app, `customer-${loserId}`)).rejects.toThrow(StreamNotFoundError);
      // Regression: when the loser had already claimed its new domain, it gave it back (ClaimReleased);
      // either way the domain is free, never left claimed by a customer that does not exist.
      const loserDomain = await streamEvents(app, `customer-domain-${loserId}.example`).catch(
        (e: unknown) => {
          if (e instanceof StreamNotFoundError) return [];
          throw e;
        },
      );
      expect(fold(customerDomainEvolver, loserDomain as never[]).claimedBy).toBeNull();
      if (loserDomain.length > 0)
        expect(loserDomain.map((e) => e.type)).toEqual(['CustomerDomainClaimed', 'ClaimReleased']);
    });

    it('regression: two different concurrent requests reusing one Idempotency-Key cannot apply a key twice', async () => {
      const apply = (customerId: string) =>
        api.post(
          '/partners/contoso/product-keys/apply',
          t.jana,
          { key: KEYS.sameKey, customerId, newCustomer: newCustomer(customerId, `${customerId}.example`) },
          { 'Idempotency-Key': 'same-key-for-both' },
        );
      const results = await Promise.all([apply('same-a'), apply('same-b')]);
      const created = results.filter((r) => r.status === 201);
      expect(created).toHaveLength(1);
      const customers = await Promise.all(
        ['same-a', 'same-b'].map((id) =>
          streamEvents(app, `customer-${id}`).then(
            (events) => events.length,
            () => 0,
          ),
        ),
      );
      expect(customers.filter((n) => n > 0)).toHaveLength(1);
    });

    it('a key applied for an EXISTING customer of the partner; a license change by the full delegated admin reaches the POR', async () => {
      const applied = await api.post('/partners/contoso/product-keys/apply', t.jana, {
        key: KEYS.alpha,
        customerId: 'alpha',
      });
      expect(applied.status).toBe(201);
      expect(applied.body.events).toEqual([
        'ProductKeyApplied',
        'PartnerOfRecordChanged',
        'SubscriptionStarted',
      ]);
      const subscriptionId = (applied.body.ids as Record<string, string>).subscriptionId;
      const changed = await api.post(
        `/customers/alpha/subscriptions/${subscriptionId}/license-count`,
        users.felix,
        {
          licenses: 12,
        },
      );
      expect(changed.status).toBe(201);
      const events = await streamEvents(app, 'customer-alpha');
      expect(dataOf(events, 'LicenseCountChanged')).toEqual([
        expect.objectContaining({
          subscriptionId,
          partnerOfRecordId: 'contoso',
          licenses: { from: 10, to: 12 },
        }),
      ]);
      // ...and it reaches the POR's notification inbox (read model), read with read-your-writes.
      const inbox = await call(app, 'GET', '/partners/contoso/por-notifications?customerId=alpha', {
        token: t.jana,
        headers: { 'X-Min-Position': String(changed.body.position) },
      });
      expect(inbox.status).toBe(200);
      expect(JSON.stringify(inbox.body)).toContain(subscriptionId);
      expect(JSON.stringify(inbox.body)).toMatch(/"from":10[^}]*"to":12|"to":12[^}]*"from":10/);
      const limited = await api.post(
        `/customers/alpha/subscriptions/${subscriptionId}/license-count`,
        users.lena,
        {
          licenses: 13,
        },
      );
      expect(limited.status).toBe(403);
    });

    it("a license change by the customer's admin carries the POR and before → after", async () => {
      const changed = await api.post(
        `/customers/gamma/subscriptions/${gamma.subscriptionId}/license-count`,
        gamma.token,
        {
          licenses: 15,
        },
      );
      expect(changed.status).toBe(201);
      const events = await streamEvents(app, 'customer-gamma');
      expect(dataOf(events, 'LicenseCountChanged')).toEqual([
        expect.objectContaining({ partnerOfRecordId: 'contoso', licenses: { from: 10, to: 15 } }),
      ]);
    });

    it('a limited delegation: the full admin is refused access-too-low; removal by the partner side', async () => {
      const accepted = await api.post(
        `/customers/gamma/delegations/${gamma.delegationId}/accept`,
        gamma.token,
      );
      expect(accepted.status).toBe(201);
      const request = await api.post('/customers/gamma/service-requests', users.felix, {
        title: 'Help',
        description: 'Please',
        severity: 'low',
      });
      expect(request.status).toBe(403);
      expect(request.body).toMatchObject({ ...problem('access-too-low'), required: 'full', held: 'limited' });
      const user = await api.post('/customers/gamma/users', gamma.token, {
        userId: 'carl',
        email: 'carl@gamma.example',
        displayName: 'Carl',
      });
      expect(user.status).toBe(201);
      expect((await api.post('/customers/gamma/users/carl/reset-password', users.felix)).status).toBe(201);

      // Only the partner's global admin removes a delegation on the partner's side.
      const byFull = await api.post(`/customers/gamma/delegations/${gamma.delegationId}/remove`, users.felix);
      expect(byFull.status).toBe(403);
      expect(byFull.body).toMatchObject(problem('access-denied'));
      const removed = await api.post(`/customers/gamma/delegations/${gamma.delegationId}/remove`, t.jana);
      expect(removed.status).toBe(201);
      expect(removed.body.events).toEqual(['DelegationRemoved']);
      const events = await streamEvents(app, 'customer-gamma');
      expect(dataOf(events, 'DelegationRemoved')[0]).toMatchObject({
        wasStatus: 'active',
        removedBy: { side: 'partner', userId: 'jana' },
      });
      const after = await api.post('/customers/gamma/users/carl/reset-password', users.felix);
      expect(after.status).toBe(403);
      expect(after.body).toMatchObject({ ...problem('no-delegation'), lastStatus: 'removed' });
    });

    it('the customer changes its Partner of Record to another advisor; later changes notify the new POR', async () => {
      const notAdvisor = await api.post('/customers/gamma/partner-of-record', gamma.token, {
        partnerId: 'northwind',
      });
      expect(notAdvisor.status).toBe(422);
      expect(notAdvisor.body).toMatchObject(problem('partner-not-an-advisor'));
      // A partner cannot name itself, not even a delegated admin.
      const byPartner = await api.post('/customers/gamma/partner-of-record', t.jana, {
        partnerId: 'contoso',
      });
      expect(byPartner.status).toBe(404);

      const changed = await api.post('/customers/gamma/partner-of-record', gamma.token, {
        partnerId: 'fabrikam',
      });
      expect(changed.status).toBe(201);
      expect(changed.body.events).toEqual(['CustomerAdvisorAdded', 'PartnerOfRecordChanged']);
      const customer = await api.get('/customers/gamma', t.eve);
      expect(customer.body).toMatchObject({ advisors: ['contoso', 'fabrikam'], partnerOfRecord: 'fabrikam' });

      await api.post(`/customers/gamma/subscriptions/${gamma.subscriptionId}/license-count`, gamma.token, {
        licenses: 20,
      });
      const events = await streamEvents(app, 'customer-gamma');
      expect(dataOf(events, 'PartnerOfRecordChanged').at(-1)).toMatchObject({
        partnerId: 'fabrikam',
        previousPartnerId: 'contoso',
      });
      expect(dataOf(events, 'LicenseCountChanged').at(-1)).toMatchObject({
        partnerOfRecordId: 'fabrikam',
        licenses: { from: 15, to: 20 },
      });
    });

    it('removal by the customer side ends what the partner may do', async () => {
      const removed = await api.post('/customers/alpha/delegations/d1/remove', alpha.token);
      expect(removed.status).toBe(201);
      const events = await streamEvents(app, 'customer-alpha');
      expect(dataOf(events, 'DelegationRemoved')[0]).toMatchObject({
        removedBy: { side: 'customer', userId: alpha.adminId },
      });
      const request = await api.post('/customers/alpha/service-requests', users.felix, {
        title: 'Help',
        description: 'Please',
        severity: 'low',
      });
      expect(request.status).toBe(403);
      expect(request.body).toMatchObject(problem('no-delegation'));
      expect((await api.post('/customers/alpha/delegations/d1/remove', alpha.token)).status).toBe(200);
    });

    it('a non-advisor certified partner may offer; the customer declines', async () => {
      const offered = await api.post('/customers/alpha/delegations', users.northwindAdmin, {
        delegationId: 'nw1',
        access: 'limited',
      });
      expect(offered.status).toBe(201);
      // Related by its offer: it sees its own delegation and hears why it cannot act.
      expect((await api.get('/customers/alpha/delegations/nw1', users.northwindAdmin)).status).toBe(200);
      expect((await api.get('/customers/alpha/delegations/d1', users.northwindAdmin)).status).toBe(404);
      // Regression: an `audit` scope on a partner user's token showed it another partner's delegation.
      const noraAudit = await mintToken({
        act: actors.partnerUser('northwind', 'nora'),
        scope: 'queries audit commands',
        sub: 'admin-center',
      });
      expect((await api.get('/customers/alpha/delegations/nw1', noraAudit)).status).toBe(200);
      expect((await api.get('/customers/alpha/delegations/d1', noraAudit)).status).toBe(404);
      expect((await api.get('/customers/alpha', users.northwindAdmin)).status).toBe(404);
      const declined = await api.post('/customers/alpha/delegations/nw1/decline', alpha.token);
      expect(declined.status).toBe(201);
      expect((await api.get('/customers/alpha/delegations/nw1', alpha.token)).body).toMatchObject({
        status: 'declined',
      });
    });

    it('the scheduler: an unanswered offer expires after 90 days', async () => {
      const invite = await api.post('/partners/contoso/trial-invites', t.jana, {
        offerId: 'office-business-premium',
      });
      const redeemed = await api.post(`/invitations/${codeOf(invite.body.url)}/redeem`, t.signup, {
        customerId: 'delta',
        newCustomer: newCustomer('Delta', 'delta.example'),
      });
      expect(redeemed.status).toBe(201);
      const deltaToken = await customerToken('delta', (redeemed.body.ids as Record<string, string>).userId);
      expect(
        (await api.post('/customers/delta/delegations', t.jana, { delegationId: 'dx', access: 'limited' }))
          .status,
      ).toBe(201);

      clock.advance({ days: 89 });
      expect(delegationActions(await scheduler.tick())).toEqual([]);
      clock.advance({ days: 1 });
      // Overdue before the scheduler records it: already refused, and shown as expired.
      const view = await api.get('/customers/delta/delegations/dx', deltaToken);
      expect(view.body).toMatchObject({ status: 'pending', effectiveStatus: 'offer-expired' });
      expect(delegationActions(await scheduler.tick())).toEqual([
        ['ExpireDelegationOffer/delta/dx', 'applied'],
      ]);
      expect(delegationActions(await scheduler.tick())).toEqual([]);
      expect((await api.get('/customers/delta/delegations/dx', deltaToken)).body).toMatchObject({
        status: 'offer-expired',
      });
      const late = await api.post('/customers/delta/delegations/dx/accept', deltaToken);
      expect(late.status).toBe(422);
      expect(late.body).toMatchObject(problem('delegation-not-pending'));
    });

    it('the scheduler: reminders 30, 7 and 1 days before the end, auto-extension, then the end', async () => {
      const deltaAdmin = (await streamEvents(app, 'customer-delta')).find(
        (e) => e.type === 'CustomerUserCreated',
      );
      const deltaToken = await customerToken('delta', String(deltaAdmin?.data.userId));
      const offered = await api.post('/customers/delta/delegations', t.jana, {
        delegationId: 'dy',
        access: 'limited',
        durationDays: 40,
        autoExtend: true,
      });
      expect(offered.status).toBe(201);
      expect((await api.post('/customers/delta/delegations/dy/accept', deltaToken)).status).toBe(201);
      const accepted = (await api.get('/customers/delta/delegations/dy', deltaToken)).body;
      const endsAt = String(accepted.endsAt);
      const at = (daysBefore: number) => clock.set(new Date(Date.parse(endsAt) - daysBefore * 86_400_000));

      at(31);
      expect(delegationActions(await scheduler.tick())).toEqual([]);
      at(30);
      expect(delegationActions(await scheduler.tick())).toEqual([
        ['MarkDelegationEnding/delta/dy/30', 'applied'],
      ]);
      at(7);
      expect(delegationActions(await scheduler.tick())).toEqual([
        ['MarkDelegationEnding/delta/dy/7', 'applied'],
      ]);
      at(1);
      expect(delegationActions(await scheduler.tick())).toEqual([
        ['MarkDelegationEnding/delta/dy/1', 'applied'],
      ]);
      expect((await api.get('/customers/delta/delegations/dy', t.jana)).body).toMatchObject({
        remindersSent: [30, 7, 1],
      });
      at(0);
      expect(delegationActions(await scheduler.tick())).toEqual([['EndDelegation/delta/dy', 'applied']]);
      const extended = (await api.get('/customers/delta/delegations/dy', t.jana)).body;
      const newEnd = new Date(Date.parse(endsAt) + 180 * 86_400_000).toISOString();
      expect(extended).toMatchObject({ status: 'active', inForce: true, endsAt: newEnd, remindersSent: [] });
      const events = await streamEvents(app, 'customer-delta');
      expect(dataOf(events, 'DelegationEnding').map((d) => d.daysLeft)).toEqual([30, 7, 1]);
      expect(dataOf(events, 'DelegationAutoExtended')).toEqual([
        expect.objectContaining({ extendedByDays: 180, endsAt: { from: endsAt, to: newEnd } }),
      ]);

      // Either side may turn auto-extension off: the partner's full administrator here.
      const off = await api.post('/customers/delta/delegations/dy/auto-extend', users.felix, {
        autoExtend: false,
      });
      expect(off.status).toBe(201);
      expect(off.body.events).toEqual(['DelegationAutoExtendChanged']);
      expect(
        (await api.post('/customers/delta/delegations/dy/auto-extend', users.lena, { autoExtend: true }))
          .status,
      ).toBe(403);

      clock.set(newEnd);
      // The new term's reminders fell due on the way: overtaken by the end, they are no-ops.
      expect(delegationActions(await scheduler.tick())).toEqual([
        ['MarkDelegationEnding/delta/dy/30', 'no-op'],
        ['MarkDelegationEnding/delta/dy/7', 'no-op'],
        ['MarkDelegationEnding/delta/dy/1', 'no-op'],
        ['EndDelegation/delta/dy', 'applied'],
      ]);
      expect((await api.get('/customers/delta/delegations/dy', t.jana)).body).toMatchObject({
        status: 'ended',
        inForce: false,
      });
      expect(delegationActions(await scheduler.tick())).toEqual([]);
      const reset = await api.post('/customers/delta/users/x/reset-password', users.lena);
      expect(reset.status).toBe(403);
      expect(reset.body).toMatchObject({ ...problem('delegation-expired'), delegationId: 'dy' });
    });
  },
);
