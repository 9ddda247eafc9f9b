import type { Actor, DomainEvent } from '../shared/types';
import type { Authorization, CompanyProfile, CompanyRole, CustomerAccess } from '../partner/events';

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
