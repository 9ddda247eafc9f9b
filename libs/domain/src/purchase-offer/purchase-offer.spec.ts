import { createDomainCommands } from '../registry';
import { commandSpec } from '../testing/spec';
import {
  authorizedPartner,
  inviteCode,
  partnerUser,
  platform,
  purchaseOfferCreated,
  registered,
  roleAssigned,
  testCatalog,
  userCreated,
} from '../testing/fixtures';

const given = commandSpec(createDomainCommands(testCatalog));
const P = 'partner-p1';
const PO = 'purchase-offer-po1';
const CODE = inviteCode('b');
const CODE_STREAM = `invitation-code-${CODE}`;
const admin = partnerUser('admin');
const NOW = '2026-01-01T00:00:00.000Z';

const lines = [
  { offerId: 'office-business-basic', licenses: 10 },
  { offerId: 'project-plan-3', licenses: 5 },
];
const cmd = { partnerId: 'p1', purchaseOfferId: 'po1', code: CODE, lines };
const created = (data: Record<string, unknown> = {}) => ({
  type: 'PurchaseOfferCreated',
  data: {
    purchaseOfferId: 'po1',
    partnerId: 'p1',
    code: CODE,
    lines,
    delegatedAdmin: null,
    expiresAt: null,
    createdAt: NOW,
    ...data,
  },
});
const claimed = (invitationId = 'po1') => ({
  type: 'InvitationCodeClaimed',
  data: { code: CODE, kind: 'purchase-offer', invitationId, partnerId: 'p1' },
});
const advisor = { [P]: authorizedPartner(['advisor']) };

describe('CreatePurchaseOffer', () => {
  it('claims the code and creates the offer with its lines', () => {
    given(advisor)
      .when('CreatePurchaseOffer', cmd, { actor: admin })
      .thenEmits({ [CODE_STREAM]: [claimed()], [PO]: [created()] })
      .thenIds({ purchaseOfferId: 'po1' });
  });

  it('generates the purchase offer id when none is given', () => {
    given(advisor)
      .when('CreatePurchaseOffer', { ...cmd, purchaseOfferId: undefined }, { actor: admin })
      .thenEmits({
        [CODE_STREAM]: [claimed('new-purchaseOfferId')],
        'purchase-offer-new-purchaseOfferId': [created({ purchaseOfferId: 'new-purchaseOfferId' })],
      })
      .thenIds({ purchaseOfferId: 'new-purchaseOfferId' });
  });

  it('may offer services without a trial', () => {
    const one = [{ offerId: 'teams-essentials', licenses: 300 }];
    given(advisor)
      .when('CreatePurchaseOffer', { ...cmd, lines: one }, { actor: admin })
      .thenEmits({ [CODE_STREAM]: [claimed()], [PO]: [created({ lines: one })] });
  });

  it('may be created by a user with limited customer access', () => {
    given({ [P]: [...authorizedPartner(['advisor']), userCreated('sam'), roleAssigned('sam', 'limited')] })
      .when('CreatePurchaseOffer', cmd, { actor: partnerUser('sam') })
      .thenIds({ purchaseOfferId: 'po1' });
  });

  it('is refused to a user without customer access who is not a global admin', () => {
    given({
      [P]: [...authorizedPartner(['advisor']), userCreated('svc'), roleAssigned('svc', 'service-admin')],
    })
      .when('CreatePurchaseOffer', cmd, { actor: partnerUser('svc') })
      .thenRefused('access-denied');
  });

  it('answers not-found to a user of another partner', () => {
    given(advisor)
      .when('CreatePurchaseOffer', cmd, { actor: partnerUser('admin', 'p2') })
      .thenRefused('partner-not-found');
  });

  it('is refused to a partner that is not an advisor', () => {
    given({ [P]: authorizedPartner(['delegated-admin-certified']) })
      .when('CreatePurchaseOffer', cmd, { actor: admin })
      .thenRefused('partner-not-an-advisor');
  });

  it('is refused without lines', () => {
    given(advisor)
      .when('CreatePurchaseOffer', { ...cmd, lines: [] }, { actor: admin })
      .thenRefused('no-offer-lines');
    given(advisor)
      .when('CreatePurchaseOffer', { ...cmd, lines: undefined }, { actor: admin })
      .thenRefused('no-offer-lines');
  });

  it('is refused for an unknown service', () => {
    given(advisor)
      .when('CreatePurchaseOffer', { ...cmd, lines: [{ offerId: 'nope', licenses: 1 }] }, { actor: admin })
      .thenRefused('unknown-offer', { offerId: 'nope' });
  });

  it('is refused when a service is listed twice', () => {
    given(advisor)
      .when(
        'CreatePurchaseOffer',
        { ...cmd, lines: [...lines, { ...lines[0], licenses: 3 }] },
        { actor: admin },
      )
      .thenRefused('duplicate-offer-line', { offerId: 'office-business-basic' });
  });

  it.each([
    ['below the minimum', 'project-plan-3', 4, 5, 10000],
    ['above the maximum', 'office-business-basic', 301, 1, 300],
    ['zero', 'office-business-basic', 0, 1, 300],
    ['fractional', 'office-business-basic', 2.5, 1, 300],
  ])('is refused with licenses %s', (_why, offerId, licenses, min, max) => {
    given(advisor)
      .when('CreatePurchaseOffer', { ...cmd, lines: [{ offerId, licenses }] }, { actor: admin })
      .thenRefused('licenses-out-of-bounds', { offerId, licenses, min, max });
  });

  it('accepts license counts at the bounds', () => {
    const bounds = [
      { offerId: 'project-plan-3', licenses: 10000 },
      { offerId: 'office-business-basic', licenses: 1 },
    ];
    given(advisor)
      .when('CreatePurchaseOffer', { ...cmd, lines: bounds }, { actor: admin })
      .thenIds({ purchaseOfferId: 'po1' });
  });

  it('is refused with an invalid or taken code', () => {
    given(advisor)
      .when('CreatePurchaseOffer', { ...cmd, code: 'short' }, { actor: admin })
      .thenRefused('invalid-invitation-code', { length: 5 });
    given({ ...advisor, [CODE_STREAM]: [claimed('po0')] })
      .when('CreatePurchaseOffer', cmd, { actor: admin })
      .thenRefused('invitation-code-taken');
  });

  it('does not claim again a code this very offer already holds (retry after a crash between the writes)', () => {
    given({ ...advisor, [CODE_STREAM]: [claimed()] })
      .when('CreatePurchaseOffer', cmd, { actor: admin })
      .thenEmits({ [PO]: [created()] });
  });

  it('is refused when the purchase offer id is taken', () => {
    given({ ...advisor, [PO]: [purchaseOfferCreated({ code: inviteCode('z') })] })
      .when('CreatePurchaseOffer', cmd, { actor: admin })
      .thenRefused('purchase-offer-exists', { purchaseOfferId: 'po1' });
  });

  it('includes delegated administration for a certified partner', () => {
    given({ [P]: authorizedPartner(['advisor', 'delegated-admin-certified']) })
      .when(
        'CreatePurchaseOffer',
        { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'limited', durationDays: 90 } },
        { actor: admin },
      )
      .thenEmits({
        [CODE_STREAM]: [claimed()],
        [PO]: [created({ delegatedAdmin: { access: 'limited', durationDays: 90, autoExtend: false } })],
      });
  });

  it('refuses the delegated-admin option to a user with limited administration, who may send the offer alone', () => {
    const partner = {
      [P]: [
        ...authorizedPartner(['advisor', 'delegated-admin-certified']),
        userCreated('sam'),
        roleAssigned('sam', 'limited'),
      ],
    };
    given(partner)
      .when(
        'CreatePurchaseOffer',
        { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'full' } },
        { actor: partnerUser('sam') },
      )
      .thenRefused('access-denied', { action: 'offer-delegations', customerAccess: 'limited' });
    given(partner)
      .when('CreatePurchaseOffer', cmd, { actor: partnerUser('sam') })
      .thenIds({ purchaseOfferId: 'po1' });
  });

  it('refuses delegated administration to a partner that is not certified', () => {
    given(advisor)
      .when(
        'CreatePurchaseOffer',
        { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'full' } },
        { actor: admin },
      )
      .thenRefused('not-delegated-admin-certified');
  });

  it('refuses auto-extension of full delegated administration', () => {
    given({ [P]: authorizedPartner(['advisor', 'delegated-admin-certified']) })
      .when(
        'CreatePurchaseOffer',
        { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'full', autoExtend: true } },
        { actor: admin },
      )
      .thenRefused('auto-extend-not-allowed-for-full');
  });

  it.each(['true', 1])('refuses an auto-extension of %p, which is not true or false', (autoExtend) => {
    given({ [P]: authorizedPartner(['advisor', 'delegated-admin-certified']) })
      .when(
        'CreatePurchaseOffer',
        { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'limited', autoExtend } },
        { actor: admin },
      )
      .thenRefused('invalid-auto-extend');
  });

  it('stores an expiry in the future, and refuses one in the past', () => {
    given(advisor)
      .when('CreatePurchaseOffer', { ...cmd, expiresAt: '2026-01-31T12:00:00Z' }, { actor: admin })
      .thenEmits({ [CODE_STREAM]: [claimed()], [PO]: [created({ expiresAt: '2026-01-31T12:00:00.000Z' })] });
    given(advisor)
      .when('CreatePurchaseOffer', { ...cmd, expiresAt: '2025-12-01' }, { actor: admin })
      .thenRefused('expiry-not-in-future');
  });
});

describe('WithdrawPurchaseOffer', () => {
  const ref = { partnerId: 'p1', purchaseOfferId: 'po1' };
  const withdrawn = {
    type: 'PurchaseOfferWithdrawn',
    data: { purchaseOfferId: 'po1', partnerId: 'p1', withdrawnAt: NOW },
  };

  it('withdraws the offer', () => {
    given({ ...advisor, [PO]: [purchaseOfferCreated()] })
      .when('WithdrawPurchaseOffer', ref, { actor: admin })
      .thenEmits({ [PO]: [withdrawn] });
  });

  it('withdrawing twice changes nothing', () => {
    given({ ...advisor, [PO]: [purchaseOfferCreated(), withdrawn] })
      .when('WithdrawPurchaseOffer', ref, { actor: admin })
      .thenNothing();
  });

  it('is still possible after the partner lost its advisor status', () => {
    given({ [P]: registered(), [PO]: [purchaseOfferCreated()] })
      .when('WithdrawPurchaseOffer', ref, { actor: admin })
      .thenEmits({ [PO]: [withdrawn] });
  });

  it('is refused to the platform', () => {
    given({ ...advisor, [PO]: [purchaseOfferCreated()] })
      .when('WithdrawPurchaseOffer', ref, { actor: platform })
      .thenRefused('access-denied');
  });

  it("answers not-found for an unknown offer or another partner's", () => {
    given(advisor)
      .when('WithdrawPurchaseOffer', ref, { actor: admin })
      .thenRefused('purchase-offer-not-found');
    given({ ...advisor, [PO]: [purchaseOfferCreated({ partnerId: 'p2' })] })
      .when('WithdrawPurchaseOffer', ref, { actor: admin })
      .thenRefused('purchase-offer-not-found', { purchaseOfferId: 'po1' });
  });
});

describe('ExpirePurchaseOffer', () => {
  const withExpiry = purchaseOfferCreated({ expiresAt: '2026-01-01T00:00:00.000Z' });
  const ref = { purchaseOfferId: 'po1' };

  it('expires an offer that is due', () => {
    given({ [PO]: [withExpiry] })
      .when('ExpirePurchaseOffer', ref, { actor: platform, now: '2026-01-02T00:00:00.000Z' })
      .thenEmits({
        [PO]: [
          {
            type: 'PurchaseOfferExpired',
            data: { purchaseOfferId: 'po1', partnerId: 'p1', expiredAt: '2026-01-02T00:00:00.000Z' },
          },
        ],
      });
  });

  it('is refused before the expiry, or without one', () => {
    given({ [PO]: [withExpiry] })
      .when('ExpirePurchaseOffer', ref, { actor: platform, now: '2025-12-31T00:00:00.000Z' })
      .thenRefused('purchase-offer-not-due');
    given({ [PO]: [purchaseOfferCreated()] })
      .when('ExpirePurchaseOffer', ref, { actor: platform })
      .thenRefused('purchase-offer-not-due', { expiresAt: null });
  });

  it('changes nothing when already withdrawn or expired', () => {
    const later = { actor: platform, now: '2026-02-01T00:00:00.000Z' };
    given({
      [PO]: [
        withExpiry,
        {
          type: 'PurchaseOfferWithdrawn',
          data: { purchaseOfferId: 'po1', partnerId: 'p1', withdrawnAt: NOW },
        },
      ],
    })
      .when('ExpirePurchaseOffer', ref, later)
      .thenNothing();
    given({
      [PO]: [
        withExpiry,
        { type: 'PurchaseOfferExpired', data: { purchaseOfferId: 'po1', partnerId: 'p1', expiredAt: NOW } },
      ],
    })
      .when('ExpirePurchaseOffer', ref, later)
      .thenNothing();
  });

  it('is refused to anyone but the platform, and not-found for an unknown offer', () => {
    given({ ...advisor, [PO]: [withExpiry] })
      .when('ExpirePurchaseOffer', ref, { actor: admin, now: '2026-02-01T00:00:00.000Z' })
      .thenRefused('platform-only');
    given().when('ExpirePurchaseOffer', ref, { actor: platform }).thenRefused('purchase-offer-not-found');
  });
});
