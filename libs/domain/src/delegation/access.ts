import type { ActingRef } from '../customer/events';
import type { CustomerState, Delegation } from '../customer/state';
import { partnerSpec } from '../partner/commands';
import type { CustomerAccess } from '../partner/events';
import { authorizePartnerAction } from '../partner/permissions';
import { holdsAuthorization, type PartnerState, type PartnerUser } from '../partner/state';
import type { StreamSpec } from '../shared/command';
import { DomainError } from '../shared/errors';
import { toInstant } from '../shared/time';
import type { Actor, DecisionContext, Loaded } from '../shared/types';

/**
 * Acting for a customer: a partner user works in a customer's tenant only through a delegation the
 * customer accepted, that is in force now, with enough access. This is the "delegation check on top"
 * of authorizePartnerAction, used by authorizeCustomerAction for partner users.
 */

/** Alias of the acting partner's stream (`partner-{actor.partnerId}`), loaded when a partner user acts. */
export const ACTING_PARTNER = 'actingPartner';

/**
 * The acting partner's stream, for a partner user's command on a customer. Taken from the
 * authenticated actor, never from the payload: a user acts for its own partner only.
 */
export function actingPartnerStreams(ctx: DecisionContext): Record<string, StreamSpec> {
  const { actor } = ctx;
  return actor.kind === 'partner-user' && actor.partnerId
    ? { [ACTING_PARTNER]: partnerSpec(actor.partnerId) }
    : {};
}

/** What authorizeCustomerAction needs to judge a partner user: the actor's partner, and the time. */
export interface ActingContext {
  partner: PartnerState | null;
  now: string;
}

export function actingContext(loaded: Record<string, Loaded<unknown>>, ctx: DecisionContext): ActingContext {
  return {
    partner: (loaded[ACTING_PARTNER]?.state as PartnerState | undefined) ?? null,
    now: toInstant(ctx.now, 'now'),
  };
}

export interface DelegatedAdmin {
  kind: 'delegated-admin';
  partnerId: string;
  user: PartnerUser;
  delegation: Delegation;
}

// ---------------------------------------------------------------------------------------------

const ACCESS_RANK: Record<CustomerAccess, number> = { limited: 1, full: 2 };

/**
 * Accepted, and `now` before its end; an auto-extending one stays in force past its recorded end (it
 * extends by 180 days there: the scheduler's EndDelegation records the new end when it runs, and a
 * scheduler that runs late must not let it lapse meanwhile).
 */
export const isInForce = (d: Delegation, now: string): boolean =>
  d.status === 'active' && d.endsAt !== null && (now < d.endsAt || d.autoExtend);

/** Offered, not yet answered, and within its 90 days. */
export const isOpenOffer = (d: Delegation, now: string): boolean =>
  d.status === 'pending' && d.offerExpiresAt !== null && now < d.offerExpiresAt;

/** A partner's delegations with this customer, oldest first. */
export const delegationsOf = (state: CustomerState, partnerId: string): Delegation[] =>
  Object.values(state.delegations)
    .filter((d) => d.partnerId === partnerId)
    .sort((a, b) => a.seq - b.seq);

/** The status as of `now`: an overdue offer is `offer-expired` before the scheduler says so. */
export const effectiveStatus = (d: Delegation | null, now: string): string | null =>
  d === null ? null : d.status === 'pending' && !isOpenOffer(d, now) ? 'offer-expired' : d.status;

/** Where a partner stands with a customer at `now`. */
export type DelegationStanding =
  | { kind: 'in-force'; delegation: Delegation }
  | { kind: 'pending'; delegation: Delegation }
  | { kind: 'expired'; delegation: Delegation }
  | { kind: 'none'; latest: Delegation | null };

/**
 * In force beats an open offer (a partner may offer a renewal while its delegation runs); an open
 * offer beats a delegation whose time ran out (the customer just has to accept); a delegation whose
 * time ran out is `expired` unless it was removed (the customer or partner ended it: `none`).
 */
export function standingOf(state: CustomerState, partnerId: string, now: string): DelegationStanding {
  const all = delegationsOf(state, partnerId);
  const inForce = all.find((d) => isInForce(d, now));
  if (inForce) return { kind: 'in-force', delegation: inForce };
  const open = all.filter((d) => isOpenOffer(d, now)).pop();
  if (open) return { kind: 'pending', delegation: open };
  const lastAccepted = all.filter((d) => d.startsAt !== null).pop();
  if (lastAccepted && (lastAccepted.status === 'active' || lastAccepted.status === 'ended')) {
    return { kind: 'expired', delegation: lastAccepted };
  }
  return { kind: 'none', latest: all[all.length - 1] ?? null };
}

/**
 * May this partner user act in the customer's tenant with `required` access? In order, each with its
 * own refusal: the partner-side check (authorizePartnerAction: `partner-not-found`,
 * `actor-not-a-partner-user`, `actor-inactive`, `access-denied` when the user's own
 * supported-companies role is too low: limited for 'limited', full for 'full'); the partner may manage
 * clients at all (`partner-not-authorized-to-manage-clients`: neither delegated-admin-certified nor
 * authorized service provider now); then the customer's side: `no-delegation`, `delegation-pending`,
 * `delegation-expired`, and `access-too-low` {required, held} when the customer granted only limited.
 */
export function authorizeDelegatedAdmin(
  customer: CustomerState,
  partner: PartnerState,
  actor: Actor,
  now: string,
  required: CustomerAccess,
): DelegatedAdmin {
  const user = authorizePartnerAction(
    partner,
    actor,
    required === 'full' ? 'administer-customers' : 'reset-customer-passwords',
  ) as PartnerUser;
  if (
    !holdsAuthorization(partner, 'delegated-admin-certified', now) &&
    !holdsAuthorization(partner, 'authorized-service-provider', now)
  ) {
    throw new DomainError(
      'partner-not-authorized-to-manage-clients',
      `Partner ${partner.id} is neither certified for delegated administration nor an authorized service provider`,
      { partnerId: partner.id },
      'forbidden',
    );
  }
  const base = { customerId: customer.id, partnerId: partner.id };
  const standing = standingOf(customer, partner.id, now);
  switch (standing.kind) {
    case 'none':
      throw new DomainError(
        'no-delegation',
        `Customer ${customer.id} has no delegation to partner ${partner.id}`,
        { ...base, lastStatus: effectiveStatus(standing.latest, now) },
        'forbidden',
      );
    case 'pending':
      throw new DomainError(
        'delegation-pending',
        `Customer ${customer.id} has not yet accepted the delegation offered by partner ${partner.id}`,
        {
          ...base,
          delegationId: standing.delegation.id,
          offerExpiresAt: standing.delegation.offerExpiresAt,
        },
        'forbidden',
      );
    case 'expired':
      throw new DomainError(
        'delegation-expired',
        `The delegation of customer ${customer.id} to partner ${partner.id} ended at ${standing.delegation.endsAt}`,
        { ...base, delegationId: standing.delegation.id, endsAt: standing.delegation.endsAt },
        'forbidden',
      );
  }
  const { delegation } = standing;
  if (ACCESS_RANK[delegation.access] < ACCESS_RANK[required]) {
    throw new DomainError(
      'access-too-low',
      `Customer ${customer.id} granted partner ${partner.id} ${delegation.access} administration; this needs ${required}`,
      { ...base, delegationId: delegation.id, required, held: delegation.access },
      'forbidden',
    );
  }
  return { kind: 'delegated-admin', partnerId: partner.id, user, delegation };
}

/** The actor as recorded in events (service requests, password resets). */
export function actingRef(
  acting: { kind: 'customer-user'; user: { id: string } } | DelegatedAdmin,
): ActingRef {
  return acting.kind === 'delegated-admin'
    ? { kind: 'partner-user', userId: acting.user.id, partnerId: acting.partnerId }
    : { kind: 'customer-user', userId: acting.user.id, partnerId: null };
}
