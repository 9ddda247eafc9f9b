import { createDomainCommands } from '../registry';
import { fold } from '../shared/command';
import type { DomainEvent } from '../shared/types';
import { commandSpec } from '../testing/spec';
import {
  authorizedPartner,
  customerCreated,
  customerUser,
  delegatedAdminPartner,
  delegationAccepted,
  delegationInForce,
  delegationOffered,
  granted,
  partnerUser,
  platform,
  signedUpVia,
  testCatalog,
} from '../testing/fixtures';
import type { CustomerEvent } from '../customer/events';
import { customerEvolver } from '../customer/state';

const given = commandSpec(createDomainCommands(testCatalog));
const C = 'customer-c1';
const P = 'partner-p1';
const NOW = '2026-01-01T00:00:00.000Z';
const cadmin = customerUser('cadmin');
const admin = partnerUser('admin');
const full1 = partnerUser('full1');
const lim1 = partnerUser('lim1');

const plainUser: DomainEvent = {
  type: 'CustomerUserCreated',
  data: { customerId: 'c1', userId: 'u1', email: 'u1@fabrikam.example', displayName: 'U', role: 'user' },
};
const world = (...customer: DomainEvent[]) => ({
  [P]: delegatedAdminPartner(),
  [C]: [...customerCreated(), ...customer],
});
const revoked = (authorization: string, effectiveFrom = '2025-12-15T00:00:00.000Z'): DomainEvent => ({
  type: 'AuthorizationRevoked',
  data: { partnerId: 'p1', authorization, effectiveFrom },
});
const d1 = { customerId: 'c1', delegationId: 'd1' };
const facts = (over: Record<string, unknown> = {}) => ({
  customerId: 'c1',
  partnerId: 'p1',
  delegationId: 'd1',
  access: 'full',
  ...over,
});
/** The partner withdrew its offer while it was still pending. */
const withdrawn = (): DomainEvent => ({
  type: 'DelegationRemoved',
  data: {
    ...facts(),
    wasStatus: 'pending',
    removedBy: { side: 'partner', userId: 'admin' },
    removedAt: NOW,
    startsAt: null,
    endsAt: null,
  },
});

describe('OfferDelegation', () => {
  const offer = { customerId: 'c1', partnerId: 'p1', access: 'full' };

  it("the partner's global admin offers full access for the default 730 days, open for 90 days", () => {
    given(world())
      .when('OfferDelegation', offer, { actor: admin })
      .thenEmits({
        [C]: [
          delegationOffered({
            delegationId: 'new-delegationId',
            offeredAt: NOW,
            offerExpiresAt: '2026-04-01T00:00:00.000Z',
          }),
        ],
      })
      .thenIds({ delegationId: 'new-delegationId' });
  });

  // Was: accepted; accepting purchase offer po1 with delegated administration later took the id over,
  // and the pending offer became a delegation in force on the invitation's terms.
  it.each(['purchase-offer-po1', 'trial-invite-inv1'])(
    'refuses an id of the form an invitation gives its delegation (%s)',
    (delegationId) => {
      given(world())
        .when('OfferDelegation', { ...offer, delegationId }, { actor: admin })
        .thenRefused('invalid-delegation-id', { delegationId });
    },
  );

  it('a user with full administration of supported companies offers limited, auto-extending access', () => {
    given(world())
      .when(
        'OfferDelegation',
        { ...offer, delegationId: 'd7', access: 'limited', durationDays: 30, autoExtend: true },
        { actor: full1 },
      )
      .thenEmits({
        [C]: [
          delegationOffered({
            delegationId: 'd7',
            access: 'limited',
            durationDays: 30,
            autoExtend: true,
            offeredAt: NOW,
            offerExpiresAt: '2026-04-01T00:00:00.000Z',
            offeredBy: 'full1',
          }),
        ],
      })
      .thenIds({ delegationId: 'd7' });
  });

  it('is refused to a user with limited or no customer access, and to the platform', () => {
    given(world())
      .when('OfferDelegation', offer, { actor: lim1 })
      .thenRefused('access-denied', { action: 'manage-delegations', customerAccess: 'limited' });
    given(world())
      .when('OfferDelegation', offer, { actor: partnerUser('none1') })
      .thenRefused('access-denied', { action: 'manage-delegations', customerAccess: null });
    given(world()).when('OfferDelegation', offer, { actor: platform }).thenRefused('access-denied');
  });

  it('answers partner-not-found to a user of another partner (before telling anything of the customer)', () => {
    given(world())
      .when('OfferDelegation', { ...offer, customerId: 'c9' }, { actor: partnerUser('admin', 'p2') })
      .thenRefused('partner-not-found');
  });

  it('answers customer-not-found for an unknown customer', () => {
    given(world())
      .when('OfferDelegation', { ...offer, customerId: 'c9' }, { actor: admin })
      .thenRefused('customer-not-found', { customerId: 'c9' });
  });

  it('is refused when the partner is not certified for delegated administration (now)', () => {
    given({ ...world(), [P]: authorizedPartner(['advisor']) })
      .when('OfferDelegation', offer, { actor: admin })
      .thenRefused('not-delegated-admin-certified', { partnerId: 'p1' });
    given({ ...world(), [P]: [...delegatedAdminPartner(), revoked('delegated-admin-certified')] })
      .when('OfferDelegation', offer, { actor: admin })
      .thenRefused('not-delegated-admin-certified');
  });

  it('refuses auto-extension with full access', () => {
    given(world())
      .when('OfferDelegation', { ...offer, autoExtend: true }, { actor: admin })
      .thenRefused('auto-extend-not-allowed-for-full', { access: 'full' });
  });

  it('refuses a duration outside 1–730 days, and an unknown access level', () => {
    for (const durationDays of [0, 731, 1.5]) {
      given(world())
        .when('OfferDelegation', { ...offer, durationDays }, { actor: admin })
        .thenRefused('invalid-delegation-duration', { max: 730 });
    }
    given(world())
      .when('OfferDelegation', { ...offer, durationDays: 1 }, { actor: admin })
      .thenIds({ delegationId: 'new-delegationId' });
    given(world())
      .when('OfferDelegation', { ...offer, access: 'owner' }, { actor: admin })
      .thenRefused('invalid-delegation-access', { access: 'owner' });
  });

  it.each(['true', 1])('refuses an auto-extension of %p, which is not true or false', (autoExtend) => {
    given(world())
      .when('OfferDelegation', { ...offer, access: 'limited', autoExtend }, { actor: admin })
      .thenRefused('invalid-auto-extend');
  });

  it('refuses a second offer while one is open (remove it first to offer other terms)', () => {
    given(world(delegationOffered()))
      .when('OfferDelegation', { ...offer, access: 'limited' }, { actor: admin })
      .thenRefused('delegation-already-offered', {
        delegationId: 'd1',
        offerExpiresAt: '2026-03-01T00:00:00.000Z',
      });
  });

  it('expires an overdue offer the scheduler has not expired yet, then offers anew', () => {
    const at = '2026-03-01T00:00:00.000Z';
    given(world(delegationOffered()))
      .when('OfferDelegation', offer, { actor: admin, now: at })
      .thenEmits({
        [C]: [
          {
            type: 'DelegationOfferExpired',
            data: {
              ...facts(),
              offerExpiresAt: at,
              expiredAt: at,
              startsAt: null,
              endsAt: null,
            },
          },
          delegationOffered({
            delegationId: 'new-delegationId',
            offeredAt: at,
            offerExpiresAt: '2026-05-30T00:00:00.000Z',
          }),
        ],
      });
  });

  it('may offer a renewal while a delegation is in force, and anew after a decline or removal', () => {
    given(world(...delegationInForce()))
      .when('OfferDelegation', offer, { actor: admin })
      .thenIds({ delegationId: 'new-delegationId' });
    given(
      world(delegationOffered(), {
        type: 'DelegationDeclined',
        data: { ...facts(), declinedBy: 'cadmin', declinedAt: NOW, startsAt: null, endsAt: null },
      }),
    )
      .when('OfferDelegation', offer, { actor: admin })
      .thenIds({ delegationId: 'new-delegationId' });
  });

  it('may offer anew after withdrawing (removing) its open offer', () => {
    given(world(delegationOffered(), withdrawn()))
      .when('OfferDelegation', { ...offer, access: 'limited' }, { actor: admin })
      .thenEmits({
        [C]: [
          delegationOffered({
            delegationId: 'new-delegationId',
            access: 'limited',
            offeredAt: NOW,
            offerExpiresAt: '2026-04-01T00:00:00.000Z',
          }),
        ],
      });
  });

  it('refuses a delegation id already used', () => {
    given(world(...delegationInForce()))
      .when('OfferDelegation', { ...offer, delegationId: 'd1' }, { actor: admin })
      .thenRefused('delegation-exists', { delegationId: 'd1' });
  });
});

describe('AcceptDelegation', () => {
  const accept = { ...d1, partnerId: 'p1' };

  it("the customer's admin accepts: in force from now for its duration", () => {
    given(world(delegationOffered()))
      .when('AcceptDelegation', accept, { actor: cadmin })
      .thenEmits({
        [C]: [delegationAccepted({ startsAt: NOW, endsAt: '2028-01-01T00:00:00.000Z' })],
      });
  });

  it('supersedes the delegation of the same partner in force (a renewal)', () => {
    const renewal = delegationOffered({
      delegationId: 'd2',
      access: 'limited',
      durationDays: 365,
      offeredAt: '2025-12-20T00:00:00.000Z',
      offerExpiresAt: '2026-03-20T00:00:00.000Z',
    });
    given(world(...delegationInForce(), renewal))
      .when('AcceptDelegation', { ...accept, delegationId: 'd2' }, { actor: cadmin })
      .thenEmits({
        [C]: [
          {
            type: 'DelegationEnded',
            data: {
              ...facts(),
              reason: 'superseded',
              endedAt: NOW,
              startsAt: '2025-12-02T00:00:00.000Z',
              endsAt: '2027-12-02T00:00:00.000Z',
            },
          },
          delegationAccepted({
            delegationId: 'd2',
            access: 'limited',
            durationDays: 365,
            startsAt: NOW,
            endsAt: '2027-01-01T00:00:00.000Z',
          }),
        ],
      });
  });

  it('changes nothing when already accepted', () => {
    given(world(...delegationInForce()))
      .when('AcceptDelegation', accept, { actor: cadmin })
      .thenNothing();
  });

  it('refuses an offer declined, withdrawn or expired', () => {
    const declined: DomainEvent = {
      type: 'DelegationDeclined',
      data: { ...facts(), declinedBy: 'cadmin', declinedAt: NOW, startsAt: null, endsAt: null },
    };
    given(world(delegationOffered(), declined))
      .when('AcceptDelegation', accept, { actor: cadmin })
      .thenRefused('delegation-not-pending', { status: 'declined' });
  });

  it('refuses an offer the partner withdrew (removed) while pending', () => {
    given(world(delegationOffered(), withdrawn()))
      .when('AcceptDelegation', accept, { actor: cadmin })
      .thenRefused('delegation-not-pending', { status: 'removed' });
  });

  it('refuses an offer the scheduler expired', () => {
    const due = '2026-03-01T00:00:00.000Z';
    const expired: DomainEvent = {
      type: 'DelegationOfferExpired',
      data: { ...facts(), offerExpiresAt: due, expiredAt: due, startsAt: null, endsAt: null },
    };
    given(world(delegationOffered(), expired))
      .when('AcceptDelegation', accept, { actor: cadmin, now: '2026-03-02T00:00:00.000Z' })
      .thenRefused('delegation-not-pending', { status: 'offer-expired' });
  });

  it('refuses an offer past its 90 days, even before the scheduler expired it', () => {
    given(world(delegationOffered()))
      .when('AcceptDelegation', accept, { actor: cadmin, now: '2026-03-01T00:00:00.000Z' })
      .thenRefused('delegation-offer-expired', { offerExpiresAt: '2026-03-01T00:00:00.000Z' });
    given(world(delegationOffered()))
      .when('AcceptDelegation', accept, { actor: cadmin, now: '2026-02-28T23:59:59.999Z' })
      .thenIds({});
  });

  it('refuses when the partner lost its certification since offering', () => {
    given({
      ...world(delegationOffered()),
      [P]: [...delegatedAdminPartner(), revoked('delegated-admin-certified')],
    })
      .when('AcceptDelegation', accept, { actor: cadmin })
      .thenRefused('not-delegated-admin-certified', { partnerId: 'p1' });
  });

  it('answers not-found for an unknown delegation, or one of another partner than named', () => {
    given(world(delegationOffered()))
      .when('AcceptDelegation', { ...accept, delegationId: 'd9' }, { actor: cadmin })
      .thenRefused('delegation-not-found', { delegationId: 'd9' });
    given({ ...world(delegationOffered()), 'partner-p2': delegatedAdminPartner(undefined, 'p2') })
      .when('AcceptDelegation', { ...accept, partnerId: 'p2' }, { actor: cadmin })
      .thenRefused('delegation-not-found');
  });

  it('is only for the customer: refused to a plain user, the platform, and the partner itself', () => {
    given(world(delegationOffered(), plainUser))
      .when('AcceptDelegation', accept, { actor: customerUser('u1') })
      .thenRefused('access-denied', { action: 'manage-delegations' });
    given(world(delegationOffered()))
      .when('AcceptDelegation', accept, { actor: platform })
      .thenRefused('access-denied');
    given(world(delegationOffered()))
      .when('AcceptDelegation', accept, { actor: admin })
      .thenRefused('customer-not-found');
  });
});

describe('DeclineDelegation', () => {
  const declined = {
    type: 'DelegationDeclined',
    data: { ...facts(), declinedBy: 'cadmin', declinedAt: NOW, startsAt: null, endsAt: null },
  };

  it("the customer's admin declines an open offer", () => {
    given(world(delegationOffered()))
      .when('DeclineDelegation', d1, { actor: cadmin })
      .thenEmits({ [C]: [declined] });
  });

  it('changes nothing when declined already', () => {
    given(world(delegationOffered(), declined))
      .when('DeclineDelegation', d1, { actor: cadmin })
      .thenNothing();
  });

  it('refuses an accepted delegation (remove it instead) and an offer past its 90 days', () => {
    given(world(...delegationInForce()))
      .when('DeclineDelegation', d1, { actor: cadmin })
      .thenRefused('delegation-not-pending', { status: 'active' });
    given(world(delegationOffered()))
      .when('DeclineDelegation', d1, { actor: cadmin, now: '2026-03-02T00:00:00.000Z' })
      .thenRefused('delegation-offer-expired');
  });

  it('is only for the customer', () => {
    given(world(delegationOffered()))
      .when('DeclineDelegation', d1, { actor: full1 })
      .thenRefused('customer-not-found');
    given(world(delegationOffered(), plainUser))
      .when('DeclineDelegation', d1, { actor: customerUser('u1') })
      .thenRefused('access-denied');
  });
});

describe('RemoveDelegation', () => {
  const removed = (side: 'customer' | 'partner', userId: string, wasStatus = 'active') => ({
    type: 'DelegationRemoved',
    data: {
      ...facts(),
      wasStatus,
      removedBy: { side, userId },
      removedAt: NOW,
      startsAt: wasStatus === 'active' ? '2025-12-02T00:00:00.000Z' : null,
      endsAt: wasStatus === 'active' ? '2027-12-02T00:00:00.000Z' : null,
    },
  });

  it("the customer's admin removes a delegation in force", () => {
    given(world(...delegationInForce()))
      .when('RemoveDelegation', d1, { actor: cadmin })
      .thenEmits({ [C]: [removed('customer', 'cadmin')] });
  });

  it("the partner's global admin removes it, or withdraws an open offer", () => {
    given(world(...delegationInForce()))
      .when('RemoveDelegation', d1, { actor: admin })
      .thenEmits({ [C]: [removed('partner', 'admin')] });
    given(world(delegationOffered()))
      .when('RemoveDelegation', d1, { actor: admin })
      .thenEmits({ [C]: [removed('partner', 'admin', 'pending')] });
  });

  it("is refused to the partner's other users, even with full access", () => {
    given(world(...delegationInForce()))
      .when('RemoveDelegation', d1, { actor: full1 })
      .thenRefused('access-denied', { action: 'manage-delegations', customerAccess: 'full' });
  });

  it("answers not-found to another partner for this partner's delegation", () => {
    given({ ...world(...delegationInForce()), 'partner-p2': delegatedAdminPartner(undefined, 'p2') })
      .when('RemoveDelegation', d1, { actor: partnerUser('admin', 'p2') })
      .thenRefused('delegation-not-found');
  });

  it('changes nothing when removed already; refuses one that ended or was declined', () => {
    given(world(...delegationInForce(), removed('customer', 'cadmin')))
      .when('RemoveDelegation', d1, { actor: cadmin })
      .thenNothing();
    given(
      world(...delegationInForce(), {
        type: 'DelegationEnded',
        data: {
          ...facts(),
          reason: 'term-ended',
          endedAt: NOW,
          startsAt: '2025-12-02T00:00:00.000Z',
          endsAt: '2027-12-02T00:00:00.000Z',
        },
      }),
    )
      .when('RemoveDelegation', d1, { actor: cadmin })
      .thenRefused('delegation-not-active', { status: 'ended' });
  });

  it('refuses an offer the customer declined', () => {
    const declined: DomainEvent = {
      type: 'DelegationDeclined',
      data: { ...facts(), declinedBy: 'cadmin', declinedAt: NOW, startsAt: null, endsAt: null },
    };
    given(world(delegationOffered(), declined))
      .when('RemoveDelegation', d1, { actor: cadmin })
      .thenRefused('delegation-not-active', { status: 'declined' });
    given(world(delegationOffered(), declined))
      .when('RemoveDelegation', d1, { actor: admin })
      .thenRefused('delegation-not-active', { status: 'declined' });
  });

  it('is refused to a plain user of the customer and to the platform', () => {
    given(world(...delegationInForce(), plainUser))
      .when('RemoveDelegation', d1, { actor: customerUser('u1') })
      .thenRefused('access-denied');
    given(world(...delegationInForce()))
      .when('RemoveDelegation', d1, { actor: platform })
      .thenRefused('access-denied');
  });
});

describe('ExpireDelegationOffer', () => {
  const due = '2026-03-01T00:00:00.000Z';

  it('expires an offer not accepted within 90 days', () => {
    given(world(delegationOffered()))
      .when('ExpireDelegationOffer', d1, { actor: platform, now: due })
      .thenEmits({
        [C]: [
          {
            type: 'DelegationOfferExpired',
            data: { ...facts(), offerExpiresAt: due, expiredAt: due, startsAt: null, endsAt: null },
          },
        ],
      });
  });

  it('is refused before it is due', () => {
    given(world(delegationOffered()))
      .when('ExpireDelegationOffer', d1, { actor: platform, now: '2026-02-28T23:59:59.999Z' })
      .thenRefused('not-due', { offerExpiresAt: due });
  });

  it('changes nothing for an offer answered meanwhile', () => {
    given(world(...delegationInForce()))
      .when('ExpireDelegationOffer', d1, { actor: platform, now: due })
      .thenNothing();
  });

  it('is only for the platform, on an existing customer and delegation', () => {
    given(world(delegationOffered()))
      .when('ExpireDelegationOffer', d1, { actor: cadmin, now: due })
      .thenRefused('platform-only');
    given({})
      .when('ExpireDelegationOffer', d1, { actor: platform, now: due })
      .thenRefused('customer-not-found');
    given(world())
      .when('ExpireDelegationOffer', d1, { actor: platform, now: due })
      .thenRefused('delegation-not-found');
  });
});

describe('EndDelegation', () => {
  const end = '2027-12-02T00:00:00.000Z';

  it('ends a delegation at its end (acceptance + duration)', () => {
    given(world(...delegationInForce()))
      .when('EndDelegation', d1, { actor: platform, now: end })
      .thenEmits({
        [C]: [
          {
            type: 'DelegationEnded',
            data: {
              ...facts(),
              reason: 'term-ended',
              endedAt: end,
              startsAt: '2025-12-02T00:00:00.000Z',
              endsAt: end,
            },
          },
        ],
      });
  });

  it('extends an auto-extending delegation by 180 days from its end instead', () => {
    const limited = delegationInForce({
      access: 'limited',
      durationDays: 30,
      autoExtend: true,
      endsAt: '2026-01-01T00:00:00.000Z',
    });
    given(world(...limited))
      .when('EndDelegation', d1, { actor: platform })
      .thenEmits({
        [C]: [
          {
            type: 'DelegationAutoExtended',
            data: {
              ...facts({ access: 'limited' }),
              extendedByDays: 180,
              startsAt: '2025-12-02T00:00:00.000Z',
              endsAt: { from: '2026-01-01T00:00:00.000Z', to: '2026-06-30T00:00:00.000Z' },
            },
          },
        ],
      });
  });

  it('is refused before the end', () => {
    given(world(...delegationInForce()))
      .when('EndDelegation', d1, { actor: platform, now: '2027-12-01T23:59:59.999Z' })
      .thenRefused('not-due', { endsAt: end });
  });

  it('changes nothing for a delegation not in force (pending, removed, ended)', () => {
    given(world(delegationOffered())).when('EndDelegation', d1, { actor: platform, now: end }).thenNothing();
  });

  it('is only for the platform', () => {
    given(world(...delegationInForce()))
      .when('EndDelegation', d1, { actor: admin, now: end })
      .thenRefused('platform-only');
  });
});

describe('SetDelegationAutoExtend', () => {
  const limited = () =>
    delegationInForce({ access: 'limited', durationDays: 365, endsAt: '2026-12-02T00:00:00.000Z' });
  const changed = (side: 'customer' | 'partner', userId: string, from: boolean, to: boolean) => ({
    type: 'DelegationAutoExtendChanged',
    data: {
      ...facts({ access: 'limited' }),
      autoExtend: { from, to },
      changedBy: { side, userId },
      startsAt: '2025-12-02T00:00:00.000Z',
      endsAt: '2026-12-02T00:00:00.000Z',
    },
  });

  it("the customer's admin or the partner (global admin or full user) turns it on for limited access", () => {
    given(world(...limited()))
      .when('SetDelegationAutoExtend', { ...d1, autoExtend: true }, { actor: cadmin })
      .thenEmits({ [C]: [changed('customer', 'cadmin', false, true)] });
    given(world(...limited()))
      .when('SetDelegationAutoExtend', { ...d1, autoExtend: true }, { actor: full1 })
      .thenEmits({ [C]: [changed('partner', 'full1', false, true)] });
  });

  it('turns it off again, and changes nothing when already so', () => {
    given(world(...limited(), changed('customer', 'cadmin', false, true)))
      .when('SetDelegationAutoExtend', { ...d1, autoExtend: false }, { actor: admin })
      .thenEmits({ [C]: [changed('partner', 'admin', true, false)] });
    given(world(...limited()))
      .when('SetDelegationAutoExtend', { ...d1, autoExtend: false }, { actor: cadmin })
      .thenNothing();
  });

  it('is refused for full access', () => {
    given(world(...delegationInForce()))
      .when('SetDelegationAutoExtend', { ...d1, autoExtend: true }, { actor: cadmin })
      .thenRefused('auto-extend-not-allowed-for-full');
  });

  it('is refused for a delegation not in force (an open offer, or past its end)', () => {
    given(world(delegationOffered({ access: 'limited' })))
      .when('SetDelegationAutoExtend', { ...d1, autoExtend: true }, { actor: cadmin })
      .thenRefused('delegation-not-active', { status: 'pending' });
    given(world(...limited()))
      .when(
        'SetDelegationAutoExtend',
        { ...d1, autoExtend: true },
        { actor: cadmin, now: '2026-12-02T00:00:00.000Z' },
      )
      .thenRefused('delegation-not-active', { status: 'active' });
  });

  // Regression (review): past its recorded end an auto-extending delegation is still in force (the
  // partner may act) until the scheduler records the extension, yet neither side could turn it off.
  it('turns off an auto-extending delegation past its recorded end, which then lapses and ends', () => {
    const later = '2026-12-02T06:00:00.000Z';
    given(world(...limited(), changed('customer', 'cadmin', false, true)))
      .when('SetDelegationAutoExtend', { ...d1, autoExtend: false }, { actor: cadmin, now: later })
      .thenEmits({ [C]: [changed('customer', 'cadmin', true, false)] });
    given(
      world(
        ...limited(),
        changed('customer', 'cadmin', false, true),
        changed('customer', 'cadmin', true, false),
      ),
    )
      .when('EndDelegation', d1, { actor: platform, now: later })
      .thenEmits({
        [C]: [
          expect.objectContaining({
            type: 'DelegationEnded',
            data: expect.objectContaining({ reason: 'term-ended', endedAt: later }),
          }),
        ],
      });
  });

  it.each([['true'], [1], [null], [undefined]])(
    'is refused with an auto-extension of %p, which is not true or false',
    (autoExtend) => {
      given(world(...limited()))
        .when('SetDelegationAutoExtend', { ...d1, autoExtend }, { actor: cadmin })
        .thenRefused('invalid-auto-extend');
    },
  );

  it("is refused to the partner's limited users, and to the platform", () => {
    given(world(...limited()))
      .when('SetDelegationAutoExtend', { ...d1, autoExtend: true }, { actor: lim1 })
      .thenRefused('access-denied', { action: 'manage-delegations' });
    given(world(...limited()))
      .when('SetDelegationAutoExtend', { ...d1, autoExtend: true }, { actor: platform })
      .thenRefused('access-denied');
  });
});

describe('MarkDelegationEnding', () => {
  const end = '2027-12-02T00:00:00.000Z';
  const ending = (daysLeft: number) => ({
    type: 'DelegationEnding',
    data: { ...facts(), daysLeft, autoExtend: false, startsAt: '2025-12-02T00:00:00.000Z', endsAt: end },
  });

  it('sends the 30-, 7- and 1-day reminders from their due dates', () => {
    given(world(...delegationInForce()))
      .when(
        'MarkDelegationEnding',
        { ...d1, daysLeft: 30 },
        { actor: platform, now: '2027-11-02T00:00:00.000Z' },
      )
      .thenEmits({ [C]: [ending(30)] });
    given(world(...delegationInForce(), ending(30)))
      .when(
        'MarkDelegationEnding',
        { ...d1, daysLeft: 7 },
        { actor: platform, now: '2027-11-25T00:00:00.000Z' },
      )
      .thenEmits({ [C]: [ending(7)] });
    given(world(...delegationInForce(), ending(30), ending(7)))
      .when(
        'MarkDelegationEnding',
        { ...d1, daysLeft: 1 },
        { actor: platform, now: '2027-12-01T00:00:00.000Z' },
      )
      .thenEmits({ [C]: [ending(1)] });
  });

  it('is refused before the reminder is due, saying from when', () => {
    given(world(...delegationInForce()))
      .when(
        'MarkDelegationEnding',
        { ...d1, daysLeft: 30 },
        { actor: platform, now: '2027-11-01T23:59:59.999Z' },
      )
      .thenRefused('not-due', { notBefore: '2027-11-02T00:00:00.000Z', endsAt: end });
  });

  it('sends each once, and drops a late one (after a later reminder, after the end, or not in force)', () => {
    const at = { actor: platform, now: '2027-12-01T12:00:00.000Z' };
    given(world(...delegationInForce(), ending(30)))
      .when('MarkDelegationEnding', { ...d1, daysLeft: 30 }, at)
      .thenNothing();
    given(world(...delegationInForce(), ending(7)))
      .when('MarkDelegationEnding', { ...d1, daysLeft: 30 }, at)
      .thenNothing();
    given(world(...delegationInForce()))
      .when('MarkDelegationEnding', { ...d1, daysLeft: 1 }, { actor: platform, now: end })
      .thenNothing();
    given(world(delegationOffered()))
      .when('MarkDelegationEnding', { ...d1, daysLeft: 1 }, at)
      .thenNothing();
  });

  it('sends the reminders again for the new end after an auto-extension', () => {
    const history = [
      ...delegationInForce({
        access: 'limited',
        autoExtend: true,
        durationDays: 30,
        endsAt: '2026-01-01T00:00:00.000Z',
      }),
      {
        type: 'DelegationEnding',
        data: {
          ...facts({ access: 'limited' }),
          daysLeft: 1,
          autoExtend: true,
          startsAt: '2025-12-02T00:00:00.000Z',
          endsAt: '2026-01-01T00:00:00.000Z',
        },
      },
      {
        type: 'DelegationAutoExtended',
        data: {
          ...facts({ access: 'limited' }),
          extendedByDays: 180,
          startsAt: '2025-12-02T00:00:00.000Z',
          endsAt: { from: '2026-01-01T00:00:00.000Z', to: '2026-06-30T00:00:00.000Z' },
        },
      },
    ];
    given(world(...history))
      .when(
        'MarkDelegationEnding',
        { ...d1, daysLeft: 30 },
        { actor: platform, now: '2026-05-31T00:00:00.000Z' },
      )
      .thenEmits({
        [C]: [
          {
            type: 'DelegationEnding',
            data: {
              ...facts({ access: 'limited' }),
              daysLeft: 30,
              autoExtend: true,
              startsAt: '2025-12-02T00:00:00.000Z',
              endsAt: '2026-06-30T00:00:00.000Z',
            },
          },
        ],
      });
  });

  it('refuses another number of days, and any actor but the platform', () => {
    given(world(...delegationInForce()))
      .when('MarkDelegationEnding', { ...d1, daysLeft: 14 }, { actor: platform })
      .thenRefused('invalid-days-left', { daysLeft: 14 });
    given(world(...delegationInForce()))
      .when('MarkDelegationEnding', { ...d1, daysLeft: 30 }, { actor: cadmin })
      .thenRefused('platform-only');
  });
});

describe('the delegation in the customer state', () => {
  it('an acceptance at an invitation redemption is a delegation in force, with the invitation terms', () => {
    const state = fold(customerEvolver, [
      ...customerCreated(),
      {
        type: 'DelegatedAdminAcceptedAtRedemption',
        data: {
          customerId: 'c1',
          partnerId: 'p1',
          via: signedUpVia('purchase-offer', 'po1'),
          terms: { access: 'limited', durationDays: 90, autoExtend: true },
          acceptedAt: '2026-01-10T00:00:00.000Z',
        },
      },
    ] as CustomerEvent[]);
    expect(state.delegations['purchase-offer-po1']).toMatchObject({
      partnerId: 'p1',
      access: 'limited',
      autoExtend: true,
      status: 'active',
      startsAt: '2026-01-10T00:00:00.000Z',
      endsAt: '2026-04-10T00:00:00.000Z',
    });
  });

  it('an acceptance at redemption supersedes the delegation of that partner in force', () => {
    const state = fold(customerEvolver, [
      ...customerCreated(),
      ...delegationInForce(),
      {
        type: 'DelegatedAdminAcceptedAtRedemption',
        data: {
          customerId: 'c1',
          partnerId: 'p1',
          via: signedUpVia('purchase-offer', 'po1'),
          terms: { access: 'full', durationDays: 730, autoExtend: false },
          acceptedAt: NOW,
        },
      },
    ] as CustomerEvent[]);
    expect(state.delegations.d1.status).toBe('ended');
    expect(state.delegations['purchase-offer-po1'].status).toBe('active');
  });

  it('the scheduler and the customer can then act on it like on any other', () => {
    const history = [
      ...customerCreated(),
      {
        type: 'DelegatedAdminAcceptedAtRedemption',
        data: {
          customerId: 'c1',
          partnerId: 'p1',
          via: signedUpVia('trial-invite', 'inv1'),
          terms: { access: 'full', durationDays: 10, autoExtend: false },
          acceptedAt: NOW,
        },
      },
    ];
    given({ [P]: delegatedAdminPartner(), [C]: history })
      .when(
        'EndDelegation',
        { customerId: 'c1', delegationId: 'trial-invite-inv1' },
        { actor: platform, now: '2026-01-11T00:00:00.000Z' },
      )
      .thenEmits({
        [C]: [
          {
            type: 'DelegationEnded',
            data: {
              ...facts({ delegationId: 'trial-invite-inv1' }),
              reason: 'term-ended',
              endedAt: '2026-01-11T00:00:00.000Z',
              startsAt: NOW,
              endsAt: '2026-01-11T00:00:00.000Z',
            },
          },
        ],
      });
  });

  it('an authorized service provider that is not certified may not offer delegation', () => {
    given({ ...world(), [P]: [...authorizedPartner(['advisor']), granted('authorized-service-provider')] })
      .when('OfferDelegation', { customerId: 'c1', partnerId: 'p1', access: 'limited' }, { actor: admin })
      .thenRefused('not-delegated-admin-certified');
  });
});
