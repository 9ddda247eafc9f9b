import { type DelegatedAdminTerms, delegationTerms, type DelegationTermsInput } from '../delegation/terms';
import { authorizePartnerAction } from '../partner/permissions';
import { holdsAuthorization, type PartnerState } from '../partner/state';
import { refuse } from '../shared/errors';
import { toInstant } from '../shared/time';
import type { Actor, DecisionContext } from '../shared/types';

/**
 * The actor may create (or revoke, withdraw) invitations for this partner, and the partner is an
 * advisor now. Actor first, so a user of another partner learns nothing about this one.
 */
export function requireInvitingAdvisor(partner: PartnerState, ctx: DecisionContext): void {
  requireInvitingActor(partner, ctx);
  requireAdvisor(partner, toInstant(ctx.now, 'now'));
}

/**
 * The invitation actor rule alone: a global admin of the partner, or a user with full or limited
 * administration of supported companies. Stopping an invitation needs no advisor status (a partner
 * that lost it must still be able to withdraw what it sent).
 */
export function requireInvitingActor(partner: PartnerState, ctx: DecisionContext): void {
  authorizePartnerAction(partner, ctx.actor, 'create-invitations');
}

export function requireAdvisor(partner: PartnerState, at: string): void {
  if (!holdsAuthorization(partner, 'advisor', at)) {
    refuse('partner-not-an-advisor', `Partner ${partner.id} is not a subscription advisor`, {
      partnerId: partner.id,
    });
  }
}

export function requireDelegatedAdminCertified(partner: PartnerState, at: string): void {
  if (!holdsAuthorization(partner, 'delegated-admin-certified', at)) {
    refuse(
      'not-delegated-admin-certified',
      `Partner ${partner.id} is not certified for delegated administration`,
      { partnerId: partner.id },
    );
  }
}

/**
 * The delegated-admin option offered with an invitation or a product key, checked in the order
 * OfferDelegation checks a direct offer: the actor may offer delegations ('offer-delegations': a
 * global admin or a user with full administration, not one with limited administration, who may
 * send the invitation itself), the partner is certified now.
 */
export function requireDelegationOfferer(partner: PartnerState, actor: Actor, at: string): void {
  authorizePartnerAction(partner, actor, 'offer-delegations');
  requireDelegatedAdminCertified(partner, at);
}

/**
 * The delegated-admin option of an invitation: null when not included; otherwise, for an actor and a
 * partner who may offer it (requireDelegationOfferer), the terms validated by the one rule of
 * delegated administration (delegationTerms).
 */
export function delegatedAdminTerms(
  partner: PartnerState,
  include: boolean | undefined,
  input: DelegationTermsInput | undefined,
  at: string,
  actor: Actor,
): DelegatedAdminTerms | null {
  if (!include) {
    if (input !== undefined && input !== null) {
      refuse(
        'delegation-terms-without-delegated-admin',
        'Delegation terms were given but includeDelegatedAdmin is not set',
        {},
      );
    }
    return null;
  }
  requireDelegationOfferer(partner, actor, at);
  return delegationTerms(input);
}

/** What every invitation (trial invite, purchase offer) is created with, besides what it offers. */
export interface CreateInvitation {
  partnerId: string;
  /** The invitation code (base64url, ≥22 chars) generated at the edge. */
  code: string;
  includeDelegatedAdmin?: boolean;
  delegation?: DelegationTermsInput;
  expiresAt?: string;
}

/**
 * An invitation's options, validated in this order: the delegated-admin option (see
 * delegatedAdminTerms), then the expiry (see futureExpiry).
 */
export function invitationOptions(
  partner: PartnerState,
  p: CreateInvitation,
  now: string,
  actor: Actor,
): { delegatedAdmin: DelegatedAdminTerms | null; expiresAt: string | null } {
  const delegatedAdmin = delegatedAdminTerms(partner, p.includeDelegatedAdmin, p.delegation, now, actor);
  const expiresAt = futureExpiry(p.expiresAt, now);
  return { delegatedAdmin, expiresAt };
}

/** An optional expiry, canonical and strictly in the future, or null. */
export function futureExpiry(expiresAt: string | undefined | null, now: string): string | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  const at = toInstant(expiresAt, 'expiresAt');
  if (at <= now) refuse('expiry-not-in-future', 'expiresAt must be after now', { expiresAt: at, now });
  return at;
}
