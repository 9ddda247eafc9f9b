import { type DelegatedAdminTerms, delegationTerms, type DelegationTermsInput } from '../delegation/terms';
import { authorizePartnerAction } from '../partner/permissions';
import { holdsAuthorization, type PartnerState } from '../partner/state';
import { refuse } from '../shared/errors';
import { toInstant } from '../shared/time';
import type { DecisionContext } from '../shared/types';

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
 * The delegated-admin option of an invitation: null when not included; otherwise, for a certified
 * partner, the terms validated by the one rule of delegated administration (delegationTerms).
 */
export function delegatedAdminTerms(
  partner: PartnerState,
  include: boolean | undefined,
  input: DelegationTermsInput | undefined,
  at: string,
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
  requireDelegatedAdminCertified(partner, at);
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
): { delegatedAdmin: DelegatedAdminTerms | null; expiresAt: string | null } {
  const delegatedAdmin = delegatedAdminTerms(partner, p.includeDelegatedAdmin, p.delegation, now);
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
