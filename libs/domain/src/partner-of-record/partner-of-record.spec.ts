import { createDomainCommands } from '../registry';
import type { DomainEvent } from '../shared/types';
import { commandSpec, SPEC_NOW } from '../testing/spec';
import {
  authorizedPartner,
  customerCreated,
  customerUser,
  partnerUser,
  platform,
  porChanged,
  subscriptionStarted,
  testCatalog,
  trialStarted,
} from '../testing/fixtures';

const given = commandSpec(createDomainCommands(testCatalog));
const C = 'customer-c1';
const NOW = SPEC_NOW;
const cadmin = customerUser('cadmin');
const byAdmin = (partnerId: string) => ({ kind: 'customer-admin', id: 'cadmin', partnerId });

/** Customer c1 advised by p1 (its POR); p2 is another advisor partner. */
const world = (...more: DomainEvent[]) => ({
  'partner-p1': authorizedPartner(['advisor'], 'p1'),
  'partner-p2': authorizedPartner(['advisor'], 'p2'),
  [C]: [...customerCreated(), porChanged('p1'), ...more],
});
const change = { customerId: 'c1', partnerId: 'p2' };

describe('ChangePartnerOfRecord', () => {
  it("the customer's admin names another advisor partner: it becomes an advisor of the customer and POR", () => {
    given(world())
      .when('ChangePartnerOfRecord', change, { actor: cadmin })
      .thenEmits({
        [C]: [
          { type: 'CustomerAdvisorAdded', data: { customerId: 'c1', partnerId: 'p2', via: byAdmin('p2') } },
          {
            type: 'PartnerOfRecordChanged',
            data: { customerId: 'c1', partnerId: 'p2', previousPartnerId: 'p1', via: byAdmin('p2') },
          },
        ],
      });
  });

  it('only the POR changes for a partner already advising the customer', () => {
    given(
      world({
        type: 'CustomerAdvisorAdded',
        data: { customerId: 'c1', partnerId: 'p2', via: byAdmin('p2') },
      }),
    )
      .when('ChangePartnerOfRecord', change, { actor: cadmin })
      .thenEmits({
        [C]: [
          {
            type: 'PartnerOfRecordChanged',
            data: { customerId: 'c1', partnerId: 'p2', previousPartnerId: 'p1', via: byAdmin('p2') },
          },
        ],
      });
  });

  it('changes nothing when the partner is the POR already', () => {
    given(world())
      .when('ChangePartnerOfRecord', { ...change, partnerId: 'p1' }, { actor: cadmin })
      .thenNothing();
  });

  it('is refused for a partner that is not an advisor now, and answers not-found for an unknown partner', () => {
    given({ ...world(), 'partner-p2': authorizedPartner(['delegated-admin-certified'], 'p2') })
      .when('ChangePartnerOfRecord', change, { actor: cadmin })
      .thenRefused('partner-not-an-advisor', { partnerId: 'p2' });
    given({
      ...world(),
      'partner-p2': [
        ...authorizedPartner(['advisor'], 'p2'),
        {
          type: 'AuthorizationRevoked',
          data: { partnerId: 'p2', authorization: 'advisor', effectiveFrom: '2025-12-31T00:00:00.000Z' },
        },
      ],
    })
      .when('ChangePartnerOfRecord', change, { actor: cadmin })
      .thenRefused('partner-not-an-advisor');
    given(world())
      .when('ChangePartnerOfRecord', { ...change, partnerId: 'p9' }, { actor: cadmin })
      .thenRefused('partner-not-found', { partnerId: 'p9' });
  });

  it('is the customer’s choice: refused to a plain user and the platform; partners see no customer', () => {
    given(
      world({
        type: 'CustomerUserCreated',
        data: {
          customerId: 'c1',
          userId: 'u1',
          email: 'u1@fabrikam.example',
          displayName: 'U',
          role: 'user',
        },
      }),
    )
      .when('ChangePartnerOfRecord', change, { actor: customerUser('u1') })
      .thenRefused('access-denied', { action: 'choose-partner-of-record' });
    given(world()).when('ChangePartnerOfRecord', change, { actor: platform }).thenRefused('access-denied');
    given(world())
      .when('ChangePartnerOfRecord', change, { actor: partnerUser('admin', 'p2') })
      .thenRefused('customer-not-found');
  });
});

describe('Every subscription change names the current POR, with before → after values', () => {
  const changed = porChanged('p2', 'p1');
  const por = { partnerOfRecordId: 'p2' };
  const trial = trialStarted({ offerId: 'office-business-premium' });
  const paid = subscriptionStarted();
  const s1 = { customerId: 'c1', subscriptionId: 's1' };
  const s2 = { customerId: 'c1', subscriptionId: 's2' };
  const suspended: DomainEvent = {
    type: 'SubscriptionSuspended',
    data: { customerId: 'c1', subscriptionId: 's2', by: 'customer', reason: null, suspendedAt: NOW },
  };
  const cases: [string, DomainEvent[], string, object, { actor: typeof cadmin; now?: string }, object][] = [
    [
      'license count changed',
      [],
      'ChangeLicenseCount',
      { ...s2, licenses: 15 },
      { actor: cadmin },
      { licenses: { from: 10, to: 15 } },
    ],
    [
      'trial converted',
      [],
      'ConvertTrial',
      { ...s1, licenses: 30 },
      { actor: cadmin },
      {
        licenses: { from: 25, to: 30 },
        endsAt: { from: '2026-01-14T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' },
      },
    ],
    [
      'trial expiring',
      [],
      'MarkTrialExpiring',
      { ...s1, daysLeft: 7 },
      { actor: platform, now: '2026-01-08T00:00:00.000Z' },
      { daysLeft: 7, endsAt: '2026-01-14T00:00:00.000Z' },
    ],
    [
      'trial ended',
      [],
      'ExpireTrial',
      s1,
      { actor: platform, now: '2026-01-14T00:00:00.000Z' },
      { status: { from: 'active', to: 'expired' } },
    ],
    [
      'renewed',
      [],
      'RenewSubscription',
      s2,
      { actor: cadmin },
      { endsAt: { from: '2026-06-30T00:00:00.000Z', to: '2027-06-30T00:00:00.000Z' } },
    ],
    [
      'suspended',
      [],
      'SuspendSubscription',
      s2,
      { actor: cadmin },
      { status: { from: 'active', to: 'suspended' } },
    ],
    [
      'reactivated',
      [suspended],
      'ReactivateSubscription',
      s2,
      { actor: cadmin },
      { status: { from: 'suspended', to: 'active' } },
    ],
    [
      'cancelled (from suspended)',
      [suspended],
      'CancelSubscription',
      s2,
      { actor: cadmin },
      { licenses: 10, status: { from: 'suspended', to: 'cancelled' } },
    ],
  ];

  it.each(cases)('%s', (_name, before, type, payload, options, values) => {
    const out = given(world(trial, paid, changed, ...before)).when(type, payload, options);
    expect(out.events[C]).toHaveLength(1);
    expect(out.events[C][0].data).toMatchObject({ ...por, ...values });
  });
});
