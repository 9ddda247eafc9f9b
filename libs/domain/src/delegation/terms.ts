import { CUSTOMER_ACCESS_LEVELS, type CustomerAccess } from '../partner/events';
import { refuse } from '../shared/errors';

/**
 * What a partner offers to do as the customer's delegated administrator, as the customer is asked
 * to accept it: in a delegation offer, a product key, or an invitation's delegated-admin option.
 */
export interface DelegatedAdminTerms {
  access: CustomerAccess;
  durationDays: number;
  autoExtend: boolean;
}

/** What a partner asks for when offering delegated administration. */
export interface DelegationTermsInput {
  access: CustomerAccess;
  /** 1–730, default 730. */
  durationDays?: number;
  /** Default false; only with limited access. */
  autoExtend?: boolean;
}

export const MAX_DELEGATION_DAYS = 730;
/** An offer not accepted within this many days expires. */
export const DELEGATION_OFFER_DAYS = 90;
/** An auto-extending delegation is extended by this many days at each end. */
export const AUTO_EXTEND_DAYS = 180;

/** Full administration must be re-confirmed by the customer: it never extends by itself. */
export function requireAutoExtendAllowed(access: CustomerAccess, autoExtend: boolean): void {
  if (autoExtend && access === 'full') {
    refuse('auto-extend-not-allowed-for-full', 'Full delegated administration cannot auto-extend', {
      access: 'full',
    });
  }
}

/**
 * Validated terms with their defaults filled in, so the event says exactly what the customer is
 * asked to accept. The one rule for every way of offering delegated administration.
 */
export function delegationTerms(input: DelegationTermsInput | undefined | null): DelegatedAdminTerms {
  if (!input || !(CUSTOMER_ACCESS_LEVELS as readonly string[]).includes(input.access)) {
    refuse('invalid-delegation-access', 'Delegated admin access must be "full" or "limited"', {
      access: input?.access ?? null,
    });
  }
  const terms = input as DelegationTermsInput;
  const durationDays = terms.durationDays ?? MAX_DELEGATION_DAYS;
  if (!Number.isInteger(durationDays) || durationDays < 1 || durationDays > MAX_DELEGATION_DAYS) {
    refuse('invalid-delegation-duration', `Delegation lasts from 1 to ${MAX_DELEGATION_DAYS} days`, {
      durationDays,
      max: MAX_DELEGATION_DAYS,
    });
  }
  const autoExtend = terms.autoExtend ?? false;
  if (typeof autoExtend !== 'boolean') {
    refuse('invalid-auto-extend', 'autoExtend must be true or false', {});
  }
  requireAutoExtendAllowed(terms.access, autoExtend);
  return { access: terms.access, durationDays, autoExtend };
}
