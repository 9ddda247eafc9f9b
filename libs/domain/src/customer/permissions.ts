import { DomainError } from '../shared/errors';
import type { Actor } from '../shared/types';
import type { CustomerState, CustomerUser } from './state';

/** Everything done inside a customer's tenant, named (the counterpart of PartnerAction). */
export type CustomerAction = 'manage-users' | 'manage-subscriptions' | 'redeem-invitations';

/** Who acted for the customer: one of its own users, or (next issue) a partner's delegated admin. */
export type CustomerActingUser = { kind: 'customer-user'; user: CustomerUser };

const notFound = (state: CustomerState, customerId: string): DomainError =>
  new DomainError(
    'customer-not-found',
    'No such customer',
    { customerId: state.id || customerId },
    'not-found',
  );

/**
 * May `actor` do `action` in this customer's tenant? Today: an active global admin of the customer.
 * Refusals: `customer-not-found` (also for anyone outside the tenant: customer ids are not
 * probeable), `access-denied` for the platform, `actor-not-a-customer-user`, `actor-inactive`,
 * `access-denied` for a plain user.
 */
export function authorizeCustomerAction(
  state: CustomerState,
  customerId: string,
  actor: Actor,
  action: CustomerAction,
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
    // EXTENSION POINT (delegated administration, next issue): a user with full administration of
    // supported companies, of a partner the customer accepted as delegated admin (and whose
    // delegation is in force at ctx.now), acts like a global admin here. Until then a partner user
    // is outside the tenant, and sees nothing.
    throw notFound(state, customerId);
  }
  if (actor.kind !== 'customer-user' || actor.customerId !== state.id) throw notFound(state, customerId);
  const user = state.users[actor.id];
  if (!user) {
    throw new DomainError(
      'actor-not-a-customer-user',
      `User ${actor.id} is not a user of customer ${state.id}`,
      { customerId: state.id, actorId: actor.id },
      'forbidden',
    );
  }
  if (!user.active) {
    throw new DomainError(
      'actor-inactive',
      `User ${actor.id} is deactivated`,
      { actorId: actor.id },
      'forbidden',
    );
  }
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
