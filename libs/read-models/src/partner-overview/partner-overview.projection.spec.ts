import { facts, Story } from '../testing/story';
import { partnerOverviewProjection } from './partner-overview.projection';

const profile = {
  legalName: 'Contoso s.r.o.',
  address: { line1: 'Hlavná 1', city: 'Bratislava', country: 'SK' },
  phone: '+421 2 1234 5678',
  email: 'office@contoso.example',
};

describe('partner overview projection', () => {
  const story = new Story(partnerOverviewProjection);
  const e = story.event.bind(story);

  it('registers the partner with its profile, verification state and activity', async () => {
    await story.given(
      e(
        'PartnerRegistered',
        { partnerId: 'p1', profile, verification: 'pending' },
        { at: '2026-01-05T09:00:00.000Z' },
      ),
    );
    expect(story.rows('partners')).toEqual([
      {
        partner_id: 'p1',
        legal_name: 'Contoso s.r.o.',
        profile,
        verification: 'pending',
        rejection_reason: null,
        reverify_fields: null,
        registered_at: '2026-01-05T09:00:00.000Z',
        last_activity: '2026-01-05T09:00:00.000Z',
      },
    ]);
  });

  it('follows profile changes and the verification cycle', async () => {
    await story.given(
      e('CompanyProfileVerified', { partnerId: 'p1' }),
      e('CompanyProfileUpdated', {
        partnerId: 'p1',
        changes: {
          legalName: { from: 'Contoso s.r.o.', to: 'Contoso a.s.' },
          website: { from: null, to: 'https://c.example' },
        },
      }),
      e('CompanyProfileVerificationRequired', { partnerId: 'p1', becauseOf: ['legalName'] }),
    );
    expect(story.rows('partners')[0]).toMatchObject({
      legal_name: 'Contoso a.s.',
      profile: { ...profile, legalName: 'Contoso a.s.', website: 'https://c.example' },
      verification: 'pending',
      reverify_fields: ['legalName'],
    });
    await story.given(e('CompanyProfileRejected', { partnerId: 'p1', reason: 'Registry mismatch' }));
    expect(story.rows('partners')[0]).toMatchObject({
      verification: 'rejected',
      rejection_reason: 'Registry mismatch',
      // A rejection verifies nothing: what changed since the last verification stays listed.
      reverify_fields: ['legalName'],
    });
    await story.given(
      e('CompanyProfileUpdated', {
        partnerId: 'p1',
        changes: { website: { from: 'https://c.example', to: null } },
      }),
    );
    expect(story.rows('partners')[0].profile).toEqual({ ...profile, legalName: 'Contoso a.s.' });
  });

  it('stores authorization periods: grant opens one, revoke closes it, a new grant opens another', async () => {
    await story.given(
      e('AuthorizationGranted', {
        partnerId: 'p1',
        authorization: 'advisor',
        effectiveFrom: '2026-01-01T00:00:00.000Z',
      }),
      e('AuthorizationRevoked', {
        partnerId: 'p1',
        authorization: 'advisor',
        effectiveFrom: '2026-02-01T00:00:00.000Z',
      }),
      e('AuthorizationGranted', {
        partnerId: 'p1',
        authorization: 'advisor',
        effectiveFrom: '2026-03-01T00:00:00.000Z',
      }),
      e('AuthorizationGranted', {
        partnerId: 'p1',
        authorization: 'delegated-admin-certified',
        effectiveFrom: '2026-01-01T00:00:00.000Z',
      }),
    );
    expect(story.rows('authorizations')).toEqual([
      {
        partner_id: 'p1',
        authorization: 'advisor',
        periods: [
          { from: '2026-01-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z' },
          { from: '2026-03-01T00:00:00.000Z', until: null },
        ],
      },
      {
        partner_id: 'p1',
        authorization: 'delegated-admin-certified',
        periods: [{ from: '2026-01-01T00:00:00.000Z', until: null }],
      },
    ]);
  });

  // Review finding: a second revocation or grant on the same period was ignored; the domain writes
  // them to move a scheduled end or start earlier, and its evolve applies them.
  it("moves a scheduled end or an open period's start earlier, as the domain does", async () => {
    const change = (type: string, authorization: string, effectiveFrom: string) =>
      e(type, { partnerId: 'p1', authorization, effectiveFrom });
    await story.given(
      change('AuthorizationGranted', 'authorized-service-provider', '2025-01-01T00:00:00.000Z'),
      change('AuthorizationRevoked', 'authorized-service-provider', '2026-06-01T00:00:00.000Z'),
      change('AuthorizationRevoked', 'authorized-service-provider', '2026-02-01T00:00:00.000Z'),
      // At or after the end: nothing changes.
      change('AuthorizationRevoked', 'authorized-service-provider', '2026-02-01T00:00:00.000Z'),
      // Open since 2026-01-01 (above): an earlier grant moves the start earlier.
      change('AuthorizationGranted', 'delegated-admin-certified', '2025-06-01T00:00:00.000Z'),
      // Already open from an earlier date: nothing changes.
      change('AuthorizationGranted', 'delegated-admin-certified', '2026-03-01T00:00:00.000Z'),
    );
    const periodsOf = (authorization: string) =>
      story.rows('authorizations').find((r) => r.authorization === authorization)?.periods;
    expect(periodsOf('authorized-service-provider')).toEqual([
      { from: '2025-01-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z' },
    ]);
    expect(periodsOf('delegated-admin-certified')).toEqual([
      { from: '2025-06-01T00:00:00.000Z', until: null },
    ]);
  });

  it('keeps users with their roles and active flag', async () => {
    const user = (userId: string) => ({ partnerId: 'p1', userId });
    await story.given(
      e('PartnerUserCreated', { ...user('jana'), email: 'jana@c.example', displayName: 'Jana' }),
      e('PartnerUserCreated', { ...user('igor'), email: 'igor@c.example', displayName: 'Igor' }),
      e('AdminRoleAssigned', { ...user('jana'), scope: 'company', role: 'global-admin', previousRole: null }),
      e('AdminRoleAssigned', { ...user('igor'), scope: 'customers', role: 'full', previousRole: null }),
      e('AdminRoleAssigned', {
        ...user('igor'),
        scope: 'company',
        role: 'billing-admin',
        previousRole: null,
      }),
      e('AdminRoleRevoked', { ...user('igor'), scope: 'company', role: 'billing-admin' }),
      e('PartnerUserUpdated', { ...user('igor'), changes: { displayName: { from: 'Igor', to: 'Igor K.' } } }),
      e('PartnerUserDeactivated', user('igor')),
    );
    expect(story.rows('users')).toEqual([
      {
        partner_id: 'p1',
        user_id: 'igor',
        email: 'igor@c.example',
        display_name: 'Igor K.',
        active: false,
        company_role: null,
        customer_access: 'full',
      },
      {
        partner_id: 'p1',
        user_id: 'jana',
        email: 'jana@c.example',
        display_name: 'Jana',
        active: true,
        company_role: 'global-admin',
        customer_access: null,
      },
    ]);
    await story.given(
      e('PartnerUserReactivated', user('igor')),
      e('PartnerUserUpdated', {
        ...user('igor'),
        changes: { email: { from: 'igor@c.example', to: 'ik@c.example' } },
      }),
    );
    expect(story.rows('users')[0]).toMatchObject({ active: true, email: 'ik@c.example' });
  });

  it('tracks invitations and counts each customer taking one up once', async () => {
    const invite = (inviteId: string, expiresAt: string | null = null) => ({
      inviteId,
      partnerId: 'p1',
      code: 'c'.repeat(22),
      offerId: 'office-business-basic',
      delegatedAdmin: null,
      expiresAt,
      createdAt: '2026-01-05T00:00:00.000Z',
    });
    const offer = (purchaseOfferId: string) => ({
      purchaseOfferId,
      partnerId: 'p1',
      code: 'o'.repeat(22),
      lines: [],
      delegatedAdmin: null,
      expiresAt: null,
      createdAt: '2026-01-05T00:00:00.000Z',
    });
    const viaInvite = { kind: 'trial-invite', id: 'inv-1', partnerId: 'p1' };
    const viaOffer = { kind: 'purchase-offer', id: 'po-1', partnerId: 'p1' };
    await story.given(
      e('TrialInviteCreated', invite('inv-1', '2026-02-01T00:00:00.000Z')),
      e('TrialInviteCreated', invite('inv-2')),
      e('TrialInviteCreated', invite('inv-3')),
      e('TrialInviteRevoked', { inviteId: 'inv-2', partnerId: 'p1', revokedAt: '2026-01-06T00:00:00.000Z' }),
      e('TrialInviteExpired', { inviteId: 'inv-3', partnerId: 'p1', expiredAt: '2026-01-07T00:00:00.000Z' }),
      e('PurchaseOfferCreated', offer('po-1')),
      e('PurchaseOfferCreated', offer('po-2')),
      e('PurchaseOfferCreated', offer('po-3')),
      e('PurchaseOfferWithdrawn', {
        purchaseOfferId: 'po-2',
        partnerId: 'p1',
        withdrawnAt: '2026-01-06T00:00:00.000Z',
      }),
      e('PurchaseOfferExpired', {
        purchaseOfferId: 'po-3',
        partnerId: 'p1',
        expiredAt: '2026-01-07T00:00:00.000Z',
      }),
      e('TrialStarted', {
        ...facts('alpha', 's1', null),
        seats: 25,
        startedAt: 'x',
        endsAt: 'y',
        via: viaInvite,
      }),
      e('TrialStarted', {
        ...facts('beta', 's2', null),
        seats: 25,
        startedAt: 'x',
        endsAt: 'y',
        via: viaInvite,
      }),
      // Two lines of one offer accepted by one customer: one acceptance.
      e('TrialConverted', {
        ...facts('alpha', 's1', 'p1'),
        licenses: { from: 25, to: 40 },
        endsAt: { from: 'y', to: 'z' },
        paidFrom: 'x',
        termMonths: 12,
        via: viaOffer,
      }),
      e('SubscriptionStarted', {
        ...facts('alpha', 's3', 'p1'),
        licenses: 5,
        startedAt: 'x',
        endsAt: 'z',
        termMonths: 12,
        via: viaOffer,
      }),
      // Not through an invitation: no take-up.
      e('SubscriptionStarted', {
        ...facts('gamma', 's4', 'p1'),
        licenses: 5,
        startedAt: 'x',
        endsAt: 'z',
        termMonths: 12,
        via: { kind: 'product-key', id: 'k', partnerId: 'p1' },
      }),
    );
    const invitations = story.rows('invitations').map((r) => [r.kind, r.invitation_id, r.state, r.take_ups]);
    expect(invitations).toEqual([
      ['purchase-offer', 'po-1', 'open', 1],
      ['purchase-offer', 'po-2', 'withdrawn', 0],
      ['purchase-offer', 'po-3', 'expired', 0],
      ['trial-invite', 'inv-1', 'open', 2],
      ['trial-invite', 'inv-2', 'revoked', 0],
      ['trial-invite', 'inv-3', 'expired', 0],
    ]);
    expect(story.rows('invitations')[3]).toMatchObject({ expires_at: '2026-02-01T00:00:00.000Z' });
    expect(story.rows('take_ups').map((r) => [r.invitation_id, r.customer_id])).toEqual([
      ['po-1', 'alpha'],
      ['inv-1', 'alpha'],
      ['inv-1', 'beta'],
    ]);
  });

  it('moves the last activity to the latest business time of any event naming the partner, never back', async () => {
    const sub = facts('alpha', 's1', 'p1', 'p9');
    const delegation = { customerId: 'alpha', partnerId: 'p1', delegationId: 'd1', access: 'limited' };
    const request = { customerId: 'alpha', serviceRequestId: 'sr1' };
    const jana = { kind: 'partner-user', userId: 'jana', partnerId: 'p1' };
    const touching: Array<[string, Record<string, unknown>]> = [
      ['LicenseCountChanged', { ...sub, licenses: { from: 1, to: 2 } }],
      ['TrialExpiring', { ...sub, daysLeft: 7, endsAt: 'x' }],
      ['TrialExpired', { ...sub, endsAt: 'x', expiredAt: 'x', status: { from: 'active', to: 'expired' } }],
      ['SubscriptionRenewed', { ...sub, endsAt: { from: 'x', to: 'y' }, termMonths: 12 }],
      [
        'SubscriptionCancelled',
        { ...sub, kind: 'paid', licenses: 2, cancelledAt: 'x', status: { from: 'active', to: 'cancelled' } },
      ],
      [
        'SubscriptionSuspended',
        {
          ...sub,
          by: 'customer',
          reason: null,
          suspendedAt: 'x',
          status: { from: 'active', to: 'suspended' },
        },
      ],
      [
        'SubscriptionReactivated',
        { ...sub, reactivatedAt: 'x', status: { from: 'suspended', to: 'active' } },
      ],
      ['CustomerAdvisorAdded', { customerId: 'alpha', partnerId: 'p1', via: {} }],
      ['PartnerOfRecordChanged', { customerId: 'alpha', partnerId: 'p9', previousPartnerId: 'p1', via: {} }],
      ['DelegatedAdminAcceptedAtRedemption', { customerId: 'alpha', partnerId: 'p1' }],
      ['DelegatedAdminDeclinedAtRedemption', { customerId: 'alpha', partnerId: 'p1' }],
      ['DelegationOffered', delegation],
      ['DelegationAccepted', delegation],
      ['DelegationDeclined', delegation],
      ['DelegationOfferExpired', delegation],
      ['DelegationRemoved', delegation],
      ['DelegationEnded', delegation],
      ['DelegationAutoExtended', delegation],
      ['DelegationAutoExtendChanged', { ...delegation, autoExtend: { from: false, to: true } }],
      ['DelegationEnding', { ...delegation, daysLeft: 7, autoExtend: false, startsAt: 'x', endsAt: 'y' }],
      [
        'CustomerUserPasswordReset',
        { customerId: 'alpha', userId: 'u1', byPartnerId: 'p1', byUserId: 'jana' },
      ],
      ['ProductKeyBatchRegistered', { batchId: 'b1', partnerId: 'p1', keys: [], registeredAt: 'x' }],
      ['PorNotificationsMarkedRead', { partnerId: 'p1', notificationIds: null, all: true }],
      // A delegated admin's service requests, as its password resets.
      ['ServiceRequestCreated', { ...request, openedBy: jana, openedAt: 'x' }],
      ['ServiceRequestUpdated', { ...request, changes: {}, updatedBy: jana, updatedAt: 'x' }],
      ['ServiceRequestClosed', { ...request, resolution: 'Done', closedBy: jana, closedAt: 'x' }],
    ];
    for (const [index, [type, data]] of touching.entries()) {
      const at = `2026-03-${String(index + 1).padStart(2, '0')}T00:00:00.000Z`;
      await story.given(e(type, data as never, { at }));
      expect({ type, last: story.rows('partners')[0].last_activity }).toEqual({ type, last: at });
    }
    // An event with an older business time (a backdated command) does not move it back.
    await story.given(
      e('PartnerUserDeactivated', { partnerId: 'p1', userId: 'jana' }, { at: '2026-01-01T00:00:00.000Z' }),
    );
    expect(story.rows('partners')[0].last_activity).toBe('2026-03-26T00:00:00.000Z');
    // A reset by the customer's own admin is no partner's activity.
    await story.given(
      e(
        'CustomerUserPasswordReset',
        { customerId: 'alpha', userId: 'u1', byPartnerId: null, byUserId: 'cadmin' },
        { at: '2026-04-01T00:00:00.000Z' },
      ),
    );
    expect(story.rows('partners')[0].last_activity).toBe('2026-03-26T00:00:00.000Z');
    // Nor a service request its own admin opened.
    await story.given(
      e(
        'ServiceRequestCreated',
        {
          ...request,
          serviceRequestId: 'sr2',
          openedBy: { kind: 'customer-user', userId: 'cadmin' },
          openedAt: 'x',
        },
        { at: '2026-04-02T00:00:00.000Z' },
      ),
    );
    expect(story.rows('partners')[0].last_activity).toBe('2026-03-26T00:00:00.000Z');
    // Regression (review): a product key's claim is written before the customer's events and released
    // when the command is refused, so it moved the last activity to an application that never happened.
    // An application that succeeds starts a subscription, and that event is the activity.
    await story.given(
      e('ProductKeyApplied', { partnerId: 'p1', customerId: 'alpha' }, { at: '2026-04-03T00:00:00.000Z' }),
      e(
        'ClaimReleased',
        { commandId: 'c1', undoes: ['ProductKeyApplied'], reason: 'already-subscribed' },
        { at: '2026-04-03T00:00:00.000Z' },
      ),
    );
    expect(story.rows('partners')[0].last_activity).toBe('2026-03-26T00:00:00.000Z');
    // Partners never registered here get no row.
    expect(story.rows('partners').map((r) => r.partner_id)).toEqual(['p1']);
  });

  // Regression (review): each request for re-verification replaced the fields of the one before, so a
  // profile pending for its legal name and then its address showed only the address; a rejection
  // cleared the list, and a profile never verified got one.
  it('lists the fields changed since the last verification; none while the profile never was verified', async () => {
    const p2 = () => story.rows('partners').find((row) => row.partner_id === 'p2');
    await story.given(
      e('PartnerRegistered', { partnerId: 'p2', profile, verification: 'pending' }),
      e('CompanyProfileVerificationRequired', { partnerId: 'p2', becauseOf: ['legalName'] }),
      e('CompanyProfileRejected', { partnerId: 'p2', reason: 'Registry mismatch' }),
      e('CompanyProfileVerificationRequired', { partnerId: 'p2', becauseOf: ['address'] }),
    );
    // Never verified: the whole profile waits, whatever changes meanwhile.
    expect(p2()).toMatchObject({ verification: 'pending', reverify_fields: null });
    await story.given(
      e('CompanyProfileVerified', { partnerId: 'p2' }),
      e('CompanyProfileVerificationRequired', { partnerId: 'p2', becauseOf: ['legalName'] }),
      e('CompanyProfileVerificationRequired', { partnerId: 'p2', becauseOf: ['address', 'legalName'] }),
    );
    expect(p2()).toMatchObject({ verification: 'pending', reverify_fields: ['legalName', 'address'] });
    await story.given(
      e('CompanyProfileRejected', { partnerId: 'p2', reason: 'Registry mismatch' }),
      e('CompanyProfileVerificationRequired', { partnerId: 'p2', becauseOf: ['phone'] }),
    );
    expect(p2()).toMatchObject({
      verification: 'pending',
      reverify_fields: ['legalName', 'address', 'phone'],
    });
    await story.given(e('CompanyProfileVerified', { partnerId: 'p2' }));
    expect(p2()).toMatchObject({ verification: 'verified', reverify_fields: [] });
    // Registered as verified: changes are listed from the start.
    await story.given(
      e('PartnerRegistered', { partnerId: 'p3', profile, verification: 'verified' }),
      e('CompanyProfileVerificationRequired', { partnerId: 'p3', becauseOf: ['legalName'] }),
    );
    const p3 = story.rows('partners').find((row) => row.partner_id === 'p3');
    expect(p3).toMatchObject({ verification: 'pending', reverify_fields: ['legalName'] });
  });

  it('covered every event type it handles', () => {
    expect(story.untold()).toEqual([]);
  });
});
