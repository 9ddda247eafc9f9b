import type { Principal } from './principal';
import { ProblemException } from '../problem/problem-exception';

/**
 * Tenant isolation at the edge. A caller who may not see a partner or customer gets exactly the
 * same 404 as for one that does not exist, so ids cannot be probed. Business permissions (is this
 * user a global admin?) are NOT decided here: the domain decides them from event-sourced state.
 *
 * The codes and details match what the domain should use for a genuinely missing partner/customer
 * ('partner-not-found', 'customer-not-found'); keep them identical, or the difference leaks.
 */
export function partnerNotFound(partnerId: string): ProblemException {
  return new ProblemException(
    404,
    'partner-not-found',
    'Not found',
    `Partner '${partnerId}' was not found.`,
    {
      partnerId,
    },
  );
}

export function customerNotFound(customerId: string): ProblemException {
  return new ProblemException(
    404,
    'customer-not-found',
    'Not found',
    `Customer '${customerId}' was not found.`,
    {
      customerId,
    },
  );
}

/**
 * Platform actors (the platform's own staff and its auditors) see every tenant. A partner or customer
 * user's token never does, whatever its scopes: `audit` on such a token reads its own tenant only.
 */
export function seesEverything(principal: Principal): boolean {
  return principal.actor.kind === 'platform';
}

export function canSeePartner(principal: Principal, partnerId: string): boolean {
  if (seesEverything(principal)) return true;
  return principal.actor.kind === 'partner-user' && principal.actor.partnerId === partnerId;
}

export function assertPartnerVisible(principal: Principal, partnerId: string): void {
  if (!canSeePartner(principal, partnerId)) throw partnerNotFound(partnerId);
}

/**
 * @param customerPartnerIds the partners that administer this customer (from a read model). A partner
 *   user sees the customer only when its partner is among them; when omitted, partner users see nothing.
 */
export function canSeeCustomer(
  principal: Principal,
  customerId: string,
  customerPartnerIds: readonly string[] = [],
): boolean {
  if (seesEverything(principal)) return true;
  const { actor } = principal;
  if (actor.kind === 'customer-user') return actor.customerId === customerId;
  if (actor.kind === 'partner-user')
    return actor.partnerId !== undefined && customerPartnerIds.includes(actor.partnerId);
  return false;
}

export function assertCustomerVisible(
  principal: Principal,
  customerId: string,
  customerPartnerIds?: readonly string[],
): void {
  if (!canSeeCustomer(principal, customerId, customerPartnerIds)) throw customerNotFound(customerId);
}
