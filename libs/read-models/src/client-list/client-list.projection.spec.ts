import { customerCreated, facts, Story } from '../testing/story';
import { clientListProjection } from './client-list.projection';

const invite = { kind: 'trial-invite', id: 'inv-1', partnerId: 'p1' };

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
    const offered = (id: string) =>
      e('DelegationOffered', {
        ...d(id),
        durationDays: 30,
        autoExtend: false,
        offeredAt: 'x',
        offerExpiresAt: 'y',
        offeredBy: 'u',
        via: { kind: 'direct', id: null },
        startsAt: null,
        endsAt: null,
      });
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

  it('covered every event type it handles', () => {
    expect(story.untold()).toEqual([]);
  });
});
