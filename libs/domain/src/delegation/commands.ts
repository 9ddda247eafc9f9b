import {
  type CustomerEvent,
  DELEGATION_NOTICES,
  type DelegationFacts,
  type DelegationNotice,
  type DelegationSide,
  type DelegationVia,
} from '../customer/events';
import { authorizeCustomerAction } from '../customer/permissions';
import { customerSpec, type CustomerState, type Delegation } from '../customer/state';
import { INVITATION_KINDS } from '../invitation/code';
import { requireDelegatedAdminCertified } from '../invitation/terms';
import { partnerSpec } from '../partner/commands';
import { authorizePartnerAction, managesDelegations, requirePlatform } from '../partner/permissions';
import type { PartnerState, PartnerUser } from '../partner/state';
import { type CommandDefinition, defineCommand } from '../shared/command';
import { DomainError, refuse } from '../shared/errors';
import { addDays, toInstant } from '../shared/time';
import type { Actor, Loaded } from '../shared/types';
import { ACTING_PARTNER, actingPartnerStreams, isInForce, isOpenOffer } from './access';
import {
  AUTO_EXTEND_DAYS,
  type DelegatedAdminTerms,
  DELEGATION_OFFER_DAYS,
  delegationTerms,
  type DelegationTermsInput,
  requireAutoExtendAllowed,
} from './terms';
import { entryOf } from '../shared/records';

/**
 * Delegated administration lives in the customer stream `customer-{customerId}`: the consistency
 * boundary for acting on a customer (a removal and an action of the delegated admin cannot both win).
 *
 * Lifecycle: offered (pending, 90 days) → accepted (active, `durationDays` from acceptance) →
 * ended at its end (or auto-extended by 180 days, limited access only), or removed by either side at
 * any time. A pending offer may be declined by the customer, withdrawn (removed) by the partner, or
 * expire. An acceptance at an invitation's redemption (DelegatedAdminAcceptedAtRedemption) is a
 * delegation in force from that moment, with the invitation's terms.
 *
 * Offers: one open offer per partner per customer. A second is refused `delegation-already-offered`
 * (the customer may be reading the first: its terms do not change under it); the partner removes
 * (withdraws) the first to offer other terms. A partner may offer while its delegation is in force
 * (a renewal: full access never auto-extends); accepting the new one supersedes the old one.
 */

export interface OfferDelegation extends DelegationTermsInput {
  customerId: string;
  partnerId: string;
  delegationId?: string;
}

export interface DelegationRef {
  customerId: string;
  delegationId: string;
}

export interface AcceptDelegation extends DelegationRef {
  /** The offering partner (its certification is checked at acceptance). */
  partnerId: string;
}

export interface MarkDelegationEnding extends DelegationRef {
  daysLeft: DelegationNotice;
}

export interface SetDelegationAutoExtend extends DelegationRef {
  autoExtend: boolean;
}

const customerOf = (loaded: Record<string, Loaded<unknown>>): CustomerState =>
  loaded.customer.state as CustomerState;
const emit = (...events: CustomerEvent[]) => ({ events: { customer: events } });
const nothing = () => ({ events: {} });

const facts = (state: CustomerState, d: Delegation): DelegationFacts => ({
  customerId: state.id,
  partnerId: d.partnerId,
  delegationId: d.id,
  access: d.access,
});

function requireCustomer(state: CustomerState, customerId: string): void {
  if (!state.exists)
    throw new DomainError('customer-not-found', 'No such customer', { customerId }, 'not-found');
}

/** The delegation named; for a partner's actor, only one of that partner (others are not told of). */
function delegationOf(state: CustomerState, delegationId: string, partnerId?: string): Delegation {
  const d = entryOf(state.delegations, delegationId);
  if (!d || (partnerId !== undefined && d.partnerId !== partnerId)) {
    throw new DomainError(
      'delegation-not-found',
      `No delegation ${delegationId} in customer ${state.id}`,
      { customerId: state.id, delegationId },
      'not-found',
    );
  }
  return d;
}

/**
 * The partner side of managing delegations: an active user of the partner who is its global admin,
 * or (when `fullMayToo`) holds full administration of supported companies. Identity refusals come
 * from authorizePartnerAction; a role too low is `access-denied` {action: 'manage-delegations'}.
 */
export function requireDelegationManager(
  partner: PartnerState,
  actor: Actor,
  fullMayToo: boolean,
): PartnerUser {
  authorizePartnerAction(partner, actor, 'view-partner');
  const user = actor.kind === 'partner-user' ? entryOf(partner.users, actor.id) : undefined;
  if (user && (fullMayToo ? managesDelegations(user) : user.companyRole === 'global-admin')) {
    return user;
  }
  throw new DomainError(
    'access-denied',
    fullMayToo
      ? 'Only a global admin of the partner, or a user with full administration of supported companies, may manage delegations'
      : 'Only a global admin of the partner may remove a delegation',
    {
      partnerId: partner.id,
      actorId: actor.id,
      action: 'manage-delegations',
      companyRole: user?.companyRole ?? null,
      customerAccess: user?.customerAccess ?? null,
    },
    'forbidden',
  );
}

/** Who acts on an existing delegation: the customer's admin, or a manager of the delegation's partner. */
function eitherSide(
  state: CustomerState,
  p: DelegationRef,
  loaded: Record<string, Loaded<unknown>>,
  actor: Actor,
  fullMayToo: boolean,
): { d: Delegation; side: DelegationSide; userId: string } {
  if (actor.kind === 'partner-user') {
    const partner = loaded[ACTING_PARTNER]?.state as PartnerState | undefined;
    if (!partner) throw new DomainError('partner-not-found', 'No such partner', {}, 'not-found');
    const user = requireDelegationManager(partner, actor, fullMayToo);
    requireCustomer(state, p.customerId);
    return { d: delegationOf(state, p.delegationId, partner.id), side: 'partner', userId: user.id };
  }
  const by = authorizeCustomerAction(state, p.customerId, actor, 'manage-delegations');
  return { d: delegationOf(state, p.delegationId), side: 'customer', userId: by.user.id };
}

/** The platform's scheduler acts on any existing customer; nobody else may. */
function platformOnCustomer(state: CustomerState, customerId: string, actor: Actor, what: string): void {
  requirePlatform(actor, what);
  requireCustomer(state, customerId);
}

/**
 * The events of a new offer: the offer, preceded by the expiry of an overdue offer of the same partner
 * the scheduler has not expired yet. Refused while an offer of the partner is open. Shared by
 * OfferDelegation and ApplyProductKey.
 */
export function delegationOffer(
  state: CustomerState,
  partner: PartnerState,
  terms: DelegatedAdminTerms,
  o: { delegationId: string; now: string; offeredBy: string; via: DelegationVia },
): CustomerEvent[] {
  if (entryOf(state.delegations, o.delegationId)) {
    refuse(
      'delegation-exists',
      `Delegation ${o.delegationId} already exists`,
      { customerId: state.id, delegationId: o.delegationId },
      'conflict',
    );
  }
  const pending = Object.values(state.delegations).filter(
    (d) => d.partnerId === partner.id && d.status === 'pending',
  );
  const open = pending.find((d) => isOpenOffer(d, o.now));
  if (open) {
    refuse(
      'delegation-already-offered',
      `Partner ${partner.id} already has an open delegation offer to customer ${state.id}; remove it first`,
      {
        customerId: state.id,
        partnerId: partner.id,
        delegationId: open.id,
        offerExpiresAt: open.offerExpiresAt,
      },
      'conflict',
    );
  }
  return [
    ...pending.map((d): CustomerEvent => ({
      type: 'DelegationOfferExpired',
      data: {
        ...facts(state, d),
        offerExpiresAt: d.offerExpiresAt as string,
        expiredAt: o.now,
        startsAt: null,
        endsAt: null,
      },
    })),
    {
      type: 'DelegationOffered',
      data: {
        customerId: state.id,
        partnerId: partner.id,
        delegationId: o.delegationId,
        access: terms.access,
        durationDays: terms.durationDays,
        autoExtend: terms.autoExtend,
        offeredAt: o.now,
        offerExpiresAt: addDays(o.now, DELEGATION_OFFER_DAYS),
        offeredBy: o.offeredBy,
        via: o.via,
        startsAt: null,
        endsAt: null,
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------

/** The ids a delegation accepted with an invitation gets (delegationIdAtRedemption): `{kind}-{id}`. */
const REDEMPTION_ID_PREFIXES = INVITATION_KINDS.map((kind) => `${kind}-`);

/**
 * A caller-chosen id may not take the form of an invitation's delegation: accepting that invitation
 * later would take the id over, and the pending offer would silently become a delegation in force
 * on the invitation's terms, which the customer never accepted.
 */
function requireOwnDelegationId(delegationId: string): void {
  if (REDEMPTION_ID_PREFIXES.some((prefix) => delegationId.startsWith(prefix))) {
    refuse(
      'invalid-delegation-id',
      `A delegation id may not start with ${REDEMPTION_ID_PREFIXES.join(' or ')}: those name delegations accepted with an invitation`,
      { delegationId },
    );
  }
}

export const offerDelegation = defineCommand<OfferDelegation>({
  type: 'OfferDelegation',
  primary: 'customer',
  streams: (p) => ({ customer: customerSpec(p.customerId), partner: partnerSpec(p.partnerId) }),
  decide(p, loaded, ctx) {
    const now = toInstant(ctx.now, 'now');
    const partner = loaded.partner.state as PartnerState;
    // The actor first: a user of another partner learns nothing, not even whether the customer exists.
    const user = requireDelegationManager(partner, ctx.actor, true);
    const state = customerOf(loaded);
    requireCustomer(state, p.customerId);
    requireDelegatedAdminCertified(partner, now);
    const terms = delegationTerms(p);
    const delegationId = p.delegationId ?? ctx.newId('delegationId');
    requireOwnDelegationId(delegationId);
    return {
      ids: { delegationId },
      ...emit(
        ...delegationOffer(state, partner, terms, {
          delegationId,
          now,
          offeredBy: user.id,
          via: { kind: 'direct', id: null },
        }),
      ),
    };
  },
});

export const acceptDelegation = defineCommand<AcceptDelegation>({
  type: 'AcceptDelegation',
  primary: 'customer',
  streams: (p) => ({ customer: customerSpec(p.customerId), partner: partnerSpec(p.partnerId) }),
  decide(p, loaded, ctx) {
    const now = toInstant(ctx.now, 'now');
    const state = customerOf(loaded);
    const by = authorizeCustomerAction(state, p.customerId, ctx.actor, 'manage-delegations');
    const d = delegationOf(state, p.delegationId, p.partnerId);
    // Accepted already (a double click, a retry): nothing more to do.
    if (d.status === 'active') return nothing();
    requirePending(d, now);
    // A partner that lost the certification since offering may no longer be accepted.
    requireDelegatedAdminCertified(loaded.partner.state as PartnerState, now);
    const superseded = Object.values(state.delegations).filter(
      (o) => o.partnerId === d.partnerId && o.status === 'active',
    );
    return emit(
      ...superseded.map((o): CustomerEvent => ({
        type: 'DelegationEnded',
        data: {
          ...facts(state, o),
          reason: now < (o.endsAt as string) ? 'superseded' : 'term-ended',
          endedAt: now,
          startsAt: o.startsAt as string,
          endsAt: o.endsAt as string,
        },
      })),
      {
        type: 'DelegationAccepted',
        data: {
          ...facts(state, d),
          durationDays: d.durationDays,
          autoExtend: d.autoExtend,
          acceptedBy: by.user.id,
          startsAt: now,
          endsAt: addDays(now, d.durationDays),
        },
      },
    );
  },
});

function requirePending(d: Delegation, now: string): void {
  if (d.status === 'pending' && !isOpenOffer(d, now)) {
    refuse('delegation-offer-expired', `The offer of delegation ${d.id} expired at ${d.offerExpiresAt}`, {
      delegationId: d.id,
      offerExpiresAt: d.offerExpiresAt,
    });
  }
  if (d.status !== 'pending') {
    refuse('delegation-not-pending', `Delegation ${d.id} is ${d.status}, not an open offer`, {
      delegationId: d.id,
      status: d.status,
    });
  }
}

export const declineDelegation = defineCommand<DelegationRef>({
  type: 'DeclineDelegation',
  primary: 'customer',
  streams: (p) => ({ customer: customerSpec(p.customerId) }),
  decide(p, loaded, ctx) {
    const now = toInstant(ctx.now, 'now');
    const state = customerOf(loaded);
    const by = authorizeCustomerAction(state, p.customerId, ctx.actor, 'manage-delegations');
    const d = delegationOf(state, p.delegationId);
    if (d.status === 'declined') return nothing();
    requirePending(d, now);
    return emit({
      type: 'DelegationDeclined',
      data: { ...facts(state, d), declinedBy: by.user.id, declinedAt: now, startsAt: null, endsAt: null },
    });
  },
});

/** Removal by either side: the customer's admin, or the partner's global admin. */
export const removeDelegation = defineCommand<DelegationRef>({
  type: 'RemoveDelegation',
  primary: 'customer',
  streams: (p, ctx) => ({ customer: customerSpec(p.customerId), ...actingPartnerStreams(ctx) }),
  decide(p, loaded, ctx) {
    const now = toInstant(ctx.now, 'now');
    const state = customerOf(loaded);
    const { d, side, userId } = eitherSide(state, p, loaded, ctx.actor, false);
    if (d.status === 'removed') return nothing();
    if (d.status !== 'pending' && d.status !== 'active') {
      refuse('delegation-not-active', `Delegation ${d.id} is ${d.status}: there is nothing to remove`, {
        delegationId: d.id,
        status: d.status,
      });
    }
    return emit({
      type: 'DelegationRemoved',
      data: {
        ...facts(state, d),
        wasStatus: d.status as 'pending' | 'active',
        removedBy: { side, userId },
        removedAt: now,
        startsAt: d.startsAt,
        endsAt: d.endsAt,
      },
    });
  },
});

export const expireDelegationOffer = defineCommand<DelegationRef>({
  type: 'ExpireDelegationOffer',
  primary: 'customer',
  streams: (p) => ({ customer: customerSpec(p.customerId) }),
  decide(p, loaded, ctx) {
    const now = toInstant(ctx.now, 'now');
    const state = customerOf(loaded);
    platformOnCustomer(state, p.customerId, ctx.actor, 'expire delegation offers');
    const d = delegationOf(state, p.delegationId);
    // Answered, withdrawn or expired already: a scheduler firing again is a no-op.
    if (d.status !== 'pending') return nothing();
    if (now < (d.offerExpiresAt as string)) {
      refuse('not-due', `The offer of delegation ${d.id} runs until ${d.offerExpiresAt}`, {
        delegationId: d.id,
        offerExpiresAt: d.offerExpiresAt,
      });
    }
    return emit({
      type: 'DelegationOfferExpired',
      data: {
        ...facts(state, d),
        offerExpiresAt: d.offerExpiresAt as string,
        expiredAt: now,
        startsAt: null,
        endsAt: null,
      },
    });
  },
});

/**
 * At its end (platform scheduler): an auto-extending delegation is extended by 180 days from its
 * end (once per command; a scheduler far behind calls again), any other ends. The partner's
 * certification is not checked here: acting for the customer checks it at every action anyway.
 */
export const endDelegation = defineCommand<DelegationRef>({
  type: 'EndDelegation',
  primary: 'customer',
  streams: (p) => ({ customer: customerSpec(p.customerId) }),
  decide(p, loaded, ctx) {
    const now = toInstant(ctx.now, 'now');
    const state = customerOf(loaded);
    platformOnCustomer(state, p.customerId, ctx.actor, 'end delegations');
    const d = delegationOf(state, p.delegationId);
    if (d.status !== 'active') return nothing();
    const endsAt = d.endsAt as string;
    if (now < endsAt) {
      refuse('not-due', `Delegation ${d.id} runs until ${endsAt}`, { delegationId: d.id, endsAt });
    }
    const startsAt = d.startsAt as string;
    if (d.autoExtend) {
      return emit({
        type: 'DelegationAutoExtended',
        data: {
          ...facts(state, d),
          extendedByDays: AUTO_EXTEND_DAYS,
          startsAt,
          endsAt: { from: endsAt, to: addDays(endsAt, AUTO_EXTEND_DAYS) },
        },
      });
    }
    return emit({
      type: 'DelegationEnded',
      data: { ...facts(state, d), reason: 'term-ended', endedAt: now, startsAt, endsAt },
    });
  },
});

/** Either side may turn auto-extension on or off while the delegation is in force (never for full). */
export const setDelegationAutoExtend = defineCommand<SetDelegationAutoExtend>({
  type: 'SetDelegationAutoExtend',
  primary: 'customer',
  streams: (p, ctx) => ({ customer: customerSpec(p.customerId), ...actingPartnerStreams(ctx) }),
  decide(p, loaded, ctx) {
    const now = toInstant(ctx.now, 'now');
    const state = customerOf(loaded);
    const { d, side, userId } = eitherSide(state, p, loaded, ctx.actor, true);
    if (typeof p.autoExtend !== 'boolean')
      refuse('invalid-auto-extend', 'autoExtend must be true or false', {});
    // In force as acting checks it: an auto-extending delegation past its recorded end (the scheduler
    // has not recorded the extension yet) may still be turned off, and then lapses.
    if (!isInForce(d, now)) {
      refuse('delegation-not-active', `Delegation ${d.id} is not in force`, {
        delegationId: d.id,
        status: d.status,
      });
    }
    requireAutoExtendAllowed(d.access, p.autoExtend);
    if (d.autoExtend === p.autoExtend) return nothing();
    return emit({
      type: 'DelegationAutoExtendChanged',
      data: {
        ...facts(state, d),
        autoExtend: { from: d.autoExtend, to: p.autoExtend },
        changedBy: { side, userId },
        startsAt: d.startsAt,
        endsAt: d.endsAt,
      },
    });
  },
});

/** Reminders 30, 7 and 1 days before the end (platform scheduler), each once, for the current end. */
export const markDelegationEnding = defineCommand<MarkDelegationEnding>({
  type: 'MarkDelegationEnding',
  primary: 'customer',
  streams: (p) => ({ customer: customerSpec(p.customerId) }),
  decide(p, loaded, ctx) {
    const now = toInstant(ctx.now, 'now');
    const state = customerOf(loaded);
    platformOnCustomer(state, p.customerId, ctx.actor, 'send delegation reminders');
    if (!(DELEGATION_NOTICES as readonly number[]).includes(p.daysLeft)) {
      refuse(
        'invalid-days-left',
        `Delegation reminders are sent ${DELEGATION_NOTICES.join(', ')} days before the end`,
        { daysLeft: p.daysLeft },
      );
    }
    const d = delegationOf(state, p.delegationId);
    const endsAt = d.endsAt as string;
    // Each reminder once; a late 30-day one after the 7-day one, or after the end, would only confuse.
    const stale =
      d.status !== 'active' ||
      d.notices.includes(p.daysLeft) ||
      d.notices.some((sent) => sent < p.daysLeft) ||
      now >= endsAt;
    if (stale) return nothing();
    const notBefore = addDays(endsAt, -p.daysLeft);
    if (now < notBefore) {
      refuse('not-due', `The ${p.daysLeft}-day reminder of delegation ${d.id} is due from ${notBefore}`, {
        delegationId: d.id,
        endsAt,
        notBefore,
      });
    }
    return emit({
      type: 'DelegationEnding',
      data: {
        ...facts(state, d),
        daysLeft: p.daysLeft,
        autoExtend: d.autoExtend,
        startsAt: d.startsAt as string,
        endsAt,
      },
    });
  },
});

export const delegationCommands: CommandDefinition[] = [
  offerDelegation,
  acceptDelegation,
  declineDelegation,
  removeDelegation,
  expireDelegationOffer,
  endDelegation,
  setDelegationAutoExtend,
  markDelegationEnding,
];
