import { DomainError } from '../shared/errors';
import { requireActiveUser } from '../shared/tenant-user';
import type { Actor } from '../shared/types';
import type { PartnerState, PartnerUser } from './state';

/**
 * Everything a partner's people may do, named. The single permission check of the service:
 * every command asks `authorizePartnerAction` (and, for customers, the delegation check on top).
 */
export type PartnerAction =
  | 'view-partner'
  | 'edit-company-profile'
  | 'manage-users'
  | 'manage-roles'
  | 'create-invitations'
  | 'offer-delegations'
  | 'reset-customer-passwords'
  | 'administer-customers';

/** Who offers and manages a partner's delegations: its global admin, or a user with full access to customers. */
export const managesDelegations = (user: PartnerUser): boolean =>
  user.companyRole === 'global-admin' || user.customerAccess === 'full';

/** Which partner users may do what, by their roles. Platform actors are handled separately. */
const RULES: Record<PartnerAction, { description: string; allows(user: PartnerUser): boolean }> = {
  'view-partner': { description: 'any active user of the partner', allows: () => true },
  'edit-company-profile': {
    description: 'a global admin',
    allows: (u) => u.companyRole === 'global-admin',
  },
  'manage-users': {
    description: 'a global admin or a user management admin',
    allows: (u) => u.companyRole === 'global-admin' || u.companyRole === 'user-management-admin',
  },
  'manage-roles': { description: 'a global admin', allows: (u) => u.companyRole === 'global-admin' },
  'create-invitations': {
    description: 'a global admin or a user with full or limited administration of supported companies',
    allows: (u) => u.companyRole === 'global-admin' || u.customerAccess !== null,
  },
  // Also when the offer rides on an invitation, a purchase offer or a product key: a user with limited
  // administration may send those, but not offer the partner's administration of the customer with them.
  'offer-delegations': {
    description: 'a global admin or a user with full administration of supported companies',
    allows: managesDelegations,
  },
  'reset-customer-passwords': {
    description: 'a user with full or limited administration of supported companies',
    allows: (u) => u.customerAccess === 'full' || u.customerAccess === 'limited',
  },
  'administer-customers': {
    description: 'a user with full administration of supported companies',
    allows: (u) => u.customerAccess === 'full',
  },
};

/**
 * May `actor` do `action` for this partner? Returns the acting user, or throws a DomainError:
 * `partner-not-found` (also when a partner user of ANOTHER partner asks: ids are not probeable),
 * `actor-not-a-partner-user`, `actor-inactive`, or `access-denied` naming what is required.
 */
export function authorizePartnerAction(
  state: PartnerState,
  actor: Actor,
  action: PartnerAction,
): PartnerUser | null {
  if (!state.exists)
    throw new DomainError(
      'partner-not-found',
      'No such partner',
      { partnerId: state.id || null },
      'not-found',
    );
  if (actor.kind === 'platform') {
    // The platform may look, but a partner's own company is run by its own admins.
    if (action === 'view-partner') return null;
    throw new DomainError(
      'access-denied',
      `The platform may not ${action.replace(/-/g, ' ')}; the partner's own admins do`,
      { partnerId: state.id, action },
      'forbidden',
    );
  }
  if (actor.kind !== 'partner-user' || actor.partnerId !== state.id) {
    throw new DomainError('partner-not-found', 'No such partner', { partnerId: state.id }, 'not-found');
  }
  const user = requireActiveUser('partner', state.id, state.users, actor.id);
  const rule = RULES[action];
  if (!rule.allows(user)) {
    throw new DomainError(
      'access-denied',
      `Only ${rule.description} may ${action.replace(/-/g, ' ')}`,
      {
        partnerId: state.id,
        actorId: actor.id,
        action,
        companyRole: user.companyRole,
        customerAccess: user.customerAccess,
      },
      'forbidden',
    );
  }
  return user;
}

/** Platform-only commands (registration, verification, authorizations, product keys). */
export function requirePlatform(actor: Actor, what: string): void {
  if (actor.kind !== 'platform') {
    throw new DomainError(
      'platform-only',
      `Only the platform may ${what}`,
      { actorKind: actor.kind },
      'forbidden',
    );
  }
}
