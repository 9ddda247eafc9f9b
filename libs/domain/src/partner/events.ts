import type { DomainEvent } from '../shared/types';

export const COMPANY_ROLES = [
  'global-admin',
  'billing-admin',
  'password-admin',
  'service-admin',
  'user-management-admin',
] as const;
export type CompanyRole = (typeof COMPANY_ROLES)[number];

/** Admin access to supported companies (the partner's customers). */
export const CUSTOMER_ACCESS_LEVELS = ['full', 'limited'] as const;
export type CustomerAccess = (typeof CUSTOMER_ACCESS_LEVELS)[number];

export const AUTHORIZATIONS = [
  'advisor',
  'delegated-admin-certified',
  'authorized-service-provider',
] as const;
export type Authorization = (typeof AUTHORIZATIONS)[number];

export type RoleScope = 'company' | 'customers';

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  postalCode?: string;
  region?: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
}

export interface CompanyProfile {
  legalName: string;
  address: Address;
  phone: string;
  email: string;
  website?: string;
}

export const PROFILE_FIELDS = ['legalName', 'address', 'phone', 'email', 'website'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

export type VerificationState = 'pending' | 'verified' | 'rejected';

export type FieldChange<T> = { from: T | null; to: T | null };

export type PartnerEvent =
  | DomainEvent<
      'PartnerRegistered',
      { partnerId: string; profile: CompanyProfile; verification: VerificationState }
    >
  | DomainEvent<
      'CompanyProfileUpdated',
      { partnerId: string; changes: Partial<{ [K in ProfileField]: FieldChange<CompanyProfile[K]> }> }
    >
  | DomainEvent<'CompanyProfileVerificationRequired', { partnerId: string; becauseOf: ProfileField[] }>
  | DomainEvent<'CompanyProfileVerified', { partnerId: string }>
  | DomainEvent<'CompanyProfileRejected', { partnerId: string; reason: string }>
  | DomainEvent<
      'AuthorizationGranted',
      { partnerId: string; authorization: Authorization; effectiveFrom: string }
    >
  | DomainEvent<
      'AuthorizationRevoked',
      { partnerId: string; authorization: Authorization; effectiveFrom: string }
    >
  | DomainEvent<
      'PartnerUserCreated',
      { partnerId: string; userId: string; email: string; displayName: string }
    >
  | DomainEvent<
      'PartnerUserUpdated',
      {
        partnerId: string;
        userId: string;
        changes: { email?: FieldChange<string>; displayName?: FieldChange<string> };
      }
    >
  | DomainEvent<'PartnerUserDeactivated', { partnerId: string; userId: string }>
  | DomainEvent<'PartnerUserReactivated', { partnerId: string; userId: string }>
  | DomainEvent<
      'AdminRoleAssigned',
      {
        partnerId: string;
        userId: string;
        scope: RoleScope;
        role: CompanyRole | CustomerAccess;
        previousRole: CompanyRole | CustomerAccess | null;
      }
    >
  | DomainEvent<
      'AdminRoleRevoked',
      { partnerId: string; userId: string; scope: RoleScope; role: CompanyRole | CustomerAccess }
    >;

export type PartnerEventType = PartnerEvent['type'];
export const partnerStream = (partnerId: string): string => `partner-${partnerId}`;
