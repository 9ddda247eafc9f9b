import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ReadWorld, newCustomer } from '../read-models/world';
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
} from '../scheduler/support/acquisition-world';

type Spec = {
  paths: Record<string, Record<string, { operationId: string; parameters?: { name: string }[] }>>;
};

/**
 * A tenant user's token outlives a deactivation. Whether the user may still read its partner's (or
 * its customer's) data is business state: decided from the event-sourced tenant, on every read, not
 * from the token (issue 3). Platform actors are not affected.
 */
describe.each(backends)('reads need a user active in its own tenant ($name)', (backend) => {
  let app: NestFastifyApplication;
  let tearDown: () => Promise<void>;
  let t: Tokens;
  const w = new ReadWorld(() => app);
  const tokens = { lena: '', ghost: '', auditor: '', alphaAdmin: '', bob: '', nobody: '' };
  let inviteId = '';
  let inviteCode = '';
  let spec: Spec;

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    ({ app } = await startAcquisitionApp(setup.env));
    t = await mintTokens();
    const partnerUser = (id: string) =>
      mintToken({ act: actors.partnerUser('contoso', id), sub: 'admin-center' });
    tokens.lena = await partnerUser('lena');
    tokens.ghost = await partnerUser('ghost');
    tokens.auditor = await mintToken({
      act: actors.platform('auditor'),
      scope: 'audit',
      sub: 'audit-service',
    });
    tokens.bob = await customerToken('alpha', 'bob');
    tokens.nobody = await customerToken('alpha', 'nobody');
    spec = (await call<Spec>(app, 'GET', '/openapi.json')).body;
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  /** The named reads of the finding: the profile, the overview, the client list and the POR inbox. */
  const partnerReads = () => [
    '/partners/contoso',
    '/partners/contoso/overview',
    '/partners/contoso/clients',
    '/partners/contoso/clients/alpha',
    '/partners/contoso/por-notifications',
    '/partners/contoso/activity',
    `/partners/contoso/trial-invites/${inviteId}`,
    '/customers/alpha',
  ];
  const customerReads = () => ['/customers/alpha'];

  /** Every GET of /openapi.json scoped to a partner or a customer, with contoso's and alpha's ids. */
  const everyScopedRead = () =>
    Object.entries(spec.paths)
      .filter(([path, methods]) => methods.get && /\{(partnerId|customerId)\}/.test(path))
      .map(([path, methods]) => ({
        operationId: methods.get!.operationId,
        url: path
          .replace('{partnerId}', 'contoso')
          .replace('{customerId}', 'alpha')
          .replace(/\{[^}]+\}/g, 'x1'),
      }));

  const statuses = async (urls: string[], token: string) => {
    const seen: Record<string, number> = {};
    for (const url of urls) seen[url] = (await w.read(url, token)).status;
    return seen;
  };
  const all = (urls: string[], status: number) => Object.fromEntries(urls.map((u) => [u, status]));

  it('contoso with a user lena, a client alpha with a user bob', async () => {
    w.saw(
      await registerPartner(
        http(() => app),
        t.platform,
        'contoso',
        'jana',
        ['advisor'],
      ),
    );
    await w.command('/partners/contoso/users', t.jana, {
      userId: 'lena',
      email: 'lena@contoso.example',
      displayName: 'Lena',
    });
    const invite = await w.command('/partners/contoso/trial-invites', t.jana, {
      offerId: 'office-business-basic',
    });
    inviteId = String((invite.body.ids as Record<string, string>).inviteId);
    inviteCode = codeOf(invite.body.url);
    const redeemed = await w.command(`/invitations/${inviteCode}/redeem`, t.signup, {
      customerId: 'alpha',
      newCustomer: newCustomer('Alpha', 'alpha.example'),
    });
    tokens.alphaAdmin = await customerToken('alpha', (redeemed.body.ids as Record<string, string>).userId);
    await w.command('/customers/alpha/users', tokens.alphaAdmin, {
      userId: 'bob',
      email: 'bob@alpha.example',
      displayName: 'Bob',
    });
  });

  it("an active user reads its partner's data as before", async () => {
    expect(await statuses(partnerReads(), tokens.lena)).toEqual(all(partnerReads(), 200));
    const clients = await w.read('/partners/contoso/clients', tokens.lena);
    expect((clients.body.items as { customerId: string }[]).map((c) => c.customerId)).toEqual(['alpha']);
  });

  it('an id that is not a user of the partner: 403 actor-not-a-partner-user on every read', async () => {
    expect(await statuses(partnerReads(), tokens.ghost)).toEqual(all(partnerReads(), 403));
    const profile = await w.read('/partners/contoso', tokens.ghost);
    expect(profile.headers['content-type']).toContain('application/problem+json');
    expect(profile.body).toMatchObject({
      ...problem('actor-not-a-partner-user'),
      partnerId: 'contoso',
      actorId: 'ghost',
    });
  });

  it('a deactivated user: 403 actor-inactive on every read of its partner, and of its clients', async () => {
    await w.command('/partners/contoso/users/lena/deactivate', t.jana);
    expect(await statuses(partnerReads(), tokens.lena)).toEqual(all(partnerReads(), 403));
    for (const url of ['/partners/contoso/overview', '/partners/contoso/por-notifications']) {
      expect((await w.read(url, tokens.lena)).body).toMatchObject({
        ...problem('actor-inactive'),
        actorId: 'lena',
      });
    }
    // Every scoped read the API has, the update stream included (refused before it opens).
    const reads = everyScopedRead();
    expect(reads.map((r) => r.operationId)).toEqual(
      expect.arrayContaining(['getPartner', 'getPartnerOverview', 'listClients', 'listPorNotifications']),
    );
    for (const { operationId, url } of reads) {
      const res = await call(app, 'GET', url, { token: tokens.lena });
      expect({ operationId, status: res.status }).toEqual({ operationId, status: 403 });
    }
    // A read of no tenant too: what an invitation offers (was: answered to the deactivated user).
    expect((await w.read(`/invitations/${inviteCode}`, tokens.lena)).body).toMatchObject({
      ...problem('actor-inactive'),
      actorId: 'lena',
    });
    expect((await w.read(`/invitations/${inviteCode}`, t.jana)).status).toBe(200);
    // The partner's other users and the platform are not affected.
    expect(await statuses(partnerReads(), t.jana)).toEqual(all(partnerReads(), 200));
    expect(await statuses(partnerReads(), t.platform)).toEqual(all(partnerReads(), 200));
    expect((await w.read('/partners/contoso/overview', tokens.auditor)).status).toBe(200);
  });

  it('reactivated: reads again', async () => {
    await w.command('/partners/contoso/users/lena/reactivate', t.jana);
    expect(await statuses(partnerReads(), tokens.lena)).toEqual(all(partnerReads(), 200));
  });

  it('another tenant is still a 404, whatever the state of the user', async () => {
    const stranger = await mintToken({ act: actors.partnerUser('fabrikam', 'eve'), sub: 'admin-center' });
    expect((await w.read('/partners/contoso', stranger)).status).toBe(404);
    expect((await w.read('/customers/alpha', stranger)).status).toBe(404);
    const otherCustomer = await customerToken('beta', 'bob');
    expect((await w.read('/customers/alpha', otherCustomer)).status).toBe(404);
  });

  it("customer users: the customer's own state decides too", async () => {
    expect(await statuses(customerReads(), tokens.bob)).toEqual(all(customerReads(), 200));
    const unknown = await w.read('/customers/alpha', tokens.nobody);
    expect(unknown.status).toBe(403);
    expect(unknown.body).toMatchObject({ ...problem('actor-not-a-customer-user'), customerId: 'alpha' });

    await w.command('/customers/alpha/users/bob/deactivate', tokens.alphaAdmin);
    const inactive = await w.read('/customers/alpha', tokens.bob);
    expect(inactive.status).toBe(403);
    expect(inactive.body).toMatchObject({ ...problem('actor-inactive'), actorId: 'bob' });
    for (const { operationId, url } of everyScopedRead().filter((r) => r.url.startsWith('/customers/'))) {
      const res = await call(app, 'GET', url, { token: tokens.bob });
      expect({ operationId, status: res.status }).toEqual({ operationId, status: 403 });
    }
    expect(await statuses(customerReads(), tokens.alphaAdmin)).toEqual(all(customerReads(), 200));
    expect(await statuses(customerReads(), t.platform)).toEqual(all(customerReads(), 200));
  });
});
