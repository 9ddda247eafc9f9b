import { type ActingContext, authorizeDelegatedAdmin, type DelegatedAdmin } from '../delegation/access';
import type { CustomerAccess } from '../partner/events';
import { DomainError } from '../shared/errors';
import { requireActiveUser } from '../shared/tenant-user';
import type { Actor } from '../shared/types';
import type { CustomerState, CustomerUser } from './state';

/** Everything done inside a customer's tenant, named (the counterpart of PartnerAction). */
export type CustomerAction =
  | 'manage-users'
  | 'manage-subscriptions'
  | 'manage-service-requests'
  | 'reset-passwords'
  | 'redeem-invitations'
  | 'manage-delegations'
  | 'choose-partner-of-record';

/**
 * The delegated access a partner's user needs for each action in the customer's tenant. Actions not
 * listed are the customer's own (taking up invitations, answering delegation offers, choosing the
 * Partner of Record): a partner user is outside the tenant for them.
 */
export const DELEGATED_ACCESS: Partial<Record<CustomerAction, CustomerAccess>> = {
  'manage-users': 'full',
  'manage-subscriptions': 'full',
  'manage-service-requests': 'full',
  // Limited administration = a password admin's permissions. Resetting a global admin's password
  // needs full (the command asks again for 'full' when the target is a global admin).
  'reset-passwords': 'limited',
};

/** Who acted for the customer: one of its own users, or a partner's delegated admin. */
export type CustomerActingUser = { kind: 'customer-user'; user: CustomerUser } | DelegatedAdmin;

const notFound = (state: CustomerState, customerId: string): DomainError =>
  new DomainError(
    'customer-not-found',
    'No such customer',
    { customerId: state.id || customerId },
    'not-found',
  );

/**
 * May `actor` do `action` in this customer's tenant? An active global admin of the customer, or
 * (for the actions of DELEGATED_ACCESS, when the command loaded the actor's partner: `acting`) a
 * partner user through a delegation in force (see authorizeDelegatedAdmin for its refusals).
 * Refusals: `customer-not-found` (also for anyone outside the tenant: customer ids are not
 * probeable), `access-denied` for the platform, `actor-not-a-customer-user`, `actor-inactive`,
 * `access-denied` for a plain user.
 */
export function authorizeCustomerAction(
  state: CustomerState,
  customerId: string,
  actor: Actor,
  action: CustomerAction,
  acting?: ActingContext,
): CustomerActingUser {
  if (!state.exists) throw notFound(state, customerId);
  if (actor.kind === 'platform') {
    throw new DomainError(
      'access-denied',
      `The platform may not ${action.replace(/-/g, ' ')} of a customer; the customer's admins do`,
      { customerId: state.id, action },
      'forbidden',
    );
  }
  if (actor.kind === 'partner-user') {
    // Delegated administration: a user of a partner the customer accepted as delegated admin, with
    // the delegation in force at `now` and enough access, acts here like the customer's admin (full)
    // or password admin (limited). For the customer's own actions, or a command that did not load
    // the actor's partner, a partner user is outside the tenant and sees nothing.
    const required = DELEGATED_ACCESS[action];
    if (required === undefined || !acting?.partner) throw notFound(state, customerId);
    return authorizeDelegatedAdmin(state, acting.partner, actor, acting.now, required);
  }
  if (actor.kind !== 'customer-user' || actor.customerId !== state.id) throw notFound(state, customerId);
  const user = requireActiveUser('customer', state.id, state.users, actor.id);
  if (user.role !== 'global-admin') {
    throw new DomainError(
      'access-denied',
      `Only a global admin of the customer may ${action.replace(/-/g, ' ')}`,
      { customerId: state.id, actorId: actor.id, action, role: user.role },
      'forbidden',
    );
  }
  return { kind: 'customer-user', user };
}
