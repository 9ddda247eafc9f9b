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
  registered,
  signedUpVia,
  subscriptionStarted,
  testCatalog,
  trialInviteCreated,
  trialStarted,
} from '../testing/fixtures';

const given = commandSpec(createDomainCommands(testCatalog));
const P = 'partner-p1';
const INV = 'trial-invite-inv1';
const C = 'customer-c1';
const DOMAIN = 'customer-domain-fabrikam.example';
const CODE = inviteCode();
const NOW = '2026-01-01T00:00:00.000Z';
const cadmin = customerUser('cadmin');
const via = signedUpVia('trial-invite', 'inv1', 'p1');

const newCustomer = {
  companyName: ' Fabrikam s.r.o. ',
  primaryDomain: 'Fabrikam.Example',
  country: 'sk',
  adminContact: { name: 'Eva Admin', email: 'eva@fabrikam.example' },
};
const redeemNew = { inviteId: 'inv1', partnerId: 'p1', code: CODE, customerId: 'c1', newCustomer };
const redeemExisting = { inviteId: 'inv1', partnerId: 'p1', code: CODE, customerId: 'c1' };

const world = (extra: Record<string, DomainEvent[]> = {}) => ({
  [P]: authorizedPartner(['advisor', 'delegated-admin-certified']),
  [INV]: [trialInviteCreated()],
  ...extra,
});
const existing = (...more: DomainEvent[]) => world({ [C]: [...customerCreated(), ...more] });
/** The history after a command: `written` appended to each stream of `history`. */
const trial = (data: Record<string, unknown> = {}) => ({
  type: 'TrialStarted',
  data: {
    customerId: 'c1',
    subscriptionId: 'new-subscriptionId',
    offerId: 'office-business-basic',
    partnerId: 'p1',
    partnerOfRecordId: null,
    seats: 25,
    startedAt: NOW,
    endsAt: '2026-01-31T00:00:00.000Z',
    via,
    ...data,
  },
});

describe('RedeemTrialInvite: a new customer signs up', () => {
  it('claims the domain, creates the tenant with its admin, links the advisor and starts the trial', () => {
    given(world())
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenEmits({
        [DOMAIN]: [{ type: 'CustomerDomainClaimed', data: { domain: 'fabrikam.example', customerId: 'c1' } }],
        [C]: [
          {
            type: 'CustomerCreated',
            data: {
              customerId: 'c1',
              companyName: 'Fabrikam s.r.o.',
              primaryDomain: 'fabrikam.example',
              country: 'SK',
              adminContact: { name: 'Eva Admin', email: 'eva@fabrikam.example' },
              signedUpVia: via,
            },
          },
          {
            type: 'CustomerUserCreated',
            data: {
              customerId: 'c1',
              userId: 'new-userId',
              email: 'eva@fabrikam.example',
              displayName: 'Eva Admin',
              role: 'global-admin',
            },
          },
          { type: 'CustomerAdvisorAdded', data: { customerId: 'c1', partnerId: 'p1', via } },
          trial(),
        ],
      })
      .thenIds({ customerId: 'c1', userId: 'new-userId', subscriptionId: 'new-subscriptionId' });
  });

  it('generates the customer id when none is given', () => {
    const out = given(world()).when(
      'RedeemTrialInvite',
      { ...redeemNew, customerId: undefined },
      { actor: platform },
    );
    out.thenIds({ customerId: 'new-customerId' });
    expect(Object.keys(out.events).sort()).toEqual([DOMAIN, 'customer-new-customerId']);
  });

  it('takes trial length and seats from the catalog', () => {
    const out = given(world({ [INV]: [trialInviteCreated({ offerId: 'project-plan-3' })] })).when(
      'RedeemTrialInvite',
      redeemNew,
      { actor: platform },
    );
    expect(out.events[C][3]).toEqual(
      trial({ offerId: 'project-plan-3', seats: 10, endsAt: '2026-03-02T00:00:00.000Z' }),
    );
  });

  it('claims the domain in lower case without a trailing dot (one stream per domain, whatever the spelling)', () => {
    const out = given(world()).when(
      'RedeemTrialInvite',
      { ...redeemNew, newCustomer: { ...newCustomer, primaryDomain: 'FABRIKAM.example.' } },
      { actor: platform },
    );
    expect(out.events[DOMAIN]).toEqual([
      { type: 'CustomerDomainClaimed', data: { domain: 'fabrikam.example', customerId: 'c1' } },
    ]);
  });

  it('is refused when the domain is already claimed: a racing sign-up retries and lands here', () => {
    given(
      world({
        [DOMAIN]: [{ type: 'CustomerDomainClaimed', data: { domain: 'fabrikam.example', customerId: 'c9' } }],
      }),
    )
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenRefused('domain-taken', { domain: 'fabrikam.example' });
  });

  it('does not claim again a domain already claimed for this very customer (retry after a crash)', () => {
    const out = given(
      world({
        [DOMAIN]: [{ type: 'CustomerDomainClaimed', data: { domain: 'fabrikam.example', customerId: 'c1' } }],
      }),
    ).when('RedeemTrialInvite', redeemNew, { actor: platform });
    expect(Object.keys(out.events)).toEqual([C]);
    out.thenIds({ customerId: 'c1' });
  });

  // Ids become stream names: with a dot one could be a claim stream (`customer-domain-{domain}`).
  it.each(['domain-fabrikam.example', 'c.1', '-c1', 'c 1', '', 'c'.repeat(65)])(
    'refuses the invalid customer id %p for a new customer',
    (customerId) => {
      given(world())
        .when('RedeemTrialInvite', { ...redeemNew, customerId }, { actor: platform })
        .thenRefused('invalid-customer-id', { customerId });
    },
  );

  it('takes a customer id of 64 letters, digits, "-" and "_"', () => {
    const customerId = `A1_-${'c'.repeat(60)}`;
    given(world())
      .when('RedeemTrialInvite', { ...redeemNew, customerId }, { actor: platform })
      .thenIds({ customerId });
  });

  it('is refused when the customer id is taken', () => {
    given(existing())
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenRefused('customer-already-exists', { customerId: 'c1' });
  });

  it.each([
    'fabrikam',
    'fabrikam..example',
    '-fabrikam.example',
    'fabrikam-.example',
    'fab_rikam.example',
    '10.0.0.1',
    '',
    `${'a'.repeat(64)}.example`,
  ])('refuses the invalid domain %p', (primaryDomain) => {
    given(world())
      .when(
        'RedeemTrialInvite',
        { ...redeemNew, newCustomer: { ...newCustomer, primaryDomain } },
        { actor: platform },
      )
      .thenRefused('invalid-domain');
  });

  it('accepts a long multi-label domain with digits and hyphens', () => {
    given(world())
      .when(
        'RedeemTrialInvite',
        { ...redeemNew, newCustomer: { ...newCustomer, primaryDomain: `x-1.${'a'.repeat(63)}.co.uk` } },
        { actor: platform },
      )
      .thenIds({ customerId: 'c1' });
  });

  it.each(['XX', 'SVK', 'UK', '', 's'])('refuses the country %p (not ISO 3166-1 alpha-2)', (country) => {
    given(world())
      .when(
        'RedeemTrialInvite',
        { ...redeemNew, newCustomer: { ...newCustomer, country } },
        { actor: platform },
      )
      .thenRefused('invalid-country');
  });

  it('refuses an admin contact without a valid e-mail or name', () => {
    given(world())
      .when(
        'RedeemTrialInvite',
        { ...redeemNew, newCustomer: { ...newCustomer, adminContact: { name: 'Eva', email: 'eva@' } } },
        { actor: platform },
      )
      .thenRefused('invalid-email', { field: 'adminContact.email' });
    given(world())
      .when(
        'RedeemTrialInvite',
        {
          ...redeemNew,
          newCustomer: { ...newCustomer, adminContact: { name: ' ', email: 'eva@fabrikam.example' } },
        },
        { actor: platform },
      )
      .thenRefused('invalid-field', { field: 'adminContact.name' });
  });

  it('refuses an empty company name', () => {
    given(world())
      .when(
        'RedeemTrialInvite',
        { ...redeemNew, newCustomer: { ...newCustomer, companyName: '' } },
        { actor: platform },
      )
      .thenRefused('invalid-field', { field: 'companyName' });
  });

  it('is refused to anyone but the platform (the sign-up flow)', () => {
    given(world()).when('RedeemTrialInvite', redeemNew, { actor: cadmin }).thenRefused('platform-only');
    given(world())
      .when('RedeemTrialInvite', redeemNew, { actor: partnerUser('admin') })
      .thenRefused('platform-only');
  });
});

describe('RedeemTrialInvite: an existing customer', () => {
  it("starts the trial; the partner is already the customer's advisor", () => {
    given(existing())
      .when('RedeemTrialInvite', redeemExisting, { actor: cadmin })
      .thenEmits({ [C]: [trial()] })
      .thenIds({ customerId: 'c1', subscriptionId: 'new-subscriptionId' });
  });

  it('makes the inviting partner an advisor too when it is not yet', () => {
    given(world({ [C]: customerCreated('c1', 'cadmin', 'p2') }))
      .when('RedeemTrialInvite', redeemExisting, { actor: cadmin })
      .thenEmits({
        [C]: [{ type: 'CustomerAdvisorAdded', data: { customerId: 'c1', partnerId: 'p1', via } }, trial()],
      });
  });

  it("names the customer's Partner of Record on the trial (for its notifications)", () => {
    const out = given(existing(porChanged('p2'))).when('RedeemTrialInvite', redeemExisting, {
      actor: cadmin,
    });
    expect(out.events[C]).toEqual([trial({ partnerOfRecordId: 'p2' })]);
  });

  it('may start a trial of another offer than one already tried', () => {
    given(existing(trialStarted({ offerId: 'office-business-premium' })))
      .when('RedeemTrialInvite', redeemExisting, { actor: cadmin })
      .thenEmits({ [C]: [trial()] });
  });

  it('is refused when the customer already had a trial of that offer, even one that ended', () => {
    const ended = [
      trialStarted(),
      {
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
      },
    ];
    given(existing(...ended))
      .when('RedeemTrialInvite', redeemExisting, { actor: cadmin, now: '2026-02-01T00:00:00.000Z' })
      .thenRefused('trial-already-used', { customerId: 'c1', offerId: 'office-business-basic' });
    given(existing(trialStarted()))
      .when('RedeemTrialInvite', redeemExisting, { actor: cadmin })
      .thenRefused('trial-already-used');
  });

  it('is refused when the customer already pays for that offer', () => {
    given(existing(subscriptionStarted()))
      .when('RedeemTrialInvite', redeemExisting, { actor: cadmin })
      .thenRefused('already-subscribed', { offerId: 'office-business-basic', subscriptionId: 's2' });
  });

  it('is refused to the platform (the customer redeems for itself)', () => {
    given(existing())
      .when('RedeemTrialInvite', redeemExisting, { actor: platform })
      .thenRefused('access-denied');
  });

  it('is refused to a plain user of the customer', () => {
    const plain = {
      type: 'CustomerUserCreated',
      data: { customerId: 'c1', userId: 'u1', email: 'u1@fabrikam.example', displayName: 'U', role: 'user' },
    };
    given(existing(plain))
      .when('RedeemTrialInvite', redeemExisting, { actor: customerUser('u1') })
      .thenRefused('access-denied', { action: 'redeem-invitations' });
  });

  it('answers not-found to a user of another customer, to a partner user, and for an unknown customer', () => {
    given(existing())
      .when('RedeemTrialInvite', redeemExisting, { actor: customerUser('cadmin', 'c2') })
      .thenRefused('customer-not-found');
    given(existing())
      .when('RedeemTrialInvite', redeemExisting, { actor: partnerUser('admin') })
      .thenRefused('customer-not-found');
    given(world())
      .when('RedeemTrialInvite', redeemExisting, { actor: cadmin })
      .thenRefused('customer-not-found');
  });
});

describe('RedeemTrialInvite: the invite and its partner', () => {
  it('answers not-found for an unknown invite, a wrong partner or a wrong code', () => {
    given(world({ [INV]: [] }))
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenRefused('trial-invite-not-found');
    given({ ...world(), 'partner-p2': authorizedPartner(['advisor'], 'p2') })
      .when('RedeemTrialInvite', { ...redeemNew, partnerId: 'p2' }, { actor: platform })
      .thenRefused('trial-invite-not-found');
    given(world())
      .when('RedeemTrialInvite', { ...redeemNew, code: inviteCode('q') }, { actor: platform })
      .thenRefused('trial-invite-not-found', { inviteId: 'inv1' });
  });

  it('is refused when the invite was revoked', () => {
    given(
      world({
        [INV]: [
          trialInviteCreated(),
          { type: 'TrialInviteRevoked', data: { inviteId: 'inv1', partnerId: 'p1', revokedAt: NOW } },
        ],
      }),
    )
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenRefused('invite-revoked', { inviteId: 'inv1' });
  });

  it('is refused when the invite expired (by the scheduler, or simply past its expiry)', () => {
    given(
      world({
        [INV]: [
          trialInviteCreated(),
          { type: 'TrialInviteExpired', data: { inviteId: 'inv1', partnerId: 'p1', expiredAt: NOW } },
        ],
      }),
    )
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenRefused('invite-expired');
    given(world({ [INV]: [trialInviteCreated({ expiresAt: NOW })] }))
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenRefused('invite-expired', { expiresAt: NOW });
  });

  it('may be used by one or many customers: a second customer redeems the invite a first one used', () => {
    const first = given(world()).when('RedeemTrialInvite', redeemNew, { actor: platform });
    first.thenIds({ customerId: 'c1' });
    const second = given(followedBy(world(), first.events)).when(
      'RedeemTrialInvite',
      {
        ...redeemNew,
        customerId: 'c2',
        newCustomer: { ...newCustomer, companyName: 'Northwind s.r.o.', primaryDomain: 'northwind.example' },
      },
      { actor: platform },
    );
    second.thenIds({ customerId: 'c2', subscriptionId: 'new-subscriptionId' });
    expect(Object.keys(second.events).sort()).toEqual(['customer-c2', 'customer-domain-northwind.example']);
    expect(second.events['customer-c2'].at(-1)).toEqual(trial({ customerId: 'c2' }));
  });

  it('is accepted up to the last millisecond before the expiry', () => {
    given(world({ [INV]: [trialInviteCreated({ expiresAt: '2026-01-01T00:00:00.001Z' })] }))
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenIds({ customerId: 'c1' });
  });

  it('is refused when the partner no longer holds the advisor authorization', () => {
    given(world({ [P]: registered() }))
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenRefused('partner-not-an-advisor', { partnerId: 'p1' });
  });

  it('is refused once the advisor authorization was revoked after the invite went out', () => {
    const advisorRevoked = {
      [P]: [
        ...authorizedPartner(['advisor', 'delegated-admin-certified']),
        revoked('advisor', '2025-12-15T00:00:00.000Z'),
      ],
    };
    given(world(advisorRevoked))
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenRefused('partner-not-an-advisor', { partnerId: 'p1' });
    // Up to the revocation's effective date the invite still works.
    given({ ...existing(), ...advisorRevoked })
      .when('RedeemTrialInvite', redeemExisting, { actor: cadmin, now: '2025-12-14T23:59:59.999Z' })
      .thenIds({ customerId: 'c1' });
    given({ ...existing(), ...advisorRevoked })
      .when('RedeemTrialInvite', redeemExisting, { actor: cadmin })
      .thenRefused('partner-not-an-advisor', { partnerId: 'p1' });
  });

  it('is refused when the offer left the catalog, or no longer has a trial', () => {
    given(world({ [INV]: [trialInviteCreated({ offerId: 'retired-suite' })] }))
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenRefused('unknown-offer', { offerId: 'retired-suite' });
    given(world({ [INV]: [trialInviteCreated({ offerId: 'teams-essentials' })] }))
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenRefused('offer-has-no-trial');
  });
});

describe('RedeemTrialInvite: the delegated-admin option', () => {
  const terms = { access: 'limited', durationDays: 365, autoExtend: true };
  const withOption = (extra: Record<string, DomainEvent[]> = {}) =>
    world({ [INV]: [trialInviteCreated({ delegatedAdmin: terms })], ...extra });

  it('records the acceptance with the terms of the invite', () => {
    const out = given(withOption()).when(
      'RedeemTrialInvite',
      { ...redeemNew, acceptDelegatedAdmin: true },
      { actor: platform },
    );
    expect(out.events[C].map((e) => e.type)).toEqual([
      'CustomerCreated',
      'CustomerUserCreated',
      'CustomerAdvisorAdded',
      'TrialStarted',
      'DelegatedAdminAcceptedAtRedemption',
    ]);
    expect(out.events[C][4].data).toEqual({ customerId: 'c1', partnerId: 'p1', via, terms, acceptedAt: NOW });
  });

  it('records the refusal with the terms of the invite', () => {
    given(withOption({ [C]: customerCreated() }))
      .when('RedeemTrialInvite', { ...redeemExisting, acceptDelegatedAdmin: false }, { actor: cadmin })
      .thenEmits({
        [C]: [
          trial(),
          {
            type: 'DelegatedAdminDeclinedAtRedemption',
            data: { customerId: 'c1', partnerId: 'p1', via, terms, declinedAt: NOW },
          },
        ],
      });
  });

  it('requires an answer when the invite includes the option', () => {
    given(withOption())
      .when('RedeemTrialInvite', redeemNew, { actor: platform })
      .thenRefused('delegated-admin-choice-required', { invitationId: 'inv1' });
  });

  it('refuses an acceptance of an option the invite does not include', () => {
    given(world())
      .when('RedeemTrialInvite', { ...redeemNew, acceptDelegatedAdmin: true }, { actor: platform })
      .thenRefused('delegated-admin-not-offered');
  });

  it('takes a decline of an option the invite does not include as no answer at all', () => {
    const out = given(world()).when(
      'RedeemTrialInvite',
      { ...redeemNew, acceptDelegatedAdmin: false },
      { actor: platform },
    );
    expect(out.events[C].map((e) => e.type)).not.toContain('DelegatedAdminDeclinedAtRedemption');
  });

  it('refuses an acceptance once the partner lost its certification, but lets the customer decline', () => {
    const uncertified = { [P]: authorizedPartner(['advisor']) };
    given(withOption(uncertified))
      .when('RedeemTrialInvite', { ...redeemNew, acceptDelegatedAdmin: true }, { actor: platform })
      .thenRefused('not-delegated-admin-certified');
    given(withOption(uncertified))
      .when('RedeemTrialInvite', { ...redeemNew, acceptDelegatedAdmin: false }, { actor: platform })
      .thenIds({ customerId: 'c1' });
  });
});
