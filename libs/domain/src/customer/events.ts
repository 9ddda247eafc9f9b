import type { InvitationKind } from '../invitation/code';
import type { DelegatedAdminTerms } from '../invitation/terms';
import type { DomainEvent } from '../shared/types';

export const CUSTOMER_ROLES = ['global-admin', 'user'] as const;
export type CustomerRole = (typeof CUSTOMER_ROLES)[number];

export interface AdminContact {
  name: string;
  email: string;
}

/** Which invitation (trial invite or purchase offer) of which partner an event came from. */
export interface InvitationRef {
  kind: InvitationKind;
  id: string;
  partnerId: string;
}

export interface ValueChange<T> {
  from: T;
  to: T;
}

export type SubscriptionKind = 'trial' | 'paid';

/**
 * Carried by every subscription event, so projections (client lists, POR notifications) need no
 * other stream: `partnerId` is the advisor the subscription came through, `partnerOfRecordId` the
 * customer's Partner of Record when the event happened (the one to notify), null when none.
 */
export interface SubscriptionFacts {
  customerId: string;
  subscriptionId: string;
  offerId: string;
  partnerId: string | null;
  partnerOfRecordId: string | null;
}

export type CustomerEvent =
  | DomainEvent<
      'CustomerCreated',
      {
        customerId: string;
        companyName: string;
        /** Lower case. */
        primaryDomain: string;
        /** ISO 3166-1 alpha-2, upper case. */
        country: string;
        adminContact: AdminContact;
        signedUpVia: InvitationRef;
      }
    >
  | DomainEvent<
      'CustomerUserCreated',
      { customerId: string; userId: string; email: string; displayName: string; role: CustomerRole }
    >
  | DomainEvent<'CustomerUserDeactivated', { customerId: string; userId: string }>
  | DomainEvent<'CustomerAdvisorAdded', { customerId: string; partnerId: string; via: InvitationRef }>
  | DomainEvent<
      'PartnerOfRecordChanged',
      { customerId: string; partnerId: string; previousPartnerId: string | null; via: InvitationRef }
    >
  /**
   * The customer's answer to the delegated-admin option of an invitation, with the terms it was
   * asked about. The delegation itself (AcceptDelegation and what follows) builds on the acceptance.
   */
  | DomainEvent<
      'DelegatedAdminAcceptedAtRedemption',
      {
        customerId: string;
        partnerId: string;
        via: InvitationRef;
        terms: DelegatedAdminTerms;
        acceptedAt: string;
      }
    >
  | DomainEvent<
      'DelegatedAdminDeclinedAtRedemption',
      {
        customerId: string;
        partnerId: string;
        via: InvitationRef;
        terms: DelegatedAdminTerms;
        declinedAt: string;
      }
    >
  | DomainEvent<
      'TrialStarted',
      SubscriptionFacts & { seats: number; startedAt: string; endsAt: string; via: InvitationRef }
    >
  | DomainEvent<
      'SubscriptionStarted',
      SubscriptionFacts & {
        licenses: number;
        startedAt: string;
        endsAt: string;
        termMonths: number;
        via: InvitationRef;
      }
    >
  | DomainEvent<
      'TrialConverted',
      SubscriptionFacts & {
        /** Trial seats → paid licenses. */
        licenses: ValueChange<number>;
        /** Trial end → end of the first paid term. */
        endsAt: ValueChange<string>;
        paidFrom: string;
        termMonths: number;
        /** The purchase offer that converted it, or null when the customer converted it directly. */
        via: InvitationRef | null;
      }
    >
  | DomainEvent<'LicenseCountChanged', SubscriptionFacts & { licenses: ValueChange<number> }>
  | DomainEvent<'TrialExpiring', SubscriptionFacts & { daysLeft: TrialNotice; endsAt: string }>
  | DomainEvent<'TrialExpired', SubscriptionFacts & { endsAt: string; expiredAt: string }>
  | DomainEvent<
      'SubscriptionRenewed',
      SubscriptionFacts & { endsAt: ValueChange<string>; termMonths: number }
    >
  | DomainEvent<
      'SubscriptionCancelled',
      SubscriptionFacts & { kind: SubscriptionKind; licenses: number; cancelledAt: string }
    >
  | DomainEvent<
      'SubscriptionSuspended',
      SubscriptionFacts & { by: SuspendedBy; reason: string | null; suspendedAt: string }
    >
  | DomainEvent<'SubscriptionReactivated', SubscriptionFacts & { reactivatedAt: string }>;

export type CustomerEventType = CustomerEvent['type'];
export type SuspendedBy = 'customer' | 'platform';
/** The notices sent before a trial ends: a week before, and the day before. */
export const TRIAL_NOTICES = [7, 1] as const;
export type TrialNotice = (typeof TRIAL_NOTICES)[number];

export const customerStream = (customerId: string): string => `customer-${customerId}`;
