import { createDomainCommands } from '../registry';
import type { DomainEvent } from '../shared/types';
import { commandSpec, followedBy } from '../testing/spec';
import {
  authorizedPartner,
  revoked,
  customerCreated,
  customerUser,
  inviteCode,
  partnerUser,
  platform,
  porChanged,
  purchaseOfferCreated,
  registered,
  signedUpVia,
  subscriptionStarted,
  testCatalog,
  trialStarted,
} from '../testing/fixtures';

const given = commandSpec(createDomainCommands(testCatalog));
const P = 'partner-p1';
const PO = 'purchase-offer-po1';
const C = 'customer-c1';
const DOMAIN = 'customer-domain-contoso-client.example';
const CODE = inviteCode('b');
const NOW = '2026-01-01T00:00:00.000Z';
const cadmin = customerUser('cadmin');
const via = signedUpVia('purchase-offer', 'po1', 'p1');

const lines = [
  { offerId: 'office-business-basic', licenses: 10 },
  { offerId: 'project-plan-3', licenses: 5 },
];
const newCustomer = {
  companyName: 'Contoso Client a.s.',
  primaryDomain: 'contoso-client.example',
  country: 'CZ',
  adminContact: { name: 'Jan Novák', email: 'jan@contoso-client.example' },
};
const acceptNew = { purchaseOfferId: 'po1', partnerId: 'p1', code: CODE, customerId: 'c1', newCustomer };
const acceptExisting = { purchaseOfferId: 'po1', partnerId: 'p1', code: CODE, customerId: 'c1' };

const world = (extra: Record<string, DomainEvent[]> = {}) => ({
  [P]: authorizedPartner(['advisor', 'delegated-admin-certified']),
  [PO]: [purchaseOfferCreated({ lines })],
  ...extra,
});
const existing = (...more: DomainEvent[]) => world({ [C]: [...customerCreated(), ...more] });
/** The history after a command: `written` appended to each stream of `history`. */
const started = (offerId: string, licenses: number, data: Record<string, unknown> = {}) => ({
  type: 'SubscriptionStarted',
  data: {
    customerId: 'c1',
    subscriptionId: `new-subscriptionId:${offerId}`,
    offerId,
    partnerId: 'p1',
    partnerOfRecordId: 'p1',
    licenses,
    startedAt: NOW,
    endsAt: '2027-01-01T00:00:00.000Z',
    termMonths: 12,
    via,
    ...data,
  },
});
const becamePor = (previousPartnerId: string | null = null) => ({
  type: 'PartnerOfRecordChanged',
  data: { customerId: 'c1', partnerId: 'p1', previousPartnerId, via },
});

describe('AcceptPurchaseOffer: a new customer signs up', () => {
  it('claims the domain, creates the tenant, makes the partner advisor and POR, and starts each subscription', () => {
    given(world())
      .when('AcceptPurchaseOffer', acceptNew, { actor: platform })
      .thenEmits({
        [DOMAIN]: [
          { type: 'CustomerDomainClaimed', data: { domain: 'contoso-client.example', customerId: 'c1' } },
        ],
        [C]: [
          {
            type: 'CustomerCreated',
            data: {
              customerId: 'c1',
              companyName: 'Contoso Client a.s.',
              primaryDomain: 'contoso-client.example',
              country: 'CZ',
              adminContact: { name: 'Jan Novák', email: 'jan@contoso-client.example' },
              signedUpVia: via,
            },
          },
          {
            type: 'CustomerUserCreated',
            data: {
              customerId: 'c1',
              userId: 'new-userId',
              email: 'jan@contoso-client.example',
              displayName: 'Jan Novák',
              role: 'global-admin',
            },
          },
          { type: 'CustomerAdvisorAdded', data: { customerId: 'c1', partnerId: 'p1', via } },
          becamePor(),
          started('office-business-basic', 10),
          started('project-plan-3', 5),
        ],
      })
      .thenIds({
        customerId: 'c1',
        userId: 'new-userId',
        'subscriptionId:office-business-basic': 'new-subscriptionId:office-business-basic',
        'subscriptionId:project-plan-3': 'new-subscriptionId:project-plan-3',
      });
  });

  it('takes the term from the catalog (a monthly service ends a calendar month later)', () => {
    const monthly = [{ offerId: 'teams-essentials', licenses: 20 }];
    const out = given(world({ [PO]: [purchaseOfferCreated({ lines: monthly })] })).when(
      'AcceptPurchaseOffer',
      acceptNew,
      { actor: platform, now: '2026-01-31T09:00:00.000Z' },
    );
    expect(out.events[C][4].data).toMatchObject({
      offerId: 'teams-essentials',
      startedAt: '2026-01-31T09:00:00.000Z',
      endsAt: '2026-02-28T09:00:00.000Z',
      termMonths: 1,
    });
  });

  it('is refused when the domain is already claimed', () => {
    given(
      world({
        [DOMAIN]: [
          { type: 'CustomerDomainClaimed', data: { domain: 'contoso-client.example', customerId: 'c7' } },
        ],
      }),
    )
      .when('AcceptPurchaseOffer', acceptNew, { actor: platform })
      .thenRefused('domain-taken');
  });

  it('validates the tenant facts as a trial sign-up does', () => {
    given(world())
      .when(
        'AcceptPurchaseOffer',
        { ...acceptNew, newCustomer: { ...newCustomer, country: 'EU' } },
        { actor: platform },
      )
      .thenRefused('invalid-country');
    given(world())
      .when(
        'AcceptPurchaseOffer',
        { ...acceptNew, newCustomer: { ...newCustomer, primaryDomain: 'localhost' } },
        { actor: platform },
      )
      .thenRefused('invalid-domain');
  });

  it('is refused to anyone but the platform', () => {
    given(world()).when('AcceptPurchaseOffer', acceptNew, { actor: cadmin }).thenRefused('platform-only');
  });

  it.each(['domain-fabrikam.example', 'c.1', '-c1', 'c 1', '', 'c'.repeat(65)])(
    'refuses the invalid customer id %p for a new customer',
    (customerId) => {
      given(world())
        .when('AcceptPurchaseOffer', { ...acceptNew, customerId }, { actor: platform })
        .thenRefused('invalid-customer-id', { customerId });
    },
  );

  it('is refused when the customer id is taken', () => {
    given(existing())
      .when('AcceptPurchaseOffer', acceptNew, { actor: platform })
      .thenRefused('customer-already-exists');
  });
});

describe('AcceptPurchaseOffer: license counts', () => {
  it('may change the license count of a line within the bounds', () => {
    const out = given(existing()).when(
      'AcceptPurchaseOffer',
      { ...acceptExisting, licenses: { 'project-plan-3': 10000, 'office-business-basic': 1 } },
      { actor: cadmin },
    );
    expect(out.events[C]).toEqual([
      becamePor(),
      started('office-business-basic', 1),
      started('project-plan-3', 10000),
    ]);
  });

  it('refuses a count out of the bounds, naming them', () => {
    given(existing())
      .when(
        'AcceptPurchaseOffer',
        { ...acceptExisting, licenses: { 'project-plan-3': 4 } },
        { actor: cadmin },
      )
      .thenRefused('licenses-out-of-bounds', { offerId: 'project-plan-3', licenses: 4, min: 5, max: 10000 });
    given(existing())
      .when(
        'AcceptPurchaseOffer',
        { ...acceptExisting, licenses: { 'office-business-basic': 301 } },
        { actor: cadmin },
      )
      .thenRefused('licenses-out-of-bounds', { offerId: 'office-business-basic', min: 1, max: 300 });
  });

  it('refuses a count for a service the offer does not include', () => {
    given(existing())
      .when(
        'AcceptPurchaseOffer',
        { ...acceptExisting, licenses: { 'teams-essentials': 3 } },
        { actor: cadmin },
      )
      .thenRefused('not-in-purchase-offer', { offerId: 'teams-essentials', purchaseOfferId: 'po1' });
  });

  it('re-checks the lines against the current catalog', () => {
    given(
      world({
        [C]: customerCreated(),
        [PO]: [purchaseOfferCreated({ lines: [{ offerId: 'retired', licenses: 3 }] })],
      }),
    )
      .when('AcceptPurchaseOffer', acceptExisting, { actor: cadmin })
      .thenRefused('unknown-offer', { offerId: 'retired' });
    given(
      world({
        [C]: customerCreated(),
        [PO]: [purchaseOfferCreated({ lines: [{ offerId: 'project-plan-3', licenses: 2 }] })],
      }),
    )
      .when('AcceptPurchaseOffer', acceptExisting, { actor: cadmin })
      .thenRefused('licenses-out-of-bounds', { offerId: 'project-plan-3', min: 5 });
  });
});

describe('AcceptPurchaseOffer: an existing customer', () => {
  it('converts a running trial of the same service instead of starting a second subscription', () => {
    given(existing(trialStarted()))
      .when('AcceptPurchaseOffer', acceptExisting, { actor: cadmin })
      .thenEmits({
        [C]: [
          becamePor(),
          {
            type: 'TrialConverted',
            data: {
              customerId: 'c1',
              subscriptionId: 's1',
              offerId: 'office-business-basic',
              partnerId: 'p1',
              partnerOfRecordId: 'p1',
              licenses: { from: 25, to: 10 },
              endsAt: { from: '2026-01-14T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' },
              paidFrom: NOW,
              termMonths: 12,
              via,
            },
          },
          started('project-plan-3', 5),
        ],
      })
      .thenIds({ 'subscriptionId:office-business-basic': 's1' });
  });

  it("converts another advisor's trial, which then comes through the offering partner", () => {
    const out = given(
      world({ [C]: [...customerCreated('c1', 'cadmin', 'p2'), trialStarted({ partnerId: 'p2' })] }),
    ).when('AcceptPurchaseOffer', acceptExisting, { actor: cadmin });
    expect(out.events[C].map((e) => e.type)).toEqual([
      'CustomerAdvisorAdded',
      'PartnerOfRecordChanged',
      'TrialConverted',
      'SubscriptionStarted',
    ]);
    expect(out.events[C][2].data).toMatchObject({ partnerId: 'p1', partnerOfRecordId: 'p1' });
  });

  it('starts a new subscription when the trial of that service has ended', () => {
    const expired = {
      type: 'TrialExpired',
      data: {
        customerId: 'c1',
        subscriptionId: 's1',
        offerId: 'office-business-basic',
        partnerId: 'p1',
        partnerOfRecordId: null,
        endsAt: '2026-01-14T00:00:00.000Z',
        expiredAt: '2026-01-14T00:00:00.000Z',
      },
    };
    const out = given(existing(trialStarted(), expired)).when('AcceptPurchaseOffer', acceptExisting, {
      actor: cadmin,
      now: '2026-02-01T00:00:00.000Z',
    });
    expect(out.events[C].map((e) => e.type)).toEqual([
      'PartnerOfRecordChanged',
      'SubscriptionStarted',
      'SubscriptionStarted',
    ]);
  });

  it('takes the Partner of Record over from another partner, naming the previous one', () => {
    const out = given(existing(porChanged('p2'))).when('AcceptPurchaseOffer', acceptExisting, {
      actor: cadmin,
    });
    expect(out.events[C][0]).toEqual(becamePor('p2'));
  });

  it('writes no POR change when the partner already is the POR', () => {
    const out = given(existing(porChanged('p1'))).when('AcceptPurchaseOffer', acceptExisting, {
      actor: cadmin,
    });
    expect(out.events[C].map((e) => e.type)).toEqual(['SubscriptionStarted', 'SubscriptionStarted']);
  });

  it('is refused when the customer already pays for one of the services (change its licenses instead)', () => {
    given(existing(subscriptionStarted()))
      .when('AcceptPurchaseOffer', acceptExisting, { actor: cadmin })
      .thenRefused('already-subscribed', { offerId: 'office-business-basic', subscriptionId: 's2' });
  });

  it('buys again a service whose paid subscription was cancelled', () => {
    const cancelled = {
      type: 'SubscriptionCancelled',
      data: {
        customerId: 'c1',
        subscriptionId: 's2',
        offerId: 'office-business-basic',
        partnerId: 'p1',
        partnerOfRecordId: 'p1',
        kind: 'paid',
        licenses: 10,
        cancelledAt: NOW,
      },
    };
    const out = given(existing(subscriptionStarted(), cancelled)).when(
      'AcceptPurchaseOffer',
      acceptExisting,
      {
        actor: cadmin,
      },
    );
    expect(out.events[C].filter((e) => e.type === 'SubscriptionStarted')).toHaveLength(2);
  });

  it('is refused when the trial to convert is suspended', () => {
    const suspended = {
      type: 'SubscriptionSuspended',
      data: {
        customerId: 'c1',
        subscriptionId: 's1',
        offerId: 'office-business-basic',
        partnerId: 'p1',
        partnerOfRecordId: null,
        by: 'platform',
        reason: null,
        suspendedAt: NOW,
      },
    };
    given(existing(trialStarted(), suspended))
      .when('AcceptPurchaseOffer', acceptExisting, { actor: cadmin })
      .thenRefused('subscription-suspended', { subscriptionId: 's1' });
  });

  it('is refused to the platform, to a user of another customer and to a partner user', () => {
    given(existing())
      .when('AcceptPurchaseOffer', acceptExisting, { actor: platform })
      .thenRefused('access-denied');
    given(existing())
      .when('AcceptPurchaseOffer', acceptExisting, { actor: customerUser('cadmin', 'c2') })
      .thenRefused('customer-not-found');
    given(existing())
      .when('AcceptPurchaseOffer', acceptExisting, { actor: partnerUser('admin') })
      .thenRefused('customer-not-found');
  });
});

describe('AcceptPurchaseOffer: the offer and its partner', () => {
  it('answers not-found for an unknown offer, a wrong partner or a wrong code', () => {
    given(world({ [PO]: [] }))
      .when('AcceptPurchaseOffer', acceptNew, { actor: platform })
      .thenRefused('purchase-offer-not-found');
    given(world())
      .when('AcceptPurchaseOffer', { ...acceptNew, partnerId: 'p2' }, { actor: platform })
      .thenRefused('purchase-offer-not-found');
    given(world())
      .when('AcceptPurchaseOffer', { ...acceptNew, code: inviteCode('x') }, { actor: platform })
      .thenRefused('purchase-offer-not-found', { purchaseOfferId: 'po1' });
  });

  it('is refused when withdrawn', () => {
    given(
      world({
        [PO]: [
          purchaseOfferCreated({ lines }),
          {
            type: 'PurchaseOfferWithdrawn',
            data: { purchaseOfferId: 'po1', partnerId: 'p1', withdrawnAt: NOW },
          },
        ],
      }),
    )
      .when('AcceptPurchaseOffer', acceptNew, { actor: platform })
      .thenRefused('purchase-offer-withdrawn', { purchaseOfferId: 'po1' });
  });

  it('is refused when expired (by the scheduler, or past its expiry)', () => {
    given(
      world({
        [PO]: [
          purchaseOfferCreated({ lines }),
          { type: 'PurchaseOfferExpired', data: { purchaseOfferId: 'po1', partnerId: 'p1', expiredAt: NOW } },
        ],
      }),
    )
      .when('AcceptPurchaseOffer', acceptNew, { actor: platform })
      .thenRefused('purchase-offer-expired');
    given(world({ [PO]: [purchaseOfferCreated({ lines, expiresAt: '2025-12-31T00:00:00.000Z' })] }))
      .when('AcceptPurchaseOffer', acceptNew, { actor: platform })
      .thenRefused('purchase-offer-expired', { expiresAt: '2025-12-31T00:00:00.000Z' });
  });

  it('is accepted up to the last millisecond before the expiry, and refused from the expiry on', () => {
    given(world({ [PO]: [purchaseOfferCreated({ lines, expiresAt: '2026-01-01T00:00:00.001Z' })] }))
      .when('AcceptPurchaseOffer', acceptNew, { actor: platform })
      .thenIds({ customerId: 'c1' });
    given(world({ [PO]: [purchaseOfferCreated({ lines, expiresAt: NOW })] }))
      .when('AcceptPurchaseOffer', acceptNew, { actor: platform })
      .thenRefused('purchase-offer-expired', { expiresAt: NOW });
  });

  it('may be used by one or many customers: a second customer accepts the offer a first one used', () => {
    const first = given(world()).when('AcceptPurchaseOffer', acceptNew, { actor: platform });
    first.thenIds({ customerId: 'c1' });
    const second = given(followedBy(world(), first.events)).when(
      'AcceptPurchaseOffer',
      {
        ...acceptNew,
        customerId: 'c2',
        newCustomer: { ...newCustomer, companyName: 'Northwind a.s.', primaryDomain: 'northwind.example' },
      },
      { actor: platform },
    );
    second.thenIds({ customerId: 'c2' });
    expect(Object.keys(second.events).sort()).toEqual(['customer-c2', 'customer-domain-northwind.example']);
    expect(second.events['customer-c2'].slice(-2)).toEqual([
      started('office-business-basic', 10, { customerId: 'c2' }),
      started('project-plan-3', 5, { customerId: 'c2' }),
    ]);
  });

  it('is refused when the partner is no longer an advisor (only an advisor can be POR)', () => {
    given(world({ [P]: registered() }))
      .when('AcceptPurchaseOffer', acceptNew, { actor: platform })
      .thenRefused('partner-not-an-advisor');
  });

  it('is refused once the advisor authorization was revoked after the offer went out', () => {
    const advisorRevoked = {
      [P]: [
        ...authorizedPartner(['advisor', 'delegated-admin-certified']),
        revoked('advisor', '2025-12-15T00:00:00.000Z'),
      ],
    };
    given(world(advisorRevoked))
      .when('AcceptPurchaseOffer', acceptNew, { actor: platform })
      .thenRefused('partner-not-an-advisor', { partnerId: 'p1' });
    given({ ...existing(), ...advisorRevoked })
      .when('AcceptPurchaseOffer', acceptExisting, { actor: cadmin })
      .thenRefused('partner-not-an-advisor', { partnerId: 'p1' });
  });
});

describe('AcceptPurchaseOffer: the delegated-admin option', () => {
  const terms = { access: 'full', durationDays: 730, autoExtend: false };
  const withOption = world({
    [PO]: [purchaseOfferCreated({ lines, delegatedAdmin: terms })],
    [C]: customerCreated(),
  });

  it('records acceptance or refusal with the offer terms, after the subscriptions', () => {
    const accepted = given(withOption).when(
      'AcceptPurchaseOffer',
      { ...acceptExisting, acceptDelegatedAdmin: true },
      { actor: cadmin },
    );
    expect(accepted.events[C].at(-1)).toEqual({
      type: 'DelegatedAdminAcceptedAtRedemption',
      data: { customerId: 'c1', partnerId: 'p1', via, terms, acceptedAt: NOW },
    });
    const declined = given(withOption).when(
      'AcceptPurchaseOffer',
      { ...acceptExisting, acceptDelegatedAdmin: false },
      { actor: cadmin },
    );
    expect(declined.events[C].at(-1)).toEqual({
      type: 'DelegatedAdminDeclinedAtRedemption',
      data: { customerId: 'c1', partnerId: 'p1', via, terms, declinedAt: NOW },
    });
  });

  it('requires an answer, and refuses accepting what was not offered', () => {
    given(withOption)
      .when('AcceptPurchaseOffer', acceptExisting, { actor: cadmin })
      .thenRefused('delegated-admin-choice-required', { invitationId: 'po1' });
    given(existing())
      .when('AcceptPurchaseOffer', { ...acceptExisting, acceptDelegatedAdmin: true }, { actor: cadmin })
      .thenRefused('delegated-admin-not-offered');
  });

  it('refuses an acceptance once the partner lost its certification, but lets the customer decline', () => {
    const uncertified = {
      ...withOption,
      [P]: [
        ...authorizedPartner(['advisor', 'delegated-admin-certified']),
        {
          type: 'AuthorizationRevoked',
          data: {
            partnerId: 'p1',
            authorization: 'delegated-admin-certified',
            effectiveFrom: '2025-12-15T00:00:00.000Z',
          },
        },
      ],
    };
    given(uncertified)
      .when('AcceptPurchaseOffer', { ...acceptExisting, acceptDelegatedAdmin: true }, { actor: cadmin })
      .thenRefused('not-delegated-admin-certified', { partnerId: 'p1' });
    given(uncertified)
      .when('AcceptPurchaseOffer', { ...acceptExisting, acceptDelegatedAdmin: false }, { actor: cadmin })
      .thenIds({ customerId: 'c1' });
  });
});
