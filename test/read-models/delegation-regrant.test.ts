import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ManualClock } from '../../apps/api/src/platform';
import { delegationIdAtRedemption } from '@pc/domain';
import {
  codeOf,
  customerToken,
  http,
  mintTokens,
  registerPartner,
  startAcquisitionApp,
  type Tokens,
} from '../scheduler/support/acquisition-world';
import { backends } from '../support/backends';
import { newCustomer, ReadWorld } from './world';

type Body = Record<string, unknown>;

/**
 * A customer acquired with delegated administration accepted at redemption, the delegation then
 * removed, then granted again (offer + accept), and a second partner starting a relationship: after
 * each step the client list and the overview say what the event-sourced delegation says
 * (getDelegation), and the first partner's row is not moved by the second partner.
 */
describe.each(backends)('a delegation removed and granted again ($name)', (backend) => {
  let app: NestFastifyApplication;
  let clock: ManualClock;
  let tearDown: () => Promise<void>;
  let t: Tokens;
  const w = new ReadWorld(() => app);
  let admin = '';
  let redemption = '';

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    ({ app, clock } = await startAcquisitionApp(setup.env));
    t = await mintTokens();
    w.saw(
      await registerPartner(
        http(() => app),
        t.platform,
        'contoso',
        'jana',
        ['advisor', 'delegated-admin-certified'],
      ),
    );
    w.saw(
      await registerPartner(
        http(() => app),
        t.platform,
        'fabrikam',
        'eve',
        ['delegated-admin-certified'],
      ),
    );
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  const row = async (partnerId = 'contoso', token = t.jana) => {
    const res = await w.read<Body>(`/partners/${partnerId}/clients/alpha`, token);
    expect(res.status).toBe(200);
    return res.body;
  };
  const overview = async () => (await w.read<Body>('/partners/contoso/overview', t.jana)).body;
  const delegation = async (id: string) =>
    (await w.read<Body>(`/customers/alpha/delegations/${id}`, t.jana)).body;
  const delegated = async (relationship: string) =>
    (
      (await w.read<Body>(`/partners/contoso/clients?relationship=${relationship}`, t.jana)).body
        .items as Body[]
    ).length;

  it('acquired with delegated administration accepted at redemption', async () => {
    const invite = await w.command('/partners/contoso/trial-invites', t.jana, {
      offerId: 'office-business-basic',
      includeDelegatedAdmin: true,
      delegation: { access: 'limited' },
    });
    const inviteId = String((invite.body.ids as Body).inviteId);
    const redeemed = await w.command(`/invitations/${codeOf(invite.body.url)}/redeem`, t.signup, {
      customerId: 'alpha',
      newCustomer: newCustomer('Alpha', 'alpha.example'),
      acceptDelegatedAdmin: true,
    });
    admin = await customerToken('alpha', String((redeemed.body.ids as Body).userId));
    redemption = delegationIdAtRedemption({ kind: 'trial-invite', id: inviteId, partnerId: 'contoso' });
    const source = await delegation(redemption);
    expect(source).toMatchObject({ status: 'active', access: 'limited' });
    expect((await row()).relationship).toMatchObject({
      advisor: true,
      delegation: 'active',
      delegationAccess: 'limited',
      delegationEndsAt: source.endsAt,
    });
    expect((await overview()).clients).toMatchObject({ total: 1, withActiveDelegation: 1 });
    expect(await delegated('delegated')).toBe(1);
  });

  it('removed by the customer: no delegation, still a client (advisor)', async () => {
    await w.command(`/customers/alpha/delegations/${redemption}/remove`, admin);
    expect(await delegation(redemption)).toMatchObject({ status: 'removed' });
    expect((await row()).relationship).toMatchObject({
      advisor: true,
      delegation: 'none',
      delegationAccess: null,
      delegationEndsAt: null,
    });
    expect((await overview()).clients).toMatchObject({ total: 1, withActiveDelegation: 0 });
    expect(await delegated('delegated')).toBe(0);
  });

  it('offered and accepted again: active with the new terms', async () => {
    await w.command('/customers/alpha/delegations', t.jana, {
      delegationId: 'again',
      access: 'full',
      durationDays: 30,
    });
    expect((await row()).relationship).toMatchObject({ delegation: 'offered', delegationAccess: 'full' });
    expect(await delegated('delegation-offered')).toBe(1);
    await w.command('/customers/alpha/delegations/again/accept', admin);
    const source = await delegation('again');
    expect(source).toMatchObject({ status: 'active', access: 'full' });
    expect((await row()).relationship).toMatchObject({
      delegation: 'active',
      delegationAccess: 'full',
      delegationEndsAt: source.endsAt,
    });
    expect((await overview()).clients).toMatchObject({ total: 1, withActiveDelegation: 1 });
    expect(await delegated('delegated')).toBe(1);
    expect(await delegated('delegation-offered')).toBe(0);
  });

  it("another partner's offer is its own client row; contoso's row keeps its last change", async () => {
    const before = await row();
    // A day later, so a moved last change would show.
    clock.advance({ days: 1 });
    await w.command('/customers/alpha/delegations', t.eve, { delegationId: 'fab', access: 'limited' });
    expect((await row('fabrikam', t.eve)).relationship).toMatchObject({
      advisor: false,
      delegation: 'offered',
    });
    expect(await row()).toEqual(before);
    // A change of the customer's own (a subscription) is a change of both partners' rows.
    const [trial] = (await row()).subscriptionList as Body[];
    await w.command(`/customers/alpha/subscriptions/${String(trial.subscriptionId)}/suspend`, admin, {});
    const now = clock.now().toISOString();
    expect((await row()).lastChange).toBe(now);
    expect((await row('fabrikam', t.eve)).lastChange).toBe(now);
  });
});
