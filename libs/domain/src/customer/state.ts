import type { CustomerAccess } from '../partner/events';
import type { StreamSpec } from '../shared/command';
import { addDays } from '../shared/time';
import type { DomainEvent, Evolver } from '../shared/types';
import { entryOf, patchEntry } from '../shared/records';
import { type ClaimReleased, releases } from '../shared/claims';
import type {
  ActingRef,
  AdminContact,
  CustomerEvent,
  CustomerRole,
  DelegationNotice,
  DelegationVia,
  InvitationRef,
  ServiceRequestSeverity,
  SubscriptionKind,
  SubscriptionStatus,
  SuspendedBy,
  TrialNotice,
} from './events';
import { customerStream } from './events';

export interface CustomerUser {
  id: string;
  email: string;
  displayName: string;
  role: CustomerRole;
  active: boolean;
}

export interface Subscription {
  id: string;
  offerId: string;
  kind: SubscriptionKind;
  status: SubscriptionStatus;
  suspendedBy: SuspendedBy | null;
  /** Trial seats, or paid licenses. */
  licenses: number;
  startedAt: string;
  endsAt: string;
  /** The advisor the subscription came through. */
  partnerId: string | null;
  /** Day of month the paid terms are anchored on (renewals land on it, clamped), null for a trial. */
  termDay: number | null;
  /** Trial notices already sent. */
  notices: TrialNotice[];
}

/**
 * The recorded status of a delegation. `pending` and `active` are as recorded: whether a pending
 * offer is past its 90 days, or an active delegation past its end, is a question of `now` (see
 * delegation/access.ts), answered the same way whether or not the scheduler has caught up.
 */
export type DelegationStatus = 'pending' | 'active' | 'declined' | 'offer-expired' | 'removed' | 'ended';

export interface Delegation {
  id: string;
  partnerId: string;
  access: CustomerAccess;
  durationDays: number;
  autoExtend: boolean;
  status: DelegationStatus;
  /** Null for a delegation accepted at an invitation's redemption (it was never a separate offer). */
  offeredAt: string | null;
  offerExpiresAt: string | null;
  startsAt: string | null;
  endsAt: string | null;
  /** End reminders sent for the current end (reset when auto-extended). */
  notices: DelegationNotice[];
  via: DelegationVia | InvitationRef;
  /** Order of the offers in the stream (the latest one of a partner is the highest). */
  seq: number;
}

export interface ServiceRequest {
  id: string;
  title: string;
  description: string;
  severity: ServiceRequestSeverity;
  status: 'open' | 'closed';
  openedBy: ActingRef;
  openedAt: string;
}

export interface CustomerState {
  exists: boolean;
  id: string;
  companyName: string;
  primaryDomain: string;
  country: string;
  adminContact: AdminContact | null;
  users: Record<string, CustomerUser>;
  /** Lower-cased e-mail → user id, for case-insensitive uniqueness within the customer. */
  emails: Record<string, string>;
  /** Partners that are advisors of this customer. */
  advisors: string[];
  partnerOfRecord: string | null;
  subscriptions: Record<string, Subscription>;
  /** Offers this customer has ever had a trial of (one trial per customer per offer, ever). */
  trialsUsed: string[];
  /** Every delegation offered to this customer, by delegation id, in any status. */
  delegations: Record<string, Delegation>;
  serviceRequests: Record<string, ServiceRequest>;
}

export const initialCustomerState: CustomerState = {
  exists: false,
  id: '',
  companyName: '',
  primaryDomain: '',
  country: '',
  adminContact: null,
  users: {},
  emails: {},
  advisors: [],
  partnerOfRecord: null,
  subscriptions: {},
  trialsUsed: [],
  delegations: {},
  serviceRequests: {},
};

type Children = 'subscriptions' | 'delegations' | 'serviceRequests';

/** The state with one child entity patched (or unchanged when there is no such child). */
function withChild<K extends Children>(
  state: CustomerState,
  field: K,
  id: string,
  patch: (entry: CustomerState[K][string]) => Partial<CustomerState[K][string]>,
): CustomerState {
  const entries = patchEntry(state[field] as Record<string, CustomerState[K][string]>, id, patch);
  return entries === state[field] ? state : { ...state, [field]: entries };
}

const withSubscription = (
  state: CustomerState,
  id: string,
  patch: (s: Subscription) => Partial<Subscription>,
) => withChild(state, 'subscriptions', id, patch);
const withDelegation = (state: CustomerState, id: string, patch: (d: Delegation) => Partial<Delegation>) =>
  withChild(state, 'delegations', id, patch);
const withServiceRequest = (
  state: CustomerState,
  id: string,
  patch: (r: ServiceRequest) => Partial<ServiceRequest>,
) => withChild(state, 'serviceRequests', id, patch);

/** The id of the delegation a customer accepted with an invitation (one per invitation per customer). */
export const delegationIdAtRedemption = (via: InvitationRef): string => `${via.kind}-${via.id}`;

const nextSeq = (state: CustomerState): number => Object.keys(state.delegations).length;

const dayOf = (instant: string): number => Number(instant.slice(8, 10));

export const customerEvolver: Evolver<CustomerState, CustomerEvent> = {
  initialState: initialCustomerState,
  evolve(state, event) {
    switch (event.type) {
      case 'CustomerCreated':
        return {
          ...state,
          exists: true,
          id: event.data.customerId,
          companyName: event.data.companyName,
          primaryDomain: event.data.primaryDomain,
          country: event.data.country,
          adminContact: event.data.adminContact,
        };
      case 'CustomerUserCreated':
        return {
          ...state,
          users: {
            ...state.users,
            [event.data.userId]: {
              id: event.data.userId,
              email: event.data.email,
              displayName: event.data.displayName,
              role: event.data.role,
              active: true,
            },
          },
          emails: { ...state.emails, [event.data.email.toLowerCase()]: event.data.userId },
        };
      case 'CustomerUserDeactivated': {
        const user = entryOf(state.users, event.data.userId);
        if (!user) return state;
        return { ...state, users: { ...state.users, [user.id]: { ...user, active: false } } };
      }
      case 'CustomerAdvisorAdded':
        return state.advisors.includes(event.data.partnerId)
          ? state
          : { ...state, advisors: [...state.advisors, event.data.partnerId] };
      case 'PartnerOfRecordChanged':
        return { ...state, partnerOfRecord: event.data.partnerId };
      case 'TrialStarted':
        return {
          ...state,
          subscriptions: {
            ...state.subscriptions,
            [event.data.subscriptionId]: {
              id: event.data.subscriptionId,
              offerId: event.data.offerId,
              kind: 'trial',
              status: 'active',
              suspendedBy: null,
              licenses: event.data.seats,
              startedAt: event.data.startedAt,
              endsAt: event.data.endsAt,
              partnerId: event.data.partnerId,
              termDay: null,
              notices: [],
            },
          },
          trialsUsed: state.trialsUsed.includes(event.data.offerId)
            ? state.trialsUsed
            : [...state.trialsUsed, event.data.offerId],
        };
      case 'SubscriptionStarted':
        return {
          ...state,
          subscriptions: {
            ...state.subscriptions,
            [event.data.subscriptionId]: {
              id: event.data.subscriptionId,
              offerId: event.data.offerId,
              kind: 'paid',
              status: 'active',
              suspendedBy: null,
              licenses: event.data.licenses,
              startedAt: event.data.startedAt,
              endsAt: event.data.endsAt,
              partnerId: event.data.partnerId,
              termDay: dayOf(event.data.startedAt),
              notices: [],
            },
          },
        };
      case 'TrialConverted':
        // A purchase offer converting the trial makes its partner the one the subscription came through.
        return withSubscription(state, event.data.subscriptionId, () => ({
          kind: 'paid',
          partnerId: event.data.partnerId,
          licenses: event.data.licenses.to,
          endsAt: event.data.endsAt.to,
          termDay: dayOf(event.data.paidFrom),
        }));
      case 'LicenseCountChanged':
        return withSubscription(state, event.data.subscriptionId, () => ({
          licenses: event.data.licenses.to,
        }));
      case 'TrialExpiring':
        return withSubscription(state, event.data.subscriptionId, (s) => ({
          notices: [...s.notices, event.data.daysLeft],
        }));
      case 'TrialExpired':
        return withSubscription(state, event.data.subscriptionId, () => ({
          status: 'expired',
          suspendedBy: null,
        }));
      case 'SubscriptionRenewed':
        return withSubscription(state, event.data.subscriptionId, () => ({ endsAt: event.data.endsAt.to }));
      case 'SubscriptionCancelled':
        return withSubscription(state, event.data.subscriptionId, () => ({
          status: 'cancelled',
          suspendedBy: null,
        }));
      case 'SubscriptionSuspended':
        return withSubscription(state, event.data.subscriptionId, () => ({
          status: 'suspended',
          suspendedBy: event.data.by,
        }));
      case 'SubscriptionReactivated':
        return withSubscription(state, event.data.subscriptionId, () => ({
          status: 'active',
          suspendedBy: null,
        }));
      case 'DelegatedAdminAcceptedAtRedemption': {
        // Accepted with the invitation: a delegation in force from the acceptance, with the invitation's
        // terms. It supersedes a delegation of the same partner still in force (as AcceptDelegation does,
        // there with an explicit DelegationEnded).
        const { partnerId, terms, acceptedAt, via } = event.data;
        const delegations: Record<string, Delegation> = {};
        for (const [id, d] of Object.entries(state.delegations)) {
          delegations[id] =
            d.partnerId === partnerId && d.status === 'active' ? { ...d, status: 'ended' } : d;
        }
        const id = delegationIdAtRedemption(via);
        delegations[id] = {
          id,
          partnerId,
          access: terms.access,
          durationDays: terms.durationDays,
          autoExtend: terms.autoExtend,
          status: 'active',
          offeredAt: null,
          offerExpiresAt: null,
          startsAt: acceptedAt,
          endsAt: addDays(acceptedAt, terms.durationDays),
          notices: [],
          via,
          seq: nextSeq(state),
        };
        return { ...state, delegations };
      }
      case 'DelegationOffered':
        return {
          ...state,
          delegations: {
            ...state.delegations,
            [event.data.delegationId]: {
              id: event.data.delegationId,
              partnerId: event.data.partnerId,
              access: event.data.access,
              durationDays: event.data.durationDays,
              autoExtend: event.data.autoExtend,
              status: 'pending',
              offeredAt: event.data.offeredAt,
              offerExpiresAt: event.data.offerExpiresAt,
              startsAt: null,
              endsAt: null,
              notices: [],
              via: event.data.via,
              seq: nextSeq(state),
            },
          },
        };
      case 'DelegationAccepted':
        return withDelegation(state, event.data.delegationId, () => ({
          status: 'active',
          autoExtend: event.data.autoExtend,
          startsAt: event.data.startsAt,
          endsAt: event.data.endsAt,
          notices: [],
        }));
      case 'DelegationDeclined':
        return withDelegation(state, event.data.delegationId, () => ({ status: 'declined' }));
      case 'DelegationOfferExpired':
        return withDelegation(state, event.data.delegationId, () => ({ status: 'offer-expired' }));
      case 'DelegationRemoved':
        return withDelegation(state, event.data.delegationId, () => ({ status: 'removed' }));
      case 'DelegationEnded':
        return withDelegation(state, event.data.delegationId, () => ({ status: 'ended' }));
      case 'DelegationAutoExtended':
        return withDelegation(state, event.data.delegationId, () => ({
          endsAt: event.data.endsAt.to,
          notices: [],
        }));
      case 'DelegationAutoExtendChanged':
        return withDelegation(state, event.data.delegationId, () => ({
          autoExtend: event.data.autoExtend.to,
        }));
      case 'DelegationEnding':
        return withDelegation(state, event.data.delegationId, (d) => ({
          notices: [...d.notices, event.data.daysLeft],
        }));
      case 'ServiceRequestCreated':
        return {
          ...state,
          serviceRequests: {
            ...state.serviceRequests,
            [event.data.serviceRequestId]: {
              id: event.data.serviceRequestId,
              title: event.data.title,
              description: event.data.description,
              severity: event.data.severity,
              status: 'open',
              openedBy: event.data.openedBy,
              openedAt: event.data.openedAt,
            },
          },
        };
      case 'ServiceRequestUpdated': {
        const { title, description, severity } = event.data.changes;
        return withServiceRequest(state, event.data.serviceRequestId, () => ({
          ...(title ? { title: title.to } : {}),
          ...(description ? { description: description.to } : {}),
          ...(severity ? { severity: severity.to } : {}),
        }));
      }
      case 'ServiceRequestClosed':
        return withServiceRequest(state, event.data.serviceRequestId, () => ({ status: 'closed' }));
      default:
        // Unknown (newer) event types leave the state as it is.
        return state;
    }
  },
};

export const customerSpec = (customerId: string): StreamSpec => ({
  stream: customerStream(customerId),
  evolver: customerEvolver as StreamSpec['evolver'],
});

export const isEnded = (s: Subscription): boolean => s.status === 'cancelled' || s.status === 'expired';

/** The customer's subscription of that offer that has not ended, if any. */
export const liveSubscriptionOf = (state: CustomerState, offerId: string): Subscription | undefined =>
  Object.values(state.subscriptions).find((s) => s.offerId === offerId && !isEnded(s));

export function activeCustomerAdmins(state: CustomerState): CustomerUser[] {
  return Object.values(state.users).filter((u) => u.active && u.role === 'global-admin');
}

// ---------------------------------------------------------------------------------------------

/**
 * A primary domain belongs to one customer across the whole service. It is claimed on its own
 * stream (`customer-domain-{domain}`, lower case) with `no_stream` when the customer is created,
 * before the customer stream is written: of two sign-ups racing for one domain, one appends the
 * claim, the other gets a wrong-expected-version, retries, sees the claim and is refused.
 */
export type CustomerDomainEvent = DomainEvent<
  'CustomerDomainClaimed',
  { domain: string; customerId: string }
>;

export interface CustomerDomainState {
  claimedBy: string | null;
}

export const customerDomainStream = (domain: string): string => `customer-domain-${domain.toLowerCase()}`;

export const customerDomainEvolver: Evolver<CustomerDomainState, CustomerDomainEvent | ClaimReleased> = {
  initialState: { claimedBy: null },
  evolve(state, event) {
    // A sign-up refused after claiming the domain gave it back (see shared/claims.ts).
    if (releases(event, 'CustomerDomainClaimed')) return { claimedBy: null };
    if (event.type !== 'CustomerDomainClaimed' || state.claimedBy !== null) return state;
    return { claimedBy: event.data.customerId };
  },
};

export const customerDomainSpec = (domain: string): StreamSpec => ({
  stream: customerDomainStream(domain),
  evolver: customerDomainEvolver as StreamSpec['evolver'],
});
