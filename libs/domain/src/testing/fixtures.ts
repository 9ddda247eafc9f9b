import type { Actor, DomainEvent } from '../shared/types';
import type { Authorization, CompanyProfile, CompanyRole, CustomerAccess } from '../partner/events';
import { type Catalog, parseCatalog } from '../catalog/catalog';

/** Ready-made actors and histories for specs. */
export const platform: Actor = { kind: 'platform', id: 'platform-ops' };
export const partnerUser = (id: string, partnerId = 'p1'): Actor => ({ kind: 'partner-user', id, partnerId });

export const profile: CompanyProfile = {
  legalName: 'Contoso Partners s.r.o.',
  address: { line1: 'Hlavná 1', city: 'Bratislava', postalCode: '811 01', country: 'SK' },
  phone: '+421 2 1234 5678',
  email: 'office@contoso.example',
  website: 'https://contoso.example',
};

export const registered = (partnerId = 'p1', adminId = 'admin'): DomainEvent[] => [
  { type: 'PartnerRegistered', data: { partnerId, profile, verification: 'pending' } },
  {
    type: 'PartnerUserCreated',
    data: { partnerId, userId: adminId, email: `${adminId}@contoso.example`, displayName: 'Admin' },
  },
  {
    type: 'AdminRoleAssigned',
    data: { partnerId, userId: adminId, scope: 'company', role: 'global-admin', previousRole: null },
  },
];

export const userCreated = (
  userId: string,
  partnerId = 'p1',
  email = `${userId}@contoso.example`,
): DomainEvent => ({
  type: 'PartnerUserCreated',
  data: { partnerId, userId, email, displayName: userId },
});

export const roleAssigned = (
  userId: string,
  role: CompanyRole | CustomerAccess,
  partnerId = 'p1',
  previousRole: CompanyRole | CustomerAccess | null = null,
): DomainEvent => ({
  type: 'AdminRoleAssigned',
  data: {
    partnerId,
    userId,
    scope: role === 'full' || role === 'limited' ? 'customers' : 'company',
    role,
    previousRole,
  },
});

export const granted = (
  authorization: Authorization,
  partnerId = 'p1',
  effectiveFrom = '2025-01-01T00:00:00.000Z',
): DomainEvent => ({
  type: 'AuthorizationGranted',
  data: { partnerId, authorization, effectiveFrom },
});

export const revoked = (
  authorization: Authorization,
  effectiveFrom: string,
  partnerId = 'p1',
): DomainEvent => ({
  type: 'AuthorizationRevoked',
  data: { partnerId, authorization, effectiveFrom },
});

// --- Customer acquisition --------------------------------------------------------------------

/** A small catalog for specs (independent of config/catalog.json, which operators may edit). */
export const testCatalog: Catalog = parseCatalog({
  services: [
    {
      offerId: 'office-business-basic',
      name: 'Office Business Basic',
      trial: { days: 30, seats: 25 },
      minLicenses: 1,
      maxLicenses: 300,
      termMonths: 12,
    },
    {
      offerId: 'office-business-premium',
      name: 'Office Business Premium',
      trial: { days: 30, seats: 25 },
      minLicenses: 1,
      maxLicenses: 300,
      termMonths: 12,
    },
    {
      offerId: 'teams-essentials',
      name: 'Teams Essentials',
      trial: null,
      minLicenses: 1,
      maxLicenses: 300,
      termMonths: 1,
    },
    {
      offerId: 'project-plan-3',
      name: 'Project Plan 3',
      trial: { days: 60, seats: 10 },
      minLicenses: 5,
      maxLicenses: 10000,
      termMonths: 12,
    },
  ],
});

export const customerUser = (id: string, customerId = 'c1'): Actor => ({
  kind: 'customer-user',
  id,
  customerId,
});

/** A valid invitation code (base64url, 22+ characters), distinct per seed. */
export const inviteCode = (seed = 'a'): string => `${seed}Zx9_-QwErTyUiOpAsDfGhJ`.slice(0, 24);

/** A registered partner holding these authorizations (advisor by default). */
export const authorizedPartner = (
  authorizations: Authorization[] = ['advisor'],
  partnerId = 'p1',
  adminId = 'admin',
): DomainEvent[] => [...registered(partnerId, adminId), ...authorizations.map((a) => granted(a, partnerId))];

export const trialInviteCreated = (overrides: Partial<Record<string, unknown>> = {}): DomainEvent => ({
  type: 'TrialInviteCreated',
  data: {
    inviteId: 'inv1',
    partnerId: 'p1',
    code: inviteCode(),
    offerId: 'office-business-basic',
    delegatedAdmin: null,
    expiresAt: null,
    createdAt: '2025-12-01T00:00:00.000Z',
    ...overrides,
  },
});

export const purchaseOfferCreated = (overrides: Partial<Record<string, unknown>> = {}): DomainEvent => ({
  type: 'PurchaseOfferCreated',
  data: {
    purchaseOfferId: 'po1',
    partnerId: 'p1',
    code: inviteCode('b'),
    lines: [{ offerId: 'office-business-basic', licenses: 10 }],
    delegatedAdmin: null,
    expiresAt: null,
    createdAt: '2025-12-01T00:00:00.000Z',
    ...overrides,
  },
});

export const signedUpVia = (
  kind: 'trial-invite' | 'purchase-offer' = 'trial-invite',
  id = 'inv1',
  partnerId = 'p1',
) => ({ kind, id, partnerId });

/** A customer as created by a sign-up: tenant facts, its first admin, and the inviting partner as advisor. */
export const customerCreated = (customerId = 'c1', adminId = 'cadmin', partnerId = 'p1'): DomainEvent[] => [
  {
    type: 'CustomerCreated',
    data: {
      customerId,
      companyName: 'Fabrikam s.r.o.',
      primaryDomain: 'fabrikam.example',
      country: 'SK',
      adminContact: { name: 'Eva Admin', email: 'eva@fabrikam.example' },
      signedUpVia: signedUpVia('trial-invite', 'inv1', partnerId),
    },
  },
  {
    type: 'CustomerUserCreated',
    data: {
      customerId,
      userId: adminId,
      email: 'eva@fabrikam.example',
      displayName: 'Eva Admin',
      role: 'global-admin',
    },
  },
  {
    type: 'CustomerAdvisorAdded',
    data: { customerId, partnerId, via: signedUpVia('trial-invite', 'inv1', partnerId) },
  },
];

export const trialStarted = (overrides: Partial<Record<string, unknown>> = {}): DomainEvent => ({
  type: 'TrialStarted',
  data: {
    customerId: 'c1',
    subscriptionId: 's1',
    offerId: 'office-business-basic',
    partnerId: 'p1',
    partnerOfRecordId: null,
    seats: 25,
    startedAt: '2025-12-15T00:00:00.000Z',
    endsAt: '2026-01-14T00:00:00.000Z',
    via: signedUpVia(),
    ...overrides,
  },
});

export const subscriptionStarted = (overrides: Partial<Record<string, unknown>> = {}): DomainEvent => ({
  type: 'SubscriptionStarted',
  data: {
    customerId: 'c1',
    subscriptionId: 's2',
    offerId: 'office-business-basic',
    partnerId: 'p1',
    partnerOfRecordId: 'p1',
    licenses: 10,
    startedAt: '2025-06-30T00:00:00.000Z',
    endsAt: '2026-06-30T00:00:00.000Z',
    termMonths: 12,
    via: signedUpVia('purchase-offer', 'po1'),
    ...overrides,
  },
});

export const porChanged = (
  partnerId = 'p1',
  previousPartnerId: string | null = null,
  customerId = 'c1',
): DomainEvent => ({
  type: 'PartnerOfRecordChanged',
  data: { customerId, partnerId, previousPartnerId, via: signedUpVia('purchase-offer', 'po1', partnerId) },
});

// --- Delegated administration, product keys ----------------------------------------------------

/** A partner certified for delegated administration, with users by supported-companies access:
 * `admin` (global admin, no customer access), `full1` (full), `lim1` (limited), `none1` (no role). */
export const delegatedAdminPartner = (
  authorizations: Authorization[] = ['advisor', 'delegated-admin-certified'],
  partnerId = 'p1',
): DomainEvent[] => [
  ...authorizedPartner(authorizations, partnerId),
  userCreated('full1', partnerId),
  roleAssigned('full1', 'full', partnerId),
  userCreated('lim1', partnerId),
  roleAssigned('lim1', 'limited', partnerId),
  userCreated('none1', partnerId),
];

export const delegationOffered = (overrides: Partial<Record<string, unknown>> = {}): DomainEvent => ({
  type: 'DelegationOffered',
  data: {
    customerId: 'c1',
    partnerId: 'p1',
    delegationId: 'd1',
    access: 'full',
    durationDays: 730,
    autoExtend: false,
    offeredAt: '2025-12-01T00:00:00.000Z',
    offerExpiresAt: '2026-03-01T00:00:00.000Z',
    offeredBy: 'admin',
    via: { kind: 'direct', id: null },
    startsAt: null,
    endsAt: null,
    ...overrides,
  },
});

export const delegationAccepted = (overrides: Partial<Record<string, unknown>> = {}): DomainEvent => ({
  type: 'DelegationAccepted',
  data: {
    customerId: 'c1',
    partnerId: 'p1',
    delegationId: 'd1',
    access: 'full',
    durationDays: 730,
    autoExtend: false,
    acceptedBy: 'cadmin',
    startsAt: '2025-12-02T00:00:00.000Z',
    endsAt: '2027-12-02T00:00:00.000Z',
    ...overrides,
  },
});

/** A delegation offered and accepted (d1, full by default). */
export const delegationInForce = (overrides: Partial<Record<string, unknown>> = {}): DomainEvent[] => {
  const { durationDays, autoExtend, access, delegationId, partnerId } = overrides;
  const terms = {
    ...(durationDays !== undefined ? { durationDays } : {}),
    ...(autoExtend !== undefined ? { autoExtend } : {}),
    ...(access !== undefined ? { access } : {}),
    ...(delegationId !== undefined ? { delegationId } : {}),
    ...(partnerId !== undefined ? { partnerId } : {}),
  };
  return [delegationOffered(terms), delegationAccepted(overrides)];
};

/** A product key hash (64 hex characters), distinct per hex seed. */
export const keyHash = (seed = 'a'): string => seed.repeat(64).slice(0, 64);

export const productKeyRegistered = (overrides: Partial<Record<string, unknown>> = {}): DomainEvent => ({
  type: 'ProductKeyRegistered',
  data: {
    keyHash: keyHash(),
    suffix: 'K7Q2X',
    partnerId: 'p1',
    batchId: 'b1',
    offerId: 'office-business-premium',
    seats: 20,
    termMonths: 12,
    registeredAt: '2025-11-01T00:00:00.000Z',
    ...overrides,
  },
});
