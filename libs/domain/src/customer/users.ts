import { actingContext, actingPartnerStreams } from '../delegation/access';
import { type CommandDefinition, defineCommand } from '../shared/command';
import { DomainError, refuse } from '../shared/errors';
import type { DecisionContext, Loaded } from '../shared/types';
import { CUSTOMER_ROLES, type CustomerEvent, type CustomerRole } from './events';
import { authorizeCustomerAction } from './permissions';
import { activeCustomerAdmins, customerSpec, type CustomerState } from './state';
import { nonEmpty, validEmail } from './validation';
import { entryOf } from '../shared/records';

export interface CreateCustomerUser {
  customerId: string;
  userId?: string;
  email: string;
  displayName: string;
  /** Default 'user'. */
  role?: CustomerRole;
}

export interface CustomerUserRef {
  customerId: string;
  userId: string;
}

/** The customer; and the actor's partner when a partner user acts (delegated administration). */
const onCustomer = {
  primary: 'customer',
  streams: (p: { customerId: string }, ctx: DecisionContext) => ({
    customer: customerSpec(p.customerId),
    ...actingPartnerStreams(ctx),
  }),
};
const customerOf = (loaded: Record<string, Loaded<unknown>>): CustomerState =>
  loaded.customer.state as CustomerState;
const emit = (...events: CustomerEvent[]) => ({ events: { customer: events } });

export const createCustomerUser = defineCommand<CreateCustomerUser>({
  type: 'CreateCustomerUser',
  ...onCustomer,
  decide(p, loaded, ctx) {
    const state = customerOf(loaded);
    authorizeCustomerAction(state, p.customerId, ctx.actor, 'manage-users', actingContext(loaded, ctx));
    const role = p.role ?? 'user';
    if (!(CUSTOMER_ROLES as readonly string[]).includes(role)) {
      refuse('invalid-customer-role', `'${role}' is not a customer role (global-admin or user)`, { role });
    }
    const email = validEmail(p.email);
    const displayName = nonEmpty(p.displayName, 'displayName');
    const userId = p.userId ?? ctx.newId('userId');
    if (entryOf(state.users, userId)) {
      refuse(
        'customer-user-exists',
        `User ${userId} already exists`,
        { customerId: state.id, userId },
        'conflict',
      );
    }
    const owner = state.emails[email.toLowerCase()];
    if (owner !== undefined) {
      refuse(
        'email-already-used',
        `Another user of customer ${state.id} already uses ${email}`,
        { customerId: state.id, userId: owner },
        'conflict',
      );
    }
    return {
      ids: { userId },
      ...emit({
        type: 'CustomerUserCreated',
        data: { customerId: state.id, userId, email, displayName, role },
      }),
    };
  },
});

export const deactivateCustomerUser = defineCommand<CustomerUserRef>({
  type: 'DeactivateCustomerUser',
  ...onCustomer,
  decide(p, loaded, ctx) {
    const state = customerOf(loaded);
    authorizeCustomerAction(state, p.customerId, ctx.actor, 'manage-users', actingContext(loaded, ctx));
    const user = customerUserOf(state, p.userId);
    if (!user.active) return { events: {} };
    // A tenant without an active admin could never manage itself again.
    if (user.role === 'global-admin' && activeCustomerAdmins(state).length === 1) {
      refuse('last-global-admin', `User ${user.id} is the last active global admin of customer ${state.id}`, {
        customerId: state.id,
        userId: user.id,
      });
    }
    return emit({ type: 'CustomerUserDeactivated', data: { customerId: state.id, userId: user.id } });
  },
});

/**
 * Resets a customer user's password: by one of the customer's global admins, or by a delegated admin
 * of a partner (limited or full access; a global admin's password needs full).
 *
 * Nothing secret passes through the domain: the decision only says "this actor may reset this user's
 * password" and records CustomerUserPasswordReset. On success the edge generates the temporary
 * password (randomness lives there), sets it in the identity provider and returns it to the caller
 * once. It is in no payload, no event and no DecisionResult.returned.
 */
export const resetCustomerUserPassword = defineCommand<CustomerUserRef>({
  type: 'ResetCustomerUserPassword',
  ...onCustomer,
  decide(p, loaded, ctx) {
    const state = customerOf(loaded);
    const acting = actingContext(loaded, ctx);
    let by = authorizeCustomerAction(state, p.customerId, ctx.actor, 'reset-passwords', acting);
    const user = customerUserOf(state, p.userId);
    if (!user.active) {
      refuse('customer-user-inactive', `User ${user.id} is deactivated; reactivate it first`, {
        customerId: state.id,
        userId: user.id,
      });
    }
    // A global admin's password opens the whole tenant: a delegated admin needs full access for it.
    if (by.kind === 'delegated-admin' && user.role === 'global-admin') {
      by = authorizeCustomerAction(state, p.customerId, ctx.actor, 'manage-users', acting);
    }
    return emit({
      type: 'CustomerUserPasswordReset',
      data: {
        customerId: state.id,
        userId: user.id,
        byPartnerId: by.kind === 'delegated-admin' ? by.partnerId : null,
        byUserId: by.user.id,
      },
    });
  },
});

function customerUserOf(state: CustomerState, userId: string) {
  const user = entryOf(state.users, userId);
  if (!user) {
    throw new DomainError(
      'customer-user-not-found',
      `No user ${userId} in customer ${state.id}`,
      { customerId: state.id, userId },
      'not-found',
    );
  }
  return user;
}

export const customerUserCommands: CommandDefinition[] = [
  createCustomerUser,
  deactivateCustomerUser,
  resetCustomerUserPassword,
];
