import { createDomainCommands } from '../registry';
import { fold } from '../shared/command';
import { commandSpec, followedBy } from '../testing/spec';
import {
  authorizedPartner,
  customerUser,
  granted,
  inviteCode,
  partnerUser,
  platform,
  registered,
  roleAssigned,
  testCatalog,
  trialInviteCreated,
  userCreated,
} from '../testing/fixtures';
import { invitationCodeEvolver } from './code';
import { trialInviteEvolver } from './trial-invite';

const given = commandSpec(createDomainCommands(testCatalog));
const P = 'partner-p1';
const INV = 'trial-invite-inv1';
const CODE = inviteCode();
const CODE_STREAM = `invitation-code-${CODE}`;
const admin = partnerUser('admin');
const NOW = '2026-01-01T00:00:00.000Z';

const cmd = { partnerId: 'p1', inviteId: 'inv1', code: CODE, offerId: 'office-business-basic' };
const created = (data: Record<string, unknown> = {}) => ({
  type: 'TrialInviteCreated',
  data: {
    inviteId: 'inv1',
    partnerId: 'p1',
    code: CODE,
    offerId: 'office-business-basic',
    delegatedAdmin: null,
    expiresAt: null,
    createdAt: NOW,
    ...data,
  },
});
const claimed = (invitationId = 'inv1') => ({
  type: 'InvitationCodeClaimed',
  data: { code: CODE, kind: 'trial-invite', invitationId, partnerId: 'p1' },
});
const advisor = { [P]: authorizedPartner(['advisor']) };
const certifiedAdvisor = { [P]: authorizedPartner(['advisor', 'delegated-admin-certified']) };

describe('CreateTrialInvite', () => {
  it('claims the code on its own stream and creates the invite with its one trial offer', () => {
    given(advisor)
      .when('CreateTrialInvite', cmd, { actor: admin })
      .thenEmits({ [CODE_STREAM]: [claimed()], [INV]: [created()] })
      .thenIds({ inviteId: 'inv1' });
  });

  it('generates the invite id when none is given', () => {
    given(advisor)
      .when('CreateTrialInvite', { ...cmd, inviteId: undefined }, { actor: admin })
      .thenEmits({
        [CODE_STREAM]: [claimed('new-inviteId')],
        'trial-invite-new-inviteId': [created({ inviteId: 'new-inviteId' })],
      })
      .thenIds({ inviteId: 'new-inviteId' });
  });

  it.each(['full', 'limited'] as const)(
    'may be created by a user with %s administration of customers',
    (level) => {
      given({ [P]: [...authorizedPartner(['advisor']), userCreated('sam'), roleAssigned('sam', level)] })
        .when('CreateTrialInvite', cmd, { actor: partnerUser('sam') })
        .thenIds({ inviteId: 'inv1' });
    },
  );

  it('is refused to a billing admin without customer access', () => {
    given({
      [P]: [...authorizedPartner(['advisor']), userCreated('bill'), roleAssigned('bill', 'billing-admin')],
    })
      .when('CreateTrialInvite', cmd, { actor: partnerUser('bill') })
      .thenRefused('access-denied', { action: 'create-invitations' });
  });

  it('is refused to the platform', () => {
    given(advisor).when('CreateTrialInvite', cmd, { actor: platform }).thenRefused('access-denied');
  });

  it('answers not-found to a user of another partner', () => {
    given(advisor)
      .when('CreateTrialInvite', cmd, { actor: partnerUser('admin', 'p2') })
      .thenRefused('partner-not-found');
  });

  it('answers not-found for an unknown partner', () => {
    given().when('CreateTrialInvite', cmd, { actor: admin }).thenRefused('partner-not-found');
  });

  it('is refused to a partner that is not an advisor', () => {
    given({ [P]: registered() })
      .when('CreateTrialInvite', cmd, { actor: admin })
      .thenRefused('partner-not-an-advisor', { partnerId: 'p1' });
  });

  it('is refused once the advisor authorization was revoked', () => {
    given({
      [P]: [
        ...authorizedPartner(['advisor']),
        {
          type: 'AuthorizationRevoked',
          data: { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2025-12-31T00:00:00.000Z' },
        },
      ],
    })
      .when('CreateTrialInvite', cmd, { actor: admin })
      .thenRefused('partner-not-an-advisor');
  });

  // Review finding: with a revocation scheduled for later, an earlier one was refused as not held,
  // and a grant earlier than one scheduled for later was a silent no-op.
  it('is refused after a revocation that moved a scheduled end earlier', () => {
    const history = {
      [P]: [
        ...authorizedPartner(['advisor']),
        {
          type: 'AuthorizationRevoked',
          data: { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2026-06-01T00:00:00.000Z' },
        },
      ],
    };
    const revokedNow = given(history)
      .when(
        'RevokeAuthorization',
        { partnerId: 'p1', authorization: 'advisor' },
        { actor: platform, now: '2026-01-01T00:00:00.000Z' },
      )
      .thenEmits({
        [P]: [
          {
            type: 'AuthorizationRevoked',
            data: { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2026-01-01T00:00:00.000Z' },
          },
        ],
      });
    given(followedBy(history, revokedNow.events))
      .when('CreateTrialInvite', cmd, { actor: admin, now: '2026-03-01T00:00:00.000Z' })
      .thenRefused('partner-not-an-advisor', { partnerId: 'p1' });
  });

  it('is allowed after a grant that moved a scheduled start earlier', () => {
    const history = { [P]: [...registered(), granted('advisor', 'p1', '2026-06-01T00:00:00.000Z')] };
    const grantedNow = given(history)
      .when(
        'GrantAuthorization',
        { partnerId: 'p1', authorization: 'advisor' },
        { actor: platform, now: '2026-01-01T00:00:00.000Z' },
      )
      .thenEmits({ [P]: [granted('advisor', 'p1', '2026-01-01T00:00:00.000Z')] });
    given(followedBy(history, grantedNow.events))
      .when('CreateTrialInvite', cmd, { actor: admin, now: '2026-03-01T00:00:00.000Z' })
      .thenIds({ inviteId: 'inv1' });
  });

  it('may be created while the company profile is rejected (an unverified partner can still work)', () => {
    given({
      [P]: [
        ...authorizedPartner(['advisor']),
        { type: 'CompanyProfileRejected', data: { partnerId: 'p1', reason: 'Registry mismatch' } },
      ],
    })
      .when('CreateTrialInvite', cmd, { actor: admin })
      .thenEmits({ [CODE_STREAM]: [claimed()], [INV]: [created()] });
  });

  it('answers not-found to a customer user', () => {
    given(advisor)
      .when('CreateTrialInvite', cmd, { actor: customerUser('admin') })
      .thenRefused('partner-not-found');
  });

  it('is refused while the advisor authorization is not yet in effect', () => {
    given({ [P]: authorizedPartner(['advisor']) })
      .when('CreateTrialInvite', cmd, { actor: admin, now: '2024-12-31T23:59:59.999Z' })
      .thenRefused('partner-not-an-advisor');
  });

  it('is refused for an offer not in the catalog', () => {
    given(advisor)
      .when('CreateTrialInvite', { ...cmd, offerId: 'office-ultimate' }, { actor: admin })
      .thenRefused('unknown-offer', { offerId: 'office-ultimate' });
  });

  it('is refused for a service without a trial', () => {
    given(advisor)
      .when('CreateTrialInvite', { ...cmd, offerId: 'teams-essentials' }, { actor: admin })
      .thenRefused('offer-has-no-trial', { offerId: 'teams-essentials' });
  });

  it.each([
    ['too short (under 128 bits)', 'aZx9_-QwErTyUiOpAsDfGh'.slice(0, 21)],
    ['not base64url', 'aZx9_-QwErTyUiOpAsDfGh+/'],
    ['padded', 'aZx9_-QwErTyUiOpAsDfGhJ='],
    ['with spaces', 'aZx9 -QwErTyUiOpAsDfGhJk'],
    ['empty', ''],
  ])('is refused when the code is %s', (_why, code) => {
    given(advisor)
      .when('CreateTrialInvite', { ...cmd, code }, { actor: admin })
      .thenRefused('invalid-invitation-code');
  });

  it('accepts a code of exactly 22 characters', () => {
    const code = 'aZx9_-QwErTyUiOpAsDfGh';
    expect(code).toHaveLength(22);
    given(advisor)
      .when('CreateTrialInvite', { ...cmd, code }, { actor: admin })
      .thenIds({ inviteId: 'inv1' });
  });

  it('is refused when the code is already claimed (by any invitation)', () => {
    given({
      ...advisor,
      [CODE_STREAM]: [
        {
          type: 'InvitationCodeClaimed',
          data: { code: CODE, kind: 'purchase-offer', invitationId: 'po9', partnerId: 'p9' },
        },
      ],
    })
      .when('CreateTrialInvite', cmd, { actor: admin })
      .thenRefused('invitation-code-taken', { kind: 'purchase-offer' });
  });

  it('does not claim again a code this very invite already holds (retry after a crash between the writes)', () => {
    given({ ...advisor, [CODE_STREAM]: [claimed()] })
      .when('CreateTrialInvite', cmd, { actor: admin })
      .thenEmits({ [INV]: [created()] })
      .thenIds({ inviteId: 'inv1' });
  });

  it('is refused when the code is held by a purchase offer of the same id', () => {
    given({
      ...advisor,
      [CODE_STREAM]: [
        {
          type: 'InvitationCodeClaimed',
          data: { code: CODE, kind: 'purchase-offer', invitationId: 'inv1', partnerId: 'p1' },
        },
      ],
    })
      .when('CreateTrialInvite', cmd, { actor: admin })
      .thenRefused('invitation-code-taken');
  });

  it('is refused when the invite id is taken', () => {
    given({ ...advisor, [INV]: [trialInviteCreated({ code: inviteCode('z') })] })
      .when('CreateTrialInvite', cmd, { actor: admin })
      .thenRefused('trial-invite-exists', { inviteId: 'inv1' });
  });

  describe('with delegated administration', () => {
    it('records the terms, filling in the defaults (730 days, no auto-extension)', () => {
      given(certifiedAdvisor)
        .when(
          'CreateTrialInvite',
          { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'full' } },
          { actor: admin },
        )
        .thenEmits({
          [CODE_STREAM]: [claimed()],
          [INV]: [created({ delegatedAdmin: { access: 'full', durationDays: 730, autoExtend: false } })],
        });
    });

    it('takes limited access with auto-extension and a chosen duration', () => {
      const out = given(certifiedAdvisor).when(
        'CreateTrialInvite',
        {
          ...cmd,
          includeDelegatedAdmin: true,
          delegation: { access: 'limited', durationDays: 1, autoExtend: true },
        },
        { actor: admin },
      );
      expect(out.events[INV][0].data).toMatchObject({
        delegatedAdmin: { access: 'limited', durationDays: 1, autoExtend: true },
      });
    });

    it('is offered by a global admin or a user with full administration; a limited one sends the invite without it', () => {
      const staffed = {
        [P]: [
          ...authorizedPartner(['advisor', 'delegated-admin-certified']),
          ...(['full', 'limited'] as const).flatMap((level) => [
            userCreated(level),
            roleAssigned(level, level),
          ]),
        ],
      };
      const option = { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'limited' } };
      given(staffed)
        .when('CreateTrialInvite', option, { actor: partnerUser('full') })
        .thenIds({ inviteId: 'inv1' });
      given(staffed)
        .when('CreateTrialInvite', option, { actor: partnerUser('limited') })
        .thenRefused('access-denied', { action: 'offer-delegations', customerAccess: 'limited' });
      given(staffed)
        .when('CreateTrialInvite', cmd, { actor: partnerUser('limited') })
        .thenIds({ inviteId: 'inv1' });
    });

    it('asks who offers it before whether the partner is certified, as a direct offer does', () => {
      given({ [P]: [...authorizedPartner(['advisor']), userCreated('sam'), roleAssigned('sam', 'limited')] })
        .when(
          'CreateTrialInvite',
          { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'limited' } },
          { actor: partnerUser('sam') },
        )
        .thenRefused('access-denied', { action: 'offer-delegations' });
    });

    it('is refused to a partner not certified for delegated administration', () => {
      given(advisor)
        .when(
          'CreateTrialInvite',
          { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'limited' } },
          { actor: admin },
        )
        .thenRefused('not-delegated-admin-certified', { partnerId: 'p1' });
    });

    it('refuses auto-extension of full administration', () => {
      given(certifiedAdvisor)
        .when(
          'CreateTrialInvite',
          { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'full', autoExtend: true } },
          { actor: admin },
        )
        .thenRefused('auto-extend-not-allowed-for-full');
    });

    it.each(['true', 1])('refuses an auto-extension of %p, which is not true or false', (autoExtend) => {
      given(certifiedAdvisor)
        .when(
          'CreateTrialInvite',
          { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'limited', autoExtend } },
          { actor: admin },
        )
        .thenRefused('invalid-auto-extend');
    });

    it.each([0, 731, 1.5, -1])('refuses a duration of %s days', (durationDays) => {
      given(certifiedAdvisor)
        .when(
          'CreateTrialInvite',
          { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'full', durationDays } },
          { actor: admin },
        )
        .thenRefused('invalid-delegation-duration', { durationDays, max: 730 });
    });

    it('accepts the maximum duration of 730 days', () => {
      given(certifiedAdvisor)
        .when(
          'CreateTrialInvite',
          { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'full', durationDays: 730 } },
          { actor: admin },
        )
        .thenIds({ inviteId: 'inv1' });
    });

    it('refuses an access level that is neither full nor limited, or none at all', () => {
      given(certifiedAdvisor)
        .when(
          'CreateTrialInvite',
          { ...cmd, includeDelegatedAdmin: true, delegation: { access: 'global-admin' } },
          { actor: admin },
        )
        .thenRefused('invalid-delegation-access', { access: 'global-admin' });
      given(certifiedAdvisor)
        .when('CreateTrialInvite', { ...cmd, includeDelegatedAdmin: true }, { actor: admin })
        .thenRefused('invalid-delegation-access', { access: null });
    });

    it('refuses terms given without includeDelegatedAdmin (they would be silently dropped)', () => {
      given(certifiedAdvisor)
        .when('CreateTrialInvite', { ...cmd, delegation: { access: 'limited' } }, { actor: admin })
        .thenRefused('delegation-terms-without-delegated-admin');
    });

    it('ignores includeDelegatedAdmin: false', () => {
      const out = given(advisor).when(
        'CreateTrialInvite',
        { ...cmd, includeDelegatedAdmin: false },
        { actor: admin },
      );
      expect(out.events[INV][0].data).toMatchObject({ delegatedAdmin: null });
    });
  });

  describe('expiry', () => {
    it('stores an expiry in the future in canonical form', () => {
      given(advisor)
        .when('CreateTrialInvite', { ...cmd, expiresAt: '2026-02-01' }, { actor: admin })
        .thenEmits({
          [CODE_STREAM]: [claimed()],
          [INV]: [created({ expiresAt: '2026-02-01T00:00:00.000Z' })],
        });
    });

    it.each([NOW, '2025-12-31T23:59:59Z'])('refuses an expiry that is not after now (%s)', (expiresAt) => {
      given(advisor)
        .when('CreateTrialInvite', { ...cmd, expiresAt }, { actor: admin })
        .thenRefused('expiry-not-in-future', { now: NOW });
    });

    it('refuses an expiry that is not an instant', () => {
      given(advisor)
        .when('CreateTrialInvite', { ...cmd, expiresAt: 'next week' }, { actor: admin })
        .thenRefused('invalid-instant', { field: 'expiresAt' });
    });
  });
});

describe('RevokeTrialInvite', () => {
  const ref = { partnerId: 'p1', inviteId: 'inv1' };
  const revoked = { type: 'TrialInviteRevoked', data: { inviteId: 'inv1', partnerId: 'p1', revokedAt: NOW } };

  it('stops the invite', () => {
    given({ ...advisor, [INV]: [trialInviteCreated()] })
      .when('RevokeTrialInvite', ref, { actor: admin })
      .thenEmits({ [INV]: [revoked] });
  });

  it('revoking twice changes nothing', () => {
    given({ ...advisor, [INV]: [trialInviteCreated(), revoked] })
      .when('RevokeTrialInvite', ref, { actor: admin })
      .thenNothing();
  });

  it('may be done by a user with limited customer access', () => {
    given({
      [P]: [...authorizedPartner(['advisor']), userCreated('sam'), roleAssigned('sam', 'limited')],
      [INV]: [trialInviteCreated()],
    })
      .when('RevokeTrialInvite', ref, { actor: partnerUser('sam') })
      .thenEmits({ [INV]: [revoked] });
  });

  it('is still possible after the partner lost its advisor status', () => {
    given({ [P]: registered(), [INV]: [trialInviteCreated()] })
      .when('RevokeTrialInvite', ref, { actor: admin })
      .thenEmits({ [INV]: [revoked] });
  });

  it('is refused to a user without the invitation permission', () => {
    given({
      [P]: [...authorizedPartner(['advisor']), userCreated('pw'), roleAssigned('pw', 'password-admin')],
      [INV]: [trialInviteCreated()],
    })
      .when('RevokeTrialInvite', ref, { actor: partnerUser('pw') })
      .thenRefused('access-denied');
  });

  it('answers not-found for an unknown invite', () => {
    given(advisor).when('RevokeTrialInvite', ref, { actor: admin }).thenRefused('trial-invite-not-found');
  });

  it("answers not-found for another partner's invite", () => {
    given({ ...advisor, [INV]: [trialInviteCreated({ partnerId: 'p2' })] })
      .when('RevokeTrialInvite', ref, { actor: admin })
      .thenRefused('trial-invite-not-found', { inviteId: 'inv1' });
  });
});

describe('ExpireTrialInvite', () => {
  const withExpiry = trialInviteCreated({ expiresAt: '2026-01-01T00:00:00.000Z' });

  it('expires an invite that is due (platform / scheduler)', () => {
    given({ [INV]: [withExpiry] })
      .when('ExpireTrialInvite', { inviteId: 'inv1' }, { actor: platform, now: '2026-01-01T00:00:00.000Z' })
      .thenEmits({
        [INV]: [
          {
            type: 'TrialInviteExpired',
            data: { inviteId: 'inv1', partnerId: 'p1', expiredAt: '2026-01-01T00:00:00.000Z' },
          },
        ],
      });
  });

  it('is refused before the expiry', () => {
    given({ [INV]: [withExpiry] })
      .when('ExpireTrialInvite', { inviteId: 'inv1' }, { actor: platform, now: '2025-12-31T23:59:59.999Z' })
      .thenRefused('invite-not-due', { expiresAt: '2026-01-01T00:00:00.000Z' });
  });

  it('is refused for an invite without expiry', () => {
    given({ [INV]: [trialInviteCreated()] })
      .when('ExpireTrialInvite', { inviteId: 'inv1' }, { actor: platform })
      .thenRefused('invite-not-due', { expiresAt: null });
  });

  it('changes nothing when already expired or revoked', () => {
    const expired = {
      type: 'TrialInviteExpired',
      data: { inviteId: 'inv1', partnerId: 'p1', expiredAt: NOW },
    };
    const revoked = {
      type: 'TrialInviteRevoked',
      data: { inviteId: 'inv1', partnerId: 'p1', revokedAt: NOW },
    };
    given({ [INV]: [withExpiry, expired] })
      .when('ExpireTrialInvite', { inviteId: 'inv1' }, { actor: platform, now: '2026-02-01T00:00:00.000Z' })
      .thenNothing();
    given({ [INV]: [withExpiry, revoked] })
      .when('ExpireTrialInvite', { inviteId: 'inv1' }, { actor: platform, now: '2026-02-01T00:00:00.000Z' })
      .thenNothing();
  });

  it('is refused to anyone but the platform', () => {
    given({ ...advisor, [INV]: [withExpiry] })
      .when('ExpireTrialInvite', { inviteId: 'inv1' }, { actor: admin, now: '2026-02-01T00:00:00.000Z' })
      .thenRefused('platform-only');
  });

  it('answers not-found for an unknown invite', () => {
    given()
      .when('ExpireTrialInvite', { inviteId: 'inv1' }, { actor: platform })
      .thenRefused('trial-invite-not-found');
  });
});

describe('folds', () => {
  it('an invite: created, then revoked and expired', () => {
    const state = fold(trialInviteEvolver, [
      trialInviteCreated({ expiresAt: '2026-02-01T00:00:00.000Z' }),
      { type: 'TrialInviteRevoked', data: { inviteId: 'inv1', partnerId: 'p1', revokedAt: NOW } },
      { type: 'TrialInviteExpired', data: { inviteId: 'inv1', partnerId: 'p1', expiredAt: NOW } },
    ] as never[]);
    expect(state).toMatchObject({
      exists: true,
      id: 'inv1',
      partnerId: 'p1',
      offerId: 'office-business-basic',
      expiresAt: '2026-02-01T00:00:00.000Z',
      revoked: true,
      expired: true,
    });
  });

  it('a code: the first claim wins (the edge resolves a URL code to its invitation with it)', () => {
    const state = fold(invitationCodeEvolver, [
      {
        type: 'InvitationCodeClaimed',
        data: { code: CODE, kind: 'trial-invite', invitationId: 'inv1', partnerId: 'p1' },
      },
      {
        type: 'InvitationCodeClaimed',
        data: { code: CODE, kind: 'purchase-offer', invitationId: 'x', partnerId: 'p2' },
      },
    ]);
    expect(state).toEqual({ claimed: true, kind: 'trial-invite', invitationId: 'inv1', partnerId: 'p1' });
  });
});
