import { type CommandDefinition, defineCommand } from '../shared/command';
import { DomainError, refuse } from '../shared/errors';
import type { Loaded } from '../shared/types';
import { CUSTOMER_ROLES, type CustomerEvent, type CustomerRole } from './events';
import { authorizeCustomerAction } from './permissions';
import { activeCustomerAdmins, customerSpec, type CustomerState } from './state';
import { nonEmpty, validEmail } from './validation';

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

const onCustomer = {
  primary: 'customer',
  streams: (p: { customerId: string }) => ({ customer: customerSpec(p.customerId) }),
};
const customerOf = (loaded: Record<string, Loaded<unknown>>): CustomerState =>
  loaded.customer.state as CustomerState;
const emit = (...events: CustomerEvent[]) => ({ events: { customer: events } });

export const createCustomerUser = defineCommand<CreateCustomerUser>({
  type: 'CreateCustomerUser',
  ...onCustomer,
  decide(p, loaded, ctx) {
    const state = customerOf(loaded);
    authorizeCustomerAction(state, p.customerId, ctx.actor, 'manage-users');
    const role = p.role ?? 'user';
    if (!(CUSTOMER_ROLES as readonly string[]).includes(role)) {
      refuse('invalid-customer-role', `'${role}' is not a customer role (global-admin or user)`, { role });
    }
    const email = validEmail(p.email);
    const displayName = nonEmpty(p.displayName, 'displayName');
    const userId = p.userId ?? ctx.newId('userId');
    if (state.users[userId]) {
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
    authorizeCustomerAction(state, p.customerId, ctx.actor, 'manage-users');
    const user = state.users[p.userId];
    if (!user) {
      throw new DomainError(
        'customer-user-not-found',
        `No user ${p.userId} in customer ${state.id}`,
        { customerId: state.id, userId: p.userId },
        'not-found',
      );
    }
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

export const customerUserCommands: CommandDefinition[] = [createCustomerUser, deactivateCustomerUser];
