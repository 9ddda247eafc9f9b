import { delegationIdAtRedemption } from '@pc/domain';
import { customerCreated, facts, Story } from '../testing/story';
import { clientListProjection } from './client-list.projection';

const invite = { kind: 'trial-invite', id: 'inv-1', partnerId: 'p1' };

/** A delegation offered directly (OfferDelegation) for 30 days, with these facts. */
const directOffer = (facts: Record<string, string>) => ({
  ...facts,
  durationDays: 30,
  autoExtend: false,
  offeredAt: 'x',
  offerExpiresAt: 'y',
  offeredBy: 'u',
  via: { kind: 'direct', id: null },
  startsAt: null,
  endsAt: null,
});

describe('client list projection', () => {
  const story = new Story(clientListProjection);
  const e = story.event.bind(story);
  const client = (partnerId: string) => story.rows('clients').find((r) => r.partner_id === partnerId);
  const totals = (partnerId: string) => story.rows('totals').find((r) => r.partner_id === partnerId);

  it('lists a customer for the partner that advises it, with no subscriptions yet', async () => {
    await story.given(e('CustomerCreated', customerCreated('alpha', 'Alpha Foods s.r.o.', 'alpha.example')));
    expect(story.rows('clients')).toEqual([]);
    await story.given(
      e(
        'CustomerAdvisorAdded',
        { customerId: 'alpha', partnerId: 'p1', via: invite },
        { at: '2026-01-05T10:00:00.000Z' },
      ),
    );
    expect(story.rows('clients')).toEqual([
      {
        partner_id: 'p1',
        customer_id: 'alpha',
        name: 'Alpha Foods s.r.o.',
        name_lower: 'alpha foods s.r.o.',
        primary_domain: 'alpha.example',
        advisor: true,
        por: false,
        delegation_state: 'none',
        delegation_access: null,
        delegation_ends_at: null,
        subscription_count: 0,
        license_count: 0,
        trial_count: 0,
        trial_ends: [],
        next_trial_end: null,
        subscriptions: [],
        last_change: '2026-01-05T10:00:00.000Z',
      },
    ]);
    expect(totals('p1')).toEqual({
      partner_id: 'p1',
      clients: 1,
      delegated: 0,
      por: 0,
      subscriptions: 0,
      licenses: 0,
      trials: 0,
    });
  });

  it('summarises a trial and a delegation accepted at redemption', async () => {
    await story.given(
      e('TrialStarted', {
        ...facts('alpha', 's1', null),
        seats: 25,
        startedAt: '2026-01-05T10:00:00.000Z',
        endsAt: '2026-02-04T10:00:00.000Z',
        via: invite,
      }),
      e('DelegatedAdminAcceptedAtRedemption', {
        customerId: 'alpha',
        partnerId: 'p1',
        via: invite,
        terms: { access: 'limited', durationDays: 730, autoExtend: false },
        acceptedAt: '2026-01-05T10:00:00.000Z',
      }),
    );
    expect(client('p1')).toMatchObject({
      delegation_state: 'active',
      delegation_access: 'limited',
      delegation_ends_at: '2028-01-05T10:00:00.000Z',
      subscription_count: 1,
      license_count: 0,
      trial_count: 1,
      trial_ends: ['2026-02-04T10:00:00.000Z'],
      next_trial_end: '2026-02-04T10:00:00.000Z',
    });
    expect(story.rows('trials')).toEqual([
      { partner_id: 'p1', customer_id: 'alpha', subscription_id: 's1', ends_at: '2026-02-04T10:00:00.000Z' },
    ]);
    expect(totals('p1')).toMatchObject({ clients: 1, delegated: 1, subscriptions: 1, trials: 1 });
  });

  it('moves the POR flag between partners and shows the customer to both', async () => {
    await story.given(
      e('CustomerAdvisorAdded', { customerId: 'alpha', partnerId: 'p2', via: invite }),
      e('PartnerOfRecordChanged', {
        customerId: 'alpha',
        partnerId: 'p2',
        previousPartnerId: null,
        via: invite,
      }),
    );
    expect([client('p1')?.por, client('p2')?.por]).toEqual([false, true]);
    // p2 sees the customer's subscriptions too: they are the customer's, not the partner's.
    expect(client('p2')).toMatchObject({
      advisor: true,
      subscription_count: 1,
      trial_count: 1,
      delegation_state: 'none',
    });
    await story.given(
      e('PartnerOfRecordChanged', {
        customerId: 'alpha',
        partnerId: 'p1',
        previousPartnerId: 'p2',
        via: invite,
      }),
    );
    expect([client('p1')?.por, client('p2')?.por]).toEqual([true, false]);
    expect([totals('p1')?.por, totals('p2')?.por]).toEqual([1, 0]);
  });

  it('follows every subscription change into the summary, trial rows and totals', async () => {
    const sub = (id: string) => facts('alpha', id, 'p1');
    await story.given(
      e('TrialConverted', {
        ...sub('s1'),
        licenses: { from: 25, to: 40 },
        endsAt: { from: '2026-02-04T10:00:00.000Z', to: '2027-01-05T10:00:00.000Z' },
        paidFrom: '2026-01-10T00:00:00.000Z',
        termMonths: 12,
        via: null,
      }),
    );
    expect(story.rows('trials')).toEqual([]);
    expect(client('p1')).toMatchObject({
      subscription_count: 1,
      license_count: 40,
      trial_count: 0,
      next_trial_end: null,
    });

    await story.given(
      e('SubscriptionStarted', {
        ...sub('s2'),
        licenses: 10,
        startedAt: '2026-01-11T00:00:00.000Z',
        endsAt: '2027-01-11T00:00:00.000Z',
        termMonths: 12,
        via: invite,
      }),
      e('LicenseCountChanged', { ...sub('s1'), licenses: { from: 40, to: 50 } }),
      e('SubscriptionRenewed', {
        ...sub('s1'),
        endsAt: { from: '2027-01-05T10:00:00.000Z', to: '2028-01-05T10:00:00.000Z' },
        termMonths: 12,
      }),
      e('SubscriptionSuspended', {
        ...sub('s2'),
        by: 'customer',
        reason: null,
        suspendedAt: 'x',
        status: { from: 'active', to: 'suspended' },
      }),
    );
    expect(client('p1')).toMatchObject({ subscription_count: 2, license_count: 60 });
    expect(totals('p1')).toMatchObject({ subscriptions: 2, licenses: 60, trials: 0 });
    expect(totals('p2')).toMatchObject({ subscriptions: 2, licenses: 60 });

    await story.given(
      e('SubscriptionReactivated', {
        ...sub('s2'),
        reactivatedAt: 'x',
        status: { from: 'suspended', to: 'active' },
      }),
      e('SubscriptionCancelled', {
        ...sub('s2'),
        kind: 'paid',
        licenses: 10,
        cancelledAt: 'x',
        status: { from: 'active', to: 'cancelled' },
      }),
      e('TrialStarted', {
        ...facts('alpha', 's3', 'p1'),
        offerId: 'project-plan-3',
        seats: 10,
        startedAt: '2026-01-12T00:00:00.000Z',
        endsAt: '2026-03-13T00:00:00.000Z',
        via: invite,
      }),
    );
    expect(totals('p1')).toMatchObject({ subscriptions: 2, licenses: 50, trials: 1 });
    await story.given(
      e('TrialExpired', {
        ...facts('alpha', 's3', 'p1'),
        endsAt: '2026-03-13T00:00:00.000Z',
        expiredAt: '2026-03-13T00:00:00.000Z',
        status: { from: 'active', to: 'expired' },
      }),
    );
    expect(client('p1')?.subscriptions).toEqual([
      {
        subscriptionId: 's1',
        offerId: 'office-business-basic',
        kind: 'paid',
        status: 'active',
        licenses: 50,
        endsAt: '2028-01-05T10:00:00.000Z',
      },
      {
        subscriptionId: 's2',
        offerId: 'office-business-basic',
        kind: 'paid',
        status: 'cancelled',
        licenses: 10,
        endsAt: '2027-01-11T00:00:00.000Z',
      },
      {
        subscriptionId: 's3',
        offerId: 'project-plan-3',
        kind: 'trial',
        status: 'expired',
        licenses: 10,
        endsAt: '2026-03-13T00:00:00.000Z',
      },
    ]);
    expect(totals('p1')).toMatchObject({ subscriptions: 1, licenses: 50, trials: 0 });
    expect(story.rows('trials')).toEqual([]);
  });

  it('lists a delegation-only partner while its delegation is offered or active, and drops it after', async () => {
    const d = (delegationId: string) => ({
      customerId: 'alpha',
      partnerId: 'p3',
      delegationId,
      access: 'full',
    });
    const offered = (id: string) => e('DelegationOffered', directOffer(d(id)));
    await story.given(offered('d1'));
    expect(client('p3')).toMatchObject({
      advisor: false,
      por: false,
      delegation_state: 'offered',
      delegation_access: 'full',
    });
    await story.given(
      e('DelegationDeclined', { ...d('d1'), declinedBy: 'c', declinedAt: 'x', startsAt: null, endsAt: null }),
    );
    expect(client('p3')).toBeUndefined();
    expect(totals('p3')).toMatchObject({ clients: 0 });

    await story.given(offered('d2'));
    await story.given(
      e('DelegationOfferExpired', {
        ...d('d2'),
        offerExpiresAt: 'x',
        expiredAt: 'x',
        startsAt: null,
        endsAt: null,
      }),
    );
    expect(client('p3')).toBeUndefined();

    await story.given(
      offered('d3'),
      e('DelegationAccepted', {
        ...d('d3'),
        durationDays: 30,
        autoExtend: true,
        acceptedBy: 'c',
        startsAt: '2026-01-10T00:00:00.000Z',
        endsAt: '2026-02-09T00:00:00.000Z',
      }),
      e('DelegationAutoExtended', {
        ...d('d3'),
        extendedByDays: 30,
        startsAt: '2026-01-10T00:00:00.000Z',
        endsAt: { from: '2026-02-09T00:00:00.000Z', to: '2026-03-11T00:00:00.000Z' },
      }),
    );
    expect(client('p3')).toMatchObject({
      delegation_state: 'active',
      delegation_ends_at: '2026-03-11T00:00:00.000Z',
    });
    expect(totals('p3')).toMatchObject({ clients: 1, delegated: 1, subscriptions: 1, licenses: 50 });

    await story.given(
      e('DelegationEnded', { ...d('d3'), reason: 'term-ended', endedAt: 'x', startsAt: 'x', endsAt: 'y' }),
      offered('d4'),
      e('DelegationRemoved', {
        ...d('d4'),
        wasStatus: 'pending',
        removedBy: { side: 'partner', userId: 'u' },
        removedAt: 'x',
        startsAt: null,
        endsAt: null,
      }),
    );
    expect(client('p3')).toBeUndefined();
    expect(totals('p3')).toEqual({
      partner_id: 'p3',
      clients: 0,
      delegated: 0,
      por: 0,
      subscriptions: 0,
      licenses: 0,
      trials: 0,
    });
  });

  it('ignores facts about customers it never saw created', async () => {
    await story.given(e('CustomerAdvisorAdded', { customerId: 'ghost', partnerId: 'p1', via: invite }));
    expect(story.rows('clients').map((r) => r.customer_id)).toEqual(['alpha', 'alpha']);
  });

  it('drops a trial cancelled as a trial from the trial rows and the totals', async () => {
    const trials = () => story.rows('trials').filter((r) => r.partner_id === 'p5');
    await story.given(
      e('CustomerCreated', customerCreated('delta', 'Delta a.s.', 'delta.example', 'p5')),
      e('CustomerAdvisorAdded', { customerId: 'delta', partnerId: 'p5', via: invite }),
      e('TrialStarted', {
        ...facts('delta', 's1', null, 'p5'),
        seats: 15,
        startedAt: '2026-01-05T10:00:00.000Z',
        endsAt: '2026-02-04T10:00:00.000Z',
        via: invite,
      }),
    );
    expect(trials()).toEqual([
      { partner_id: 'p5', customer_id: 'delta', subscription_id: 's1', ends_at: '2026-02-04T10:00:00.000Z' },
    ]);
    expect(totals('p5')).toMatchObject({ clients: 1, subscriptions: 1, licenses: 0, trials: 1 });

    await story.given(
      e('SubscriptionCancelled', {
        ...facts('delta', 's1', null, 'p5'),
        kind: 'trial',
        licenses: 15,
        cancelledAt: 'x',
        status: { from: 'active', to: 'cancelled' },
      }),
    );
    expect(trials()).toEqual([]);
    expect(totals('p5')).toMatchObject({ clients: 1, subscriptions: 0, licenses: 0, trials: 0 });
    expect(client('p5')).toMatchObject({
      subscription_count: 0,
      trial_count: 0,
      trial_ends: [],
      next_trial_end: null,
    });
  });

  it("ends a redemption's delegation that replaced the partner's active one: no delegation left", async () => {
    const via = { kind: 'trial-invite' as const, id: 'inv-6', partnerId: 'p6' };
    const d = (delegationId: string) => ({
      customerId: 'epsilon',
      partnerId: 'p6',
      delegationId,
      access: 'full',
    });
    await story.given(
      e('CustomerCreated', customerCreated('epsilon', 'Epsilon s.r.o.', 'epsilon.example', 'p6')),
      e('CustomerAdvisorAdded', { customerId: 'epsilon', partnerId: 'p6', via }),
      e('DelegationOffered', directOffer(d('d1'))),
      e('DelegationAccepted', {
        ...d('d1'),
        durationDays: 30,
        autoExtend: false,
        acceptedBy: 'c',
        startsAt: '2026-01-10T00:00:00.000Z',
        endsAt: '2026-02-09T00:00:00.000Z',
      }),
      e('DelegatedAdminAcceptedAtRedemption', {
        customerId: 'epsilon',
        partnerId: 'p6',
        via,
        terms: { access: 'limited', durationDays: 730, autoExtend: false },
        acceptedAt: '2026-01-20T00:00:00.000Z',
      }),
    );
    expect(client('p6')).toMatchObject({
      delegation_state: 'active',
      delegation_access: 'limited',
      delegation_ends_at: '2028-01-20T00:00:00.000Z',
    });
    expect(totals('p6')).toMatchObject({ clients: 1, delegated: 1 });
    // The accepted one is superseded: only the redemption's delegation is left.
    expect(
      Object.keys(story.rows('relations').find((r) => r.customer_id === 'epsilon')?.delegations ?? {}),
    ).toEqual([delegationIdAtRedemption(via)]);

    await story.given(
      e('DelegationEnded', {
        ...d(delegationIdAtRedemption(via)),
        access: 'limited',
        reason: 'term-ended',
        endedAt: 'x',
        startsAt: '2026-01-20T00:00:00.000Z',
        endsAt: '2028-01-20T00:00:00.000Z',
      }),
    );
    expect(client('p6')).toMatchObject({
      advisor: true,
      delegation_state: 'none',
      delegation_access: null,
      delegation_ends_at: null,
    });
    expect(totals('p6')).toMatchObject({ clients: 1, delegated: 0 });
  });

  it('covered every event type it handles', () => {
    expect(story.untold()).toEqual([]);
  });
});
