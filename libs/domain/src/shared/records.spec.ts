import { createDomainCommands } from '../registry';
import {
  customerCreated,
  customerUser,
  partnerUser,
  platform,
  registered,
  subscriptionStarted,
  testCatalog,
} from '../testing/fixtures';
import { commandSpec } from '../testing/spec';
import { entryOf } from './records';

const given = commandSpec(createDomainCommands(testCatalog));
const P = 'partner-p1';
const C = 'customer-c1';
const admin = partnerUser('admin');
const cadmin = customerUser('cadmin');

/** Names every plain object answers through its prototype. */
const INHERITED = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];

describe('entryOf', () => {
  it('finds own entries only', () => {
    const record: Record<string, number> = { a: 1 };
    expect(entryOf(record, 'a')).toBe(1);
    for (const name of INHERITED) expect(entryOf(record, name)).toBeUndefined();
  });
});

// Regression: ids from URLs were looked up with record[id], so "constructor" passed for an existing
// subscription, user, delegation or service request: a cancel wrote an event without a subscription
// id (which stopped the client list), a reactivation created a phantom user.
describe.each(INHERITED)('an id named after an inherited member (%s) names nothing', (id) => {
  const customer = { [C]: [...customerCreated(), subscriptionStarted()] };

  it('is no subscription', () => {
    given(customer)
      .when('CancelSubscription', { customerId: 'c1', subscriptionId: id }, { actor: cadmin })
      .thenRefused('subscription-not-found');
  });

  it('is no customer user, and no acting user', () => {
    given(customer)
      .when('DeactivateCustomerUser', { customerId: 'c1', userId: id }, { actor: cadmin })
      .thenRefused('customer-user-not-found');
    given(customer)
      .when('CancelSubscription', { customerId: 'c1', subscriptionId: 's2' }, { actor: customerUser(id) })
      .thenRefused('actor-not-a-customer-user');
  });

  it('is no delegation and no service request', () => {
    given(customer)
      .when('AcceptDelegation', { customerId: 'c1', delegationId: id }, { actor: cadmin })
      .thenRefused('delegation-not-found');
    given(customer)
      .when('CloseServiceRequest', { customerId: 'c1', serviceRequestId: id }, { actor: cadmin })
      .thenRefused('service-request-not-found');
  });

  it('is no partner user, and may be a new user’s id', () => {
    given({ [P]: registered() })
      .when('ReactivatePartnerUser', { partnerId: 'p1', userId: id }, { actor: admin })
      .thenRefused('partner-user-not-found');
    given({ [P]: registered() })
      .when('UpdatePartnerUser', { partnerId: 'p1', userId: id, displayName: 'X' }, { actor: admin })
      .thenRefused('partner-user-not-found');
    given({ [P]: registered() })
      .when(
        'CreatePartnerUser',
        { partnerId: 'p1', userId: id, email: 'x@contoso.example', displayName: 'X' },
        { actor: admin },
      )
      .thenIds({ userId: id });
  });

  it('is no authorization', () => {
    given({ [P]: registered() })
      .when('GrantAuthorization', { partnerId: 'p1', authorization: id }, { actor: platform })
      .thenRefused('unknown-authorization');
  });
});
