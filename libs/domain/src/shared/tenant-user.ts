import { DomainError } from './errors';
import { entryOf } from './records';

/** Refusal codes for an actor that is not a user of the tenant, by kind of tenant. */
const NOT_A_USER = {
  partner: 'actor-not-a-partner-user',
  customer: 'actor-not-a-customer-user',
} as const;

/**
 * The acting user of a tenant (a partner or a customer), the same rule for both: the actor must be
 * one of the tenant's users (`actor-not-a-partner-user` / `actor-not-a-customer-user`) and active
 * (`actor-inactive`), both 403. What the user's roles then allow is each tenant's own rule.
 */
export function requireActiveUser<U extends { active: boolean }>(
  tenant: keyof typeof NOT_A_USER,
  tenantId: string,
  users: Readonly<Record<string, U>>,
  actorId: string,
): U {
  const user = entryOf(users, actorId);
  if (!user) {
    throw new DomainError(
      NOT_A_USER[tenant],
      `User ${actorId} is not a user of ${tenant} ${tenantId}`,
      { [`${tenant}Id`]: tenantId, actorId },
      'forbidden',
    );
  }
  if (!user.active) {
    throw new DomainError('actor-inactive', `User ${actorId} is deactivated`, { actorId }, 'forbidden');
  }
  return user;
}
