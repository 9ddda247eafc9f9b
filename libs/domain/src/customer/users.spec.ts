import { createDomainCommands } from '../registry';
import type { DomainEvent } from '../shared/types';
import { commandSpec } from '../testing/spec';
import {
  authorizedPartner,
  customerCreated,
  customerUser,
  partnerUser,
  platform,
  roleAssigned,
  testCatalog,
} from '../testing/fixtures';

const given = commandSpec(createDomainCommands(testCatalog));
const C = 'customer-c1';
const cadmin = customerUser('cadmin');

const userCreated = (
  userId: string,
  role: 'global-admin' | 'user' = 'user',
  email = `${userId}@fabrikam.example`,
) => ({
  type: 'CustomerUserCreated',
  data: { customerId: 'c1', userId, email, displayName: userId, role },
});
const deactivated = (userId: string) => ({
  type: 'CustomerUserDeactivated',
  data: { customerId: 'c1', userId },
});
const customer = (...more: DomainEvent[]) => ({ [C]: [...customerCreated(), ...more] });

describe('CreateCustomerUser', () => {
  const cmd = { customerId: 'c1', userId: 'u1', email: 'u1@fabrikam.example', displayName: 'u1' };

  it('creates a plain user by default', () => {
    given(customer())
      .when('CreateCustomerUser', cmd, { actor: cadmin })
      .thenEmits({ [C]: [userCreated('u1')] })
      .thenIds({ userId: 'u1' });
  });

  it('creates another global admin when asked, and generates the id when none is given', () => {
    given(customer())
      .when('CreateCustomerUser', { ...cmd, userId: undefined, role: 'global-admin' }, { actor: cadmin })
      .thenEmits({
        [C]: [
          {
            type: 'CustomerUserCreated',
            data: {
              customerId: 'c1',
              userId: 'new-userId',
              email: 'u1@fabrikam.example',
              displayName: 'u1',
              role: 'global-admin',
            },
          },
        ],
      })
      .thenIds({ userId: 'new-userId' });
  });

  it('refuses an e-mail already used in the customer, whatever its case', () => {
    given(customer(userCreated('u1')))
      .when('CreateCustomerUser', { ...cmd, userId: 'u2', email: 'U1@Fabrikam.example' }, { actor: cadmin })
      .thenRefused('email-already-used', { userId: 'u1' });
  });

  it('refuses a user id that exists', () => {
    given(customer(userCreated('u1', 'user', 'other@fabrikam.example')))
      .when('CreateCustomerUser', cmd, { actor: cadmin })
      .thenRefused('customer-user-exists', { userId: 'u1' });
  });

  it('refuses an unknown role, an invalid e-mail and an empty name', () => {
    given(customer())
      .when('CreateCustomerUser', { ...cmd, role: 'billing-admin' }, { actor: cadmin })
      .thenRefused('invalid-customer-role');
    given(customer())
      .when('CreateCustomerUser', { ...cmd, email: 'not-an-email' }, { actor: cadmin })
      .thenRefused('invalid-email');
    given(customer())
      .when('CreateCustomerUser', { ...cmd, displayName: '  ' }, { actor: cadmin })
      .thenRefused('invalid-field', { field: 'displayName' });
  });

  it('is refused to a plain user of the customer', () => {
    given(customer(userCreated('u0')))
      .when('CreateCustomerUser', cmd, { actor: customerUser('u0') })
      .thenRefused('access-denied', { action: 'manage-users', role: 'user' });
  });

  it('is refused to a deactivated admin, and to someone who is not a user of the customer', () => {
    given(customer(userCreated('a2', 'global-admin'), deactivated('a2')))
      .when('CreateCustomerUser', cmd, { actor: customerUser('a2') })
      .thenRefused('actor-inactive');
    given(customer())
      .when('CreateCustomerUser', cmd, { actor: customerUser('ghost') })
      .thenRefused('actor-not-a-customer-user');
  });

  it('answers not-found outside the tenant: another customer, an unknown customer', () => {
    given(customer())
      .when('CreateCustomerUser', cmd, { actor: customerUser('cadmin', 'c2') })
      .thenRefused('customer-not-found');
    given()
      .when('CreateCustomerUser', cmd, { actor: cadmin })
      .thenRefused('customer-not-found', { customerId: 'c1' });
  });

  it("refuses a partner's user without a delegation (changed with delegated administration)", () => {
    given({
      ...customer(),
      'partner-p1': [...authorizedPartner(['delegated-admin-certified']), roleAssigned('admin', 'full')],
    })
      .when('CreateCustomerUser', cmd, { actor: partnerUser('admin') })
      .thenRefused('no-delegation', { customerId: 'c1', partnerId: 'p1' });
  });

  it('is refused to the platform (a tenant is run by its own admins)', () => {
    given(customer()).when('CreateCustomerUser', cmd, { actor: platform }).thenRefused('access-denied');
  });
});

describe('DeactivateCustomerUser', () => {
  it('deactivates a user', () => {
    given(customer(userCreated('u1')))
      .when('DeactivateCustomerUser', { customerId: 'c1', userId: 'u1' }, { actor: cadmin })
      .thenEmits({ [C]: [deactivated('u1')] });
  });

  it('changes nothing for a user already deactivated', () => {
    given(customer(userCreated('u1'), deactivated('u1')))
      .when('DeactivateCustomerUser', { customerId: 'c1', userId: 'u1' }, { actor: cadmin })
      .thenNothing();
  });

  it('refuses to deactivate the last active global admin', () => {
    given(customer())
      .when('DeactivateCustomerUser', { customerId: 'c1', userId: 'cadmin' }, { actor: cadmin })
      .thenRefused('last-global-admin', { userId: 'cadmin' });
    given(customer(userCreated('a2', 'global-admin'), deactivated('a2')))
      .when('DeactivateCustomerUser', { customerId: 'c1', userId: 'cadmin' }, { actor: cadmin })
      .thenRefused('last-global-admin');
  });

  it('deactivates an admin while another active admin remains (even oneself)', () => {
    given(customer(userCreated('a2', 'global-admin')))
      .when('DeactivateCustomerUser', { customerId: 'c1', userId: 'cadmin' }, { actor: cadmin })
      .thenEmits({ [C]: [deactivated('cadmin')] });
  });

  it('answers not-found for an unknown user', () => {
    given(customer())
      .when('DeactivateCustomerUser', { customerId: 'c1', userId: 'ghost' }, { actor: cadmin })
      .thenRefused('customer-user-not-found', { userId: 'ghost' });
  });

  it('is refused to a plain user', () => {
    given(customer(userCreated('u1'), userCreated('u2')))
      .when('DeactivateCustomerUser', { customerId: 'c1', userId: 'u2' }, { actor: customerUser('u1') })
      .thenRefused('access-denied');
  });
});
