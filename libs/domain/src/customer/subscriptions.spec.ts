import { createDomainCommands } from '../registry';
import type { DomainEvent } from '../shared/types';
import { fold } from '../shared/command';
import { commandSpec } from '../testing/spec';
import {
  authorizedPartner,
  customerCreated,
  customerUser,
  partnerUser,
  platform,
  roleAssigned,
  porChanged,
  subscriptionStarted,
  testCatalog,
  trialStarted,
} from '../testing/fixtures';
import type { CustomerEvent } from './events';
import { customerEvolver } from './state';

const given = commandSpec(createDomainCommands(testCatalog));
const C = 'customer-c1';
const NOW = '2026-01-01T00:00:00.000Z';
const cadmin = customerUser('cadmin');

/** s1: a trial of Premium (ends 2026-01-14); s2: a paid Basic subscription (10 licenses, ends 2026-06-30). */
const trial = trialStarted({ offerId: 'office-business-premium' });
const paid = subscriptionStarted();
const base = [...customerCreated(), porChanged('p1'), trial, paid];
const customer = (...more: DomainEvent[]) => ({ [C]: [...base, ...more] });

const facts = (subscriptionId: 's1' | 's2') => ({
  customerId: 'c1',
  subscriptionId,
  offerId: subscriptionId === 's1' ? 'office-business-premium' : 'office-business-basic',
  partnerId: 'p1',
  partnerOfRecordId: 'p1',
});
const s1 = { customerId: 'c1', subscriptionId: 's1' };
const s2 = { customerId: 'c1', subscriptionId: 's2' };
const cancelled = (id: 's1' | 's2') => ({
  type: 'SubscriptionCancelled',
  data: {
    ...facts(id),
    kind: id === 's1' ? 'trial' : 'paid',
    licenses: id === 's1' ? 25 : 10,
    cancelledAt: NOW,
    status: { from: 'active', to: 'cancelled' },
  },
});
const expired = {
  type: 'TrialExpired',
  data: {
    ...facts('s1'),
    endsAt: '2026-01-14T00:00:00.000Z',
    expiredAt: '2026-01-14T00:00:00.000Z',
    status: { from: 'active', to: 'expired' },
  },
};
const suspended = (id: 's1' | 's2', by: 'customer' | 'platform') => ({
  type: 'SubscriptionSuspended',
  data: { ...facts(id), by, reason: null, suspendedAt: NOW, status: { from: 'active', to: 'suspended' } },
});
const plainUser = {
  type: 'CustomerUserCreated',
  data: { customerId: 'c1', userId: 'u1', email: 'u1@fabrikam.example', displayName: 'U', role: 'user' },
};

describe('ChangeLicenseCount', () => {
  it('changes the licenses of a paid subscription, before → after, with the POR to notify', () => {
    given(customer())
      .when('ChangeLicenseCount', { ...s2, licenses: 25 }, { actor: cadmin })
      .thenEmits({
        [C]: [{ type: 'LicenseCountChanged', data: { ...facts('s2'), licenses: { from: 10, to: 25 } } }],
      });
  });

  it('changes nothing when the count is the same', () => {
    given(customer())
      .when('ChangeLicenseCount', { ...s2, licenses: 10 }, { actor: cadmin })
      .thenNothing();
  });

  it('refuses a count out of the catalog bounds', () => {
    given(customer())
      .when('ChangeLicenseCount', { ...s2, licenses: 301 }, { actor: cadmin })
      .thenRefused('licenses-out-of-bounds', { offerId: 'office-business-basic', min: 1, max: 300 });
    given(customer())
      .when('ChangeLicenseCount', { ...s2, licenses: 0 }, { actor: cadmin })
      .thenRefused('licenses-out-of-bounds');
  });

  it('refuses to change the seats of a trial (they are fixed; convert it to buy licenses)', () => {
    given(customer())
      .when('ChangeLicenseCount', { ...s1, licenses: 30 }, { actor: cadmin })
      .thenRefused('trial-seats-fixed', { subscriptionId: 's1', seats: 25 });
  });

  it('refuses an ended or suspended subscription', () => {
    given(customer(cancelled('s2')))
      .when('ChangeLicenseCount', { ...s2, licenses: 20 }, { actor: cadmin })
      .thenRefused('subscription-ended', { status: 'cancelled' });
    given(customer(suspended('s2', 'customer')))
      .when('ChangeLicenseCount', { ...s2, licenses: 20 }, { actor: cadmin })
      .thenRefused('subscription-suspended');
  });

  it('answers not-found for an unknown subscription', () => {
    given(customer())
      .when('ChangeLicenseCount', { ...s2, subscriptionId: 's9', licenses: 20 }, { actor: cadmin })
      .thenRefused('subscription-not-found', { subscriptionId: 's9' });
  });

  it("is refused to a plain user, the platform, and a partner's user without a delegation", () => {
    given(customer(plainUser))
      .when('ChangeLicenseCount', { ...s2, licenses: 20 }, { actor: customerUser('u1') })
      .thenRefused('access-denied', { action: 'manage-subscriptions' });
    given(customer())
      .when('ChangeLicenseCount', { ...s2, licenses: 20 }, { actor: platform })
      .thenRefused('access-denied');
    // Changed with delegated administration: a partner user is judged on its delegation (see
    // delegation/acting-for-customer.spec.ts); without one it is refused `no-delegation`.
    given({
      ...customer(),
      'partner-p1': [...authorizedPartner(['delegated-admin-certified']), roleAssigned('admin', 'full')],
    })
      .when('ChangeLicenseCount', { ...s2, licenses: 20 }, { actor: partnerUser('admin') })
      .thenRefused('no-delegation', { customerId: 'c1', partnerId: 'p1' });
  });
});

describe('ConvertTrial', () => {
  const converted = {
    type: 'TrialConverted',
    data: {
      ...facts('s1'),
      licenses: { from: 25, to: 40 },
      endsAt: { from: '2026-01-14T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' },
      paidFrom: NOW,
      termMonths: 12,
      via: null,
    },
  };

  it('turns the trial into a paid subscription of a term, with the chosen licenses', () => {
    given(customer())
      .when('ConvertTrial', { ...s1, licenses: 40 }, { actor: cadmin })
      .thenEmits({ [C]: [converted] });
  });

  it('is allowed after the trial period, while the scheduler has not yet expired it', () => {
    const out = given(customer()).when(
      'ConvertTrial',
      { ...s1, licenses: 40 },
      {
        actor: cadmin,
        now: '2026-01-20T00:00:00.000Z',
      },
    );
    expect(out.events[C][0].data).toMatchObject({ endsAt: { to: '2027-01-20T00:00:00.000Z' } });
  });

  it('makes the subscription paid: licenses may then change, and renewals follow the term', () => {
    given(customer(converted))
      .when('ChangeLicenseCount', { ...s1, licenses: 41 }, { actor: cadmin })
      .thenEmits({
        [C]: [{ type: 'LicenseCountChanged', data: { ...facts('s1'), licenses: { from: 40, to: 41 } } }],
      });
    given(customer(converted))
      .when('ConvertTrial', { ...s1, licenses: 41 }, { actor: cadmin })
      .thenRefused('not-a-trial', { kind: 'paid' });
  });

  it('refuses a paid subscription, an ended or suspended trial, and licenses out of bounds', () => {
    given(customer())
      .when('ConvertTrial', { ...s2, licenses: 40 }, { actor: cadmin })
      .thenRefused('not-a-trial');
    given(customer(expired))
      .when('ConvertTrial', { ...s1, licenses: 40 }, { actor: cadmin })
      .thenRefused('subscription-ended', { status: 'expired' });
    given(customer(suspended('s1', 'customer')))
      .when('ConvertTrial', { ...s1, licenses: 40 }, { actor: cadmin })
      .thenRefused('subscription-suspended');
    given(customer())
      .when('ConvertTrial', { ...s1, licenses: 0 }, { actor: cadmin })
      .thenRefused('licenses-out-of-bounds', { offerId: 'office-business-premium' });
  });

  it('is refused to a plain user', () => {
    given(customer(plainUser))
      .when('ConvertTrial', { ...s1, licenses: 40 }, { actor: customerUser('u1') })
      .thenRefused('access-denied');
  });
});

describe('ExpireTrial', () => {
  const at = (now: string) => ({ actor: platform, now });

  it('ends a trial that is due (at or after its end)', () => {
    given(customer())
      .when('ExpireTrial', s1, at('2026-01-14T00:00:00.000Z'))
      .thenEmits({ [C]: [expired] });
  });

  it('is refused before the end', () => {
    given(customer())
      .when('ExpireTrial', s1, at('2026-01-13T23:59:59.999Z'))
      .thenRefused('trial-not-due', { subscriptionId: 's1', endsAt: '2026-01-14T00:00:00.000Z' });
  });

  it('changes nothing for a trial already expired or cancelled', () => {
    given(customer(expired)).when('ExpireTrial', s1, at('2026-02-01T00:00:00.000Z')).thenNothing();
    given(customer(cancelled('s1')))
      .when('ExpireTrial', s1, at('2026-02-01T00:00:00.000Z'))
      .thenNothing();
  });

  it('refuses a paid subscription (e.g. a trial converted meanwhile)', () => {
    given(customer()).when('ExpireTrial', s2, at('2027-01-01T00:00:00.000Z')).thenRefused('not-a-trial');
  });

  it('is refused to anyone but the platform', () => {
    given(customer())
      .when('ExpireTrial', s1, { actor: cadmin, now: '2026-02-01T00:00:00.000Z' })
      .thenRefused('platform-only');
  });

  it('answers not-found for an unknown customer or subscription', () => {
    given().when('ExpireTrial', s1, at('2026-02-01T00:00:00.000Z')).thenRefused('customer-not-found');
    given(customer())
      .when('ExpireTrial', { ...s1, subscriptionId: 'nope' }, at('2026-02-01T00:00:00.000Z'))
      .thenRefused('subscription-not-found');
  });
});

describe('MarkTrialExpiring', () => {
  const expiring = (daysLeft: 7 | 1) => ({
    type: 'TrialExpiring',
    data: { ...facts('s1'), daysLeft, endsAt: '2026-01-14T00:00:00.000Z' },
  });
  const at = (now: string) => ({ actor: platform, now });

  it('sends the 7-day notice from a week before the end', () => {
    given(customer())
      .when('MarkTrialExpiring', { ...s1, daysLeft: 7 }, at('2026-01-07T00:00:00.000Z'))
      .thenEmits({ [C]: [expiring(7)] });
  });

  it('sends the 1-day notice from a day before the end, after the 7-day one', () => {
    given(customer(expiring(7)))
      .when('MarkTrialExpiring', { ...s1, daysLeft: 1 }, at('2026-01-13T00:00:00.000Z'))
      .thenEmits({ [C]: [expiring(1)] });
  });

  it('is refused before a notice is due, saying from when', () => {
    given(customer())
      .when('MarkTrialExpiring', { ...s1, daysLeft: 7 }, at('2026-01-06T23:59:59.999Z'))
      .thenRefused('trial-not-due', { notBefore: '2026-01-07T00:00:00.000Z' });
    given(customer())
      .when('MarkTrialExpiring', { ...s1, daysLeft: 1 }, at('2026-01-12T00:00:00.000Z'))
      .thenRefused('trial-not-due', { notBefore: '2026-01-13T00:00:00.000Z' });
  });

  it('sends each notice once', () => {
    given(customer(expiring(7)))
      .when('MarkTrialExpiring', { ...s1, daysLeft: 7 }, at('2026-01-08T00:00:00.000Z'))
      .thenNothing();
  });

  it('drops a late 7-day notice after the 1-day one, after the end, or for an ended trial', () => {
    given(customer(expiring(1)))
      .when('MarkTrialExpiring', { ...s1, daysLeft: 7 }, at('2026-01-13T01:00:00.000Z'))
      .thenNothing();
    given(customer())
      .when('MarkTrialExpiring', { ...s1, daysLeft: 1 }, at('2026-01-14T00:00:00.000Z'))
      .thenNothing();
    given(customer(cancelled('s1')))
      .when('MarkTrialExpiring', { ...s1, daysLeft: 7 }, at('2026-01-08T00:00:00.000Z'))
      .thenNothing();
  });

  it('refuses another number of days, a paid subscription, and any actor but the platform', () => {
    given(customer())
      .when('MarkTrialExpiring', { ...s1, daysLeft: 3 }, at('2026-01-12T00:00:00.000Z'))
      .thenRefused('invalid-days-left', { daysLeft: 3 });
    given(customer())
      .when('MarkTrialExpiring', { ...s2, daysLeft: 7 }, at('2026-06-25T00:00:00.000Z'))
      .thenRefused('not-a-trial');
    given(customer())
      .when('MarkTrialExpiring', { ...s1, daysLeft: 7 }, { actor: cadmin, now: '2026-01-08T00:00:00.000Z' })
      .thenRefused('platform-only');
  });
});

describe('RenewSubscription', () => {
  it('extends a paid subscription by one term', () => {
    given(customer())
      .when('RenewSubscription', s2, { actor: cadmin })
      .thenEmits({
        [C]: [
          {
            type: 'SubscriptionRenewed',
            data: {
              ...facts('s2'),
              endsAt: { from: '2026-06-30T00:00:00.000Z', to: '2027-06-30T00:00:00.000Z' },
              termMonths: 12,
            },
          },
        ],
      });
  });

  it('keeps a month-end subscription on month ends (no drift to the 28th)', () => {
    const monthly = subscriptionStarted({
      subscriptionId: 's3',
      offerId: 'teams-essentials',
      licenses: 5,
      startedAt: '2026-01-31T00:00:00.000Z',
      endsAt: '2026-02-28T00:00:00.000Z',
      termMonths: 1,
    });
    const renewed = {
      type: 'SubscriptionRenewed',
      data: {
        customerId: 'c1',
        subscriptionId: 's3',
        offerId: 'teams-essentials',
        partnerId: 'p1',
        partnerOfRecordId: 'p1',
        endsAt: { from: '2026-02-28T00:00:00.000Z', to: '2026-03-31T00:00:00.000Z' },
        termMonths: 1,
      },
    };
    given(customer(monthly))
      .when('RenewSubscription', { customerId: 'c1', subscriptionId: 's3' }, { actor: cadmin })
      .thenEmits({ [C]: [renewed] });
    const out = given(customer(monthly, renewed)).when(
      'RenewSubscription',
      { customerId: 'c1', subscriptionId: 's3' },
      { actor: cadmin },
    );
    expect(out.events[C][0].data).toMatchObject({
      endsAt: { from: '2026-03-31T00:00:00.000Z', to: '2026-04-30T00:00:00.000Z' },
    });
  });

  it('refuses a trial, an ended and a suspended subscription', () => {
    given(customer()).when('RenewSubscription', s1, { actor: cadmin }).thenRefused('trial-not-renewable');
    given(customer(cancelled('s2')))
      .when('RenewSubscription', s2, { actor: cadmin })
      .thenRefused('subscription-ended');
    given(customer(suspended('s2', 'platform')))
      .when('RenewSubscription', s2, { actor: cadmin })
      .thenRefused('subscription-suspended');
  });
});

describe('CancelSubscription', () => {
  it('cancels a paid subscription, saying how many licenses it had', () => {
    given(customer())
      .when('CancelSubscription', s2, { actor: cadmin })
      .thenEmits({ [C]: [cancelled('s2')] });
  });

  it('cancels a trial (which still counts as the one trial of that offer)', () => {
    given(customer())
      .when('CancelSubscription', s1, { actor: cadmin })
      .thenEmits({ [C]: [cancelled('s1')] });
  });

  it('refuses an ended subscription: cancelled twice, or an expired trial', () => {
    given(customer(cancelled('s2')))
      .when('CancelSubscription', s2, { actor: cadmin })
      .thenRefused('subscription-ended');
    given(customer(expired))
      .when('CancelSubscription', s1, { actor: cadmin })
      .thenRefused('subscription-ended');
  });

  it('is refused to a user of another customer', () => {
    given(customer())
      .when('CancelSubscription', s2, { actor: customerUser('cadmin', 'c2') })
      .thenRefused('customer-not-found');
  });
});

describe('SuspendSubscription / ReactivateSubscription', () => {
  it("suspends by the customer's admin, or by the platform with a reason", () => {
    given(customer())
      .when('SuspendSubscription', s2, { actor: cadmin })
      .thenEmits({ [C]: [suspended('s2', 'customer')] });
    given(customer())
      .when('SuspendSubscription', { ...s2, reason: ' unpaid invoice ' }, { actor: platform })
      .thenEmits({
        [C]: [
          {
            type: 'SubscriptionSuspended',
            data: {
              ...facts('s2'),
              by: 'platform',
              reason: 'unpaid invoice',
              suspendedAt: NOW,
              status: { from: 'active', to: 'suspended' },
            },
          },
        ],
      });
  });

  it('changes nothing when already suspended, and refuses an ended subscription', () => {
    given(customer(suspended('s2', 'customer')))
      .when('SuspendSubscription', s2, { actor: cadmin })
      .thenNothing();
    given(customer(cancelled('s2')))
      .when('SuspendSubscription', s2, { actor: platform })
      .thenRefused('subscription-ended');
  });

  it('answers not-found to the platform for an unknown customer, and refuses a plain user', () => {
    given().when('SuspendSubscription', s2, { actor: platform }).thenRefused('customer-not-found');
    given(customer(plainUser))
      .when('SuspendSubscription', s2, { actor: customerUser('u1') })
      .thenRefused('access-denied');
  });

  const reactivated = {
    type: 'SubscriptionReactivated',
    data: { ...facts('s2'), reactivatedAt: NOW, status: { from: 'suspended', to: 'active' } },
  };

  it('lets the customer lift its own suspension, and the platform lift any', () => {
    given(customer(suspended('s2', 'customer')))
      .when('ReactivateSubscription', s2, { actor: cadmin })
      .thenEmits({ [C]: [reactivated] });
    given(customer(suspended('s2', 'platform')))
      .when('ReactivateSubscription', s2, { actor: platform })
      .thenEmits({ [C]: [reactivated] });
    given(customer(suspended('s2', 'customer')))
      .when('ReactivateSubscription', s2, { actor: platform })
      .thenEmits({ [C]: [reactivated] });
  });

  it("refuses the customer lifting the platform's suspension", () => {
    given(customer(suspended('s2', 'platform')))
      .when('ReactivateSubscription', s2, { actor: cadmin })
      .thenRefused('suspended-by-platform', { subscriptionId: 's2' });
  });

  it('changes nothing when not suspended, and refuses an ended subscription', () => {
    given(customer()).when('ReactivateSubscription', s2, { actor: cadmin }).thenNothing();
    given(customer(suspended('s2', 'customer'), cancelled('s2')))
      .when('ReactivateSubscription', s2, { actor: cadmin })
      .thenRefused('subscription-ended');
  });

  it('a reactivated subscription takes changes again', () => {
    given(customer(suspended('s2', 'customer'), reactivated))
      .when('ChangeLicenseCount', { ...s2, licenses: 11 }, { actor: cadmin })
      .thenEmits({
        [C]: [{ type: 'LicenseCountChanged', data: { ...facts('s2'), licenses: { from: 10, to: 11 } } }],
      });
  });
});

describe('the customer fold', () => {
  it('keeps tenant facts, users, advisors, POR, subscriptions and the trials ever used', () => {
    const state = fold(customerEvolver, [
      ...base,
      cancelled('s1'),
      porChanged('p2', 'p1'),
    ] as CustomerEvent[]);
    expect(state).toMatchObject({
      exists: true,
      id: 'c1',
      primaryDomain: 'fabrikam.example',
      country: 'SK',
      advisors: ['p1'],
      partnerOfRecord: 'p2',
      trialsUsed: ['office-business-premium'],
      emails: { 'eva@fabrikam.example': 'cadmin' },
    });
    expect(state.subscriptions.s1).toMatchObject({ kind: 'trial', status: 'cancelled', licenses: 25 });
    expect(state.subscriptions.s2).toMatchObject({
      kind: 'paid',
      status: 'active',
      licenses: 10,
      termDay: 30,
    });
  });

  it('ignores unknown event types', () => {
    const state = fold(customerEvolver, customerCreated() as CustomerEvent[]);
    expect(
      customerEvolver.evolve(state, { type: 'SomethingNewer', data: {} } as unknown as CustomerEvent),
    ).toBe(state);
  });
});
