import type { DelegatedAdminTerms } from '../delegation/terms';
import type { InvitationKind } from '../invitation/code';
import type { CustomerAccess } from '../partner/events';
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

/** A customer set up by a partner with one of its product keys (`id` is the key's hash, never the key). */
export interface ProductKeyRef {
  kind: 'product-key';
  id: string;
  partnerId: string;
}

/** The customer's own admin chose the partner (ChangePartnerOfRecord); `id` is that admin's user id. */
export interface CustomerChoiceRef {
  kind: 'customer-admin';
  id: string;
  partnerId: string;
}

/** How a customer or a subscription came through a partner: an invitation URL, or a product key. */
export type AcquisitionRef = InvitationRef | ProductKeyRef;

/** Why a partner became an advisor or the Partner of Record of a customer. */
export type RelationshipRef = AcquisitionRef | CustomerChoiceRef;

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
        signedUpVia: AcquisitionRef;
      }
    >
  | DomainEvent<
      'CustomerUserCreated',
      { customerId: string; userId: string; email: string; displayName: string; role: CustomerRole }
    >
  | DomainEvent<'CustomerUserDeactivated', { customerId: string; userId: string }>
  | DomainEvent<'CustomerAdvisorAdded', { customerId: string; partnerId: string; via: RelationshipRef }>
  /**
   * The customer's Partner of Record (always an advisor partner when it became POR). Notifications go
   * to the POR named on each subscription event. A POR that later loses its advisor authorization
   * stays recorded here (nothing is stored about it in the customer): the notifications projection
   * stops notifying it by reading the partner's AuthorizationRevoked / AuthorizationGranted events.
   */
  | DomainEvent<
      'PartnerOfRecordChanged',
      { customerId: string; partnerId: string; previousPartnerId: string | null; via: RelationshipRef }
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
        via: AcquisitionRef;
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
        /** The purchase offer or product key that converted it, or null when converted directly. */
        via: AcquisitionRef | null;
      }
    >
  | DomainEvent<'LicenseCountChanged', SubscriptionFacts & { licenses: ValueChange<number> }>
  | DomainEvent<'TrialExpiring', SubscriptionFacts & { daysLeft: TrialNotice; endsAt: string }>
  | DomainEvent<
      'TrialExpired',
      SubscriptionFacts & { endsAt: string; expiredAt: string; status: ValueChange<SubscriptionStatus> }
    >
  | DomainEvent<
      'SubscriptionRenewed',
      SubscriptionFacts & { endsAt: ValueChange<string>; termMonths: number }
    >
  | DomainEvent<
      'SubscriptionCancelled',
      SubscriptionFacts & {
        kind: SubscriptionKind;
        licenses: number;
        cancelledAt: string;
        status: ValueChange<SubscriptionStatus>;
      }
    >
  | DomainEvent<
      'SubscriptionSuspended',
      SubscriptionFacts & {
        by: SuspendedBy;
        reason: string | null;
        suspendedAt: string;
        status: ValueChange<SubscriptionStatus>;
      }
    >
  | DomainEvent<
      'SubscriptionReactivated',
      SubscriptionFacts & { reactivatedAt: string; status: ValueChange<SubscriptionStatus> }
    >
  | DelegationEvent
  | DomainEvent<
      'CustomerUserPasswordReset',
      {
        customerId: string;
        userId: string;
        /** The delegated admin's partner, or null when one of the customer's own admins reset it. */
        byPartnerId: string | null;
        byUserId: string;
      }
    >
  | ServiceRequestEvent;

export type CustomerEventType = CustomerEvent['type'];
export type SubscriptionStatus = 'active' | 'suspended' | 'cancelled' | 'expired';

// --- Delegated administration ------------------------------------------------------------------

/** Where a delegation offer was made: directly (OfferDelegation), or with a product-key setup. */
export type DelegationVia = { kind: 'direct'; id: null } | { kind: 'product-key'; id: string };

/** Who (which side) did something to a delegation. */
export type DelegationSide = 'customer' | 'partner';

/** What every delegation event carries: whose delegation, which one, with what access. */
export interface DelegationFacts {
  customerId: string;
  partnerId: string;
  delegationId: string;
  access: CustomerAccess;
}

/** The reminders sent before an accepted delegation ends. */
export const DELEGATION_NOTICES = [30, 7, 1] as const;
export type DelegationNotice = (typeof DELEGATION_NOTICES)[number];

export type DelegationEvent =
  | DomainEvent<
      'DelegationOffered',
      DelegationFacts & {
        durationDays: number;
        autoExtend: boolean;
        offeredAt: string;
        /** Not accepted by then: the offer expires (ExpireDelegationOffer). */
        offerExpiresAt: string;
        offeredBy: string;
        via: DelegationVia;
        /** Not known until accepted. */
        startsAt: null;
        endsAt: null;
      }
    >
  | DomainEvent<
      'DelegationAccepted',
      DelegationFacts & {
        durationDays: number;
        autoExtend: boolean;
        acceptedBy: string;
        startsAt: string;
        endsAt: string;
      }
    >
  | DomainEvent<
      'DelegationDeclined',
      DelegationFacts & { declinedBy: string; declinedAt: string; startsAt: null; endsAt: null }
    >
  | DomainEvent<
      'DelegationOfferExpired',
      DelegationFacts & { offerExpiresAt: string; expiredAt: string; startsAt: null; endsAt: null }
    >
  | DomainEvent<
      'DelegationRemoved',
      DelegationFacts & {
        /** 'pending': an offer withdrawn before the customer answered. */
        wasStatus: 'pending' | 'active';
        removedBy: { side: DelegationSide; userId: string };
        removedAt: string;
        startsAt: string | null;
        endsAt: string | null;
      }
    >
  | DomainEvent<
      'DelegationEnded',
      DelegationFacts & {
        /** 'term-ended': its time ran out; 'superseded': the customer accepted a newer one of the same partner. */
        reason: 'term-ended' | 'superseded';
        endedAt: string;
        startsAt: string;
        endsAt: string;
      }
    >
  | DomainEvent<
      'DelegationAutoExtended',
      DelegationFacts & { extendedByDays: number; startsAt: string; endsAt: ValueChange<string> }
    >
  | DomainEvent<
      'DelegationAutoExtendChanged',
      DelegationFacts & {
        autoExtend: ValueChange<boolean>;
        changedBy: { side: DelegationSide; userId: string };
        startsAt: string | null;
        endsAt: string | null;
      }
    >
  | DomainEvent<
      'DelegationEnding',
      DelegationFacts & { daysLeft: DelegationNotice; autoExtend: boolean; startsAt: string; endsAt: string }
    >;

// --- Service requests --------------------------------------------------------------------------

export const SERVICE_REQUEST_SEVERITIES = ['critical', 'high', 'normal', 'low'] as const;
export type ServiceRequestSeverity = (typeof SERVICE_REQUEST_SEVERITIES)[number];

/** Who acted in a customer's tenant: one of its own users, or a delegated admin of a partner. */
export interface ActingRef {
  kind: 'customer-user' | 'partner-user';
  userId: string;
  /** The delegated admin's partner; null for the customer's own user. */
  partnerId: string | null;
}

export type ServiceRequestEvent =
  | DomainEvent<
      'ServiceRequestCreated',
      {
        customerId: string;
        serviceRequestId: string;
        title: string;
        description: string;
        severity: ServiceRequestSeverity;
        openedBy: ActingRef;
        openedAt: string;
      }
    >
  | DomainEvent<
      'ServiceRequestUpdated',
      {
        customerId: string;
        serviceRequestId: string;
        changes: {
          title?: ValueChange<string>;
          description?: ValueChange<string>;
          severity?: ValueChange<ServiceRequestSeverity>;
        };
        updatedBy: ActingRef;
        updatedAt: string;
      }
    >
  | DomainEvent<
      'ServiceRequestClosed',
      {
        customerId: string;
        serviceRequestId: string;
        resolution: string | null;
        closedBy: ActingRef;
        closedAt: string;
      }
    >;
export type SuspendedBy = 'customer' | 'platform';
/** The notices sent before a trial ends: a week before, and the day before. */
export const TRIAL_NOTICES = [7, 1] as const;
export type TrialNotice = (typeof TRIAL_NOTICES)[number];

export const customerStream = (customerId: string): string => `customer-${customerId}`;
