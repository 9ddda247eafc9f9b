import { CUSTOMER_ACCESS_LEVELS, type CustomerAccess } from '../partner/events';
import { authorizePartnerAction } from '../partner/permissions';
import { holdsAuthorization, type PartnerState } from '../partner/state';
import { refuse } from '../shared/errors';
import { toInstant } from '../shared/time';
import type { DecisionContext } from '../shared/types';

/** What a partner offers to do as the customer's delegated administrator, fixed in the invitation. */
export interface DelegatedAdminTerms {
  access: CustomerAccess;
  durationDays: number;
  autoExtend: boolean;
}

export interface DelegatedAdminTermsInput {
  access: CustomerAccess;
  /** 1–730, default 730. */
  durationDays?: number;
  /** Default false; only with limited access. */
  autoExtend?: boolean;
}

export const MAX_DELEGATION_DAYS = 730;

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
 * The delegated-admin option of an invitation: null when not included; otherwise validated terms
 * with their defaults filled in (so the event says exactly what the customer is asked to accept).
 */
export function delegatedAdminTerms(
  partner: PartnerState,
  include: boolean | undefined,
  input: DelegatedAdminTermsInput | undefined,
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
  if (!input || !(CUSTOMER_ACCESS_LEVELS as readonly string[]).includes(input.access)) {
    refuse('invalid-delegation-access', 'Delegated admin access must be "full" or "limited"', {
      access: input?.access ?? null,
    });
  }
  const terms = input as DelegatedAdminTermsInput;
  const durationDays = terms.durationDays ?? MAX_DELEGATION_DAYS;
  if (!Number.isInteger(durationDays) || durationDays < 1 || durationDays > MAX_DELEGATION_DAYS) {
    refuse('invalid-delegation-duration', `Delegation lasts from 1 to ${MAX_DELEGATION_DAYS} days`, {
      durationDays,
      max: MAX_DELEGATION_DAYS,
    });
  }
  const autoExtend = terms.autoExtend ?? false;
  // Full administration must be re-confirmed by the customer; it never renews by itself.
  if (autoExtend && terms.access === 'full') {
    refuse('auto-extend-not-allowed-for-full', 'Full delegated administration cannot auto-extend', {
      access: 'full',
    });
  }
  return { access: terms.access, durationDays, autoExtend };
}

/** An optional expiry, canonical and strictly in the future, or null. */
export function futureExpiry(expiresAt: string | undefined | null, now: string): string | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  const at = toInstant(expiresAt, 'expiresAt');
  if (at <= now) refuse('expiry-not-in-future', 'expiresAt must be after now', { expiresAt: at, now });
  return at;
}
