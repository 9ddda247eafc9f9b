import { createDomainCommands } from '../registry';
import { decideWithHistory } from '../shared/command';
import type { DomainEvent } from '../shared/types';
import { commandSpec, SPEC_NOW, specNewId } from '../testing/spec';
import {
  authorizedPartner,
  customerCreated,
  customerUser,
  delegatedAdminPartner,
  delegationInForce,
  delegationOffered,
  granted,
  partnerUser,
  platform,
  porChanged,
  subscriptionStarted,
  testCatalog,
  trialStarted,
} from '../testing/fixtures';

const commands = createDomainCommands(testCatalog);
const given = commandSpec(commands);
const C = 'customer-c1';
const P = 'partner-p1';
const NOW = SPEC_NOW;
const cadmin = customerUser('cadmin');
const admin = partnerUser('admin');
const full1 = partnerUser('full1');
const lim1 = partnerUser('lim1');

const plainUser: DomainEvent = {
  type: 'CustomerUserCreated',
  data: { customerId: 'c1', userId: 'u1', email: 'u1@fabrikam.example', displayName: 'U', role: 'user' },
};
const base = [...customerCreated(), porChanged('p1'), plainUser, subscriptionStarted()];
/** Customer c1 (admin cadmin, user u1, paid s2 of 10 licenses) with these delegation events; partner p1. */
const world = (...delegation: DomainEvent[]) => ({
  [P]: delegatedAdminPartner(),
  [C]: [...base, ...delegation],
});
const limited = () => delegationInForce({ access: 'limited' });
const s2 = { customerId: 'c1', subscriptionId: 's2' };
const subFacts = {
  customerId: 'c1',
  subscriptionId: 's2',
  offerId: 'office-business-basic',
  partnerId: 'p1',
  partnerOfRecordId: 'p1',
};
const delegationFacts = { customerId: 'c1', partnerId: 'p1', delegationId: 'd1', access: 'full' };
const ENDS = '2027-12-02T00:00:00.000Z';

describe('the streams of a command acting on a customer', () => {
  it("load the actor's partner (partner-{actor.partnerId}) beside the customer, for partner users only", () => {
    const ctx = (actor: typeof admin) => ({ actor, now: NOW, newId: specNewId });
    for (const type of [
      'ChangeLicenseCount',
      'CreateCustomerUser',
      'ResetCustomerUserPassword',
      'CreateServiceRequest',
    ]) {
      const definition = commands.get(type)!;
      const specs = definition.streams(s2, ctx(full1));
      expect(Object.values(specs).map((s) => s.stream)).toEqual([C, P]);
      expect(definition.primary).toBe('customer');
      expect(Object.values(definition.streams(s2, ctx(cadmin))).map((s) => s.stream)).toEqual([C]);
    }
  });
});

describe('ResetCustomerUserPassword', () => {
  const reset = (userId: string, byUserId: string, byPartnerId: string | null = 'p1') => ({
    type: 'CustomerUserPasswordReset',
    data: { customerId: 'c1', userId, byPartnerId, byUserId },
  });

  it('a limited delegated admin resets a user: only who and for whom is recorded, no password', () => {
    given(world(...limited()))
      .when('ResetCustomerUserPassword', { customerId: 'c1', userId: 'u1' }, { actor: lim1 })
      .thenEmits({ [C]: [reset('u1', 'lim1')] });
  });

  it('returns no secret either: the edge generates the temporary password after the decision', () => {
    const history: Record<string, DomainEvent[]> = world(...limited());
    const { result } = decideWithHistory(
      commands.get('ResetCustomerUserPassword')!,
      { customerId: 'c1', userId: 'u1' },
      { actor: lim1, now: NOW, newId: specNewId },
      (s) => history[s] ?? [],
    );
    expect(result.returned).toBeUndefined();
  });

  it("a full delegated admin resets a global admin's password", () => {
    given(world(...delegationInForce()))
      .when('ResetCustomerUserPassword', { customerId: 'c1', userId: 'cadmin' }, { actor: full1 })
      .thenEmits({ [C]: [reset('cadmin', 'full1')] });
  });

  it("resetting a global admin's password needs full on both sides: the user's role, and the delegation", () => {
    given(world(...delegationInForce()))
      .when('ResetCustomerUserPassword', { customerId: 'c1', userId: 'cadmin' }, { actor: lim1 })
      .thenRefused('access-denied', { action: 'administer-customers', customerAccess: 'limited' });
    given(world(...limited()))
      .when('ResetCustomerUserPassword', { customerId: 'c1', userId: 'cadmin' }, { actor: full1 })
      .thenRefused('access-too-low', { required: 'full', held: 'limited', delegationId: 'd1' });
  });

  it("the customer's own global admin resets too (byPartnerId null); a plain user may not", () => {
    given(world())
      .when('ResetCustomerUserPassword', { customerId: 'c1', userId: 'u1' }, { actor: cadmin })
      .thenEmits({ [C]: [reset('u1', 'cadmin', null)] });
    given(world())
      .when(
        'ResetCustomerUserPassword',
        { customerId: 'c1', userId: 'cadmin' },
        { actor: customerUser('u1') },
      )
      .thenRefused('access-denied', { action: 'reset-passwords' });
  });

  it('answers not-found for an unknown user, and refuses a deactivated one', () => {
    given(world(...limited()))
      .when('ResetCustomerUserPassword', { customerId: 'c1', userId: 'u9' }, { actor: lim1 })
      .thenRefused('customer-user-not-found', { userId: 'u9' });
    given(world(...limited(), { type: 'CustomerUserDeactivated', data: { customerId: 'c1', userId: 'u1' } }))
      .when('ResetCustomerUserPassword', { customerId: 'c1', userId: 'u1' }, { actor: lim1 })
      .thenRefused('customer-user-inactive', { userId: 'u1' });
  });

  it('is refused to a partner user without any supported-companies access, and to the platform', () => {
    given(world(...limited()))
      .when('ResetCustomerUserPassword', { customerId: 'c1', userId: 'u1' }, { actor: partnerUser('none1') })
      .thenRefused('access-denied', { action: 'reset-customer-passwords', customerAccess: null });
    given(world(...limited()))
      .when('ResetCustomerUserPassword', { customerId: 'c1', userId: 'u1' }, { actor: platform })
      .thenRefused('access-denied');
  });
});

describe('Acting for a customer: which condition failed', () => {
  const change = (actor = full1, now = NOW) =>
    ['ChangeLicenseCount', { ...s2, licenses: 20 }, { actor, now }] as const;
  const removed: DomainEvent = {
    type: 'DelegationRemoved',
    data: {
      ...delegationFacts,
      wasStatus: 'active',
      removedBy: { side: 'customer', userId: 'cadmin' },
      removedAt: NOW,
      startsAt: '2025-12-02T00:00:00.000Z',
      endsAt: ENDS,
    },
  };

  it('no-delegation: never offered, removed, declined, or an offer that expired', () => {
    given(world())
      .when(...change())
      .thenRefused('no-delegation', { customerId: 'c1', partnerId: 'p1', lastStatus: null });
    given(world(...delegationInForce(), removed))
      .when(...change())
      .thenRefused('no-delegation', { lastStatus: 'removed' });
    given(
      world(delegationOffered(), {
        type: 'DelegationDeclined',
        data: { ...delegationFacts, declinedBy: 'cadmin', declinedAt: NOW, startsAt: null, endsAt: null },
      }),
    )
      .when(...change())
      .thenRefused('no-delegation', { lastStatus: 'declined' });
    given(world(delegationOffered()))
      .when(...change(full1, '2026-03-01T00:00:00.000Z'))
      .thenRefused('no-delegation', { lastStatus: 'offer-expired' });
  });

  it('delegation-pending: offered, not yet accepted', () => {
    given(world(delegationOffered()))
      .when(...change())
      .thenRefused('delegation-pending', { delegationId: 'd1', offerExpiresAt: '2026-03-01T00:00:00.000Z' });
  });

  it('delegation-expired: at or after its end, whether or not the scheduler has ended it', () => {
    given(world(...delegationInForce()))
      .when(...change(full1, ENDS))
      .thenRefused('delegation-expired', { delegationId: 'd1', endsAt: ENDS });
    given(
      world(...delegationInForce(), {
        type: 'DelegationEnded',
        data: {
          ...delegationFacts,
          reason: 'term-ended',
          endedAt: ENDS,
          startsAt: '2025-12-02T00:00:00.000Z',
          endsAt: ENDS,
        },
      }),
    )
      .when(...change(full1, '2028-01-01T00:00:00.000Z'))
      .thenRefused('delegation-expired');
  });

  // Was: delegation-expired from its end until the scheduler's EndDelegation recorded the extension.
  it('an auto-extending delegation stays in force past its recorded end, before the scheduler extends it', () => {
    given(world(...delegationInForce({ access: 'limited', autoExtend: true })))
      .when('ResetCustomerUserPassword', { customerId: 'c1', userId: 'u1' }, { actor: lim1, now: ENDS })
      .thenEmits({
        [C]: [
          {
            type: 'CustomerUserPasswordReset',
            data: { customerId: 'c1', userId: 'u1', byPartnerId: 'p1', byUserId: 'lim1' },
          },
        ],
      });
    given(world(...delegationInForce({ access: 'limited', autoExtend: true })))
      .when(
        'ResetCustomerUserPassword',
        { customerId: 'c1', userId: 'u1' },
        { actor: lim1, now: '2028-09-01T00:00:00.000Z' },
      )
      .thenEmits({
        [C]: [
          {
            type: 'CustomerUserPasswordReset',
            data: { customerId: 'c1', userId: 'u1', byPartnerId: 'p1', byUserId: 'lim1' },
          },
        ],
      });
  });

  it('is in force up to the last millisecond before the end', () => {
    given(world(...delegationInForce()))
      .when(...change(full1, '2027-12-01T23:59:59.999Z'))
      .thenEmits({
        [C]: [{ type: 'LicenseCountChanged', data: { ...subFacts, licenses: { from: 10, to: 20 } } }],
      });
  });

  it('a delegation in force wins over a pending renewal; a pending renewal over an expired one', () => {
    const renewal = delegationOffered({
      delegationId: 'd2',
      offeredAt: '2027-11-01T00:00:00.000Z',
      offerExpiresAt: '2028-01-30T00:00:00.000Z',
    });
    given(world(...delegationInForce(), renewal))
      .when(...change(full1, '2027-11-15T00:00:00.000Z'))
      .thenEmits({
        [C]: [{ type: 'LicenseCountChanged', data: { ...subFacts, licenses: { from: 10, to: 20 } } }],
      });
    given(world(...delegationInForce(), renewal))
      .when(...change(full1, '2027-12-15T00:00:00.000Z'))
      .thenRefused('delegation-pending', { delegationId: 'd2' });
  });

  it('access-too-low: the customer granted limited, the action needs full', () => {
    given(world(...limited()))
      .when(...change())
      .thenRefused('access-too-low', {
        required: 'full',
        held: 'limited',
        customerId: 'c1',
        partnerId: 'p1',
      });
  });

  it("partner side first: the user's own role, deactivation, membership, the partner itself", () => {
    given(world(...delegationInForce()))
      .when(...change(lim1))
      .thenRefused('access-denied', { action: 'administer-customers', customerAccess: 'limited' });
    given(world(...delegationInForce()))
      .when(...change(partnerUser('ghost')))
      .thenRefused('actor-not-a-partner-user');
    given({
      ...world(...delegationInForce()),
      [P]: [
        ...delegatedAdminPartner(),
        { type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'full1' } },
      ],
    })
      .when(...change())
      .thenRefused('actor-inactive');
    given({ [C]: [...base, ...delegationInForce()] })
      .when(...change())
      .thenRefused('partner-not-found');
  });

  it('the partner must be certified for delegated administration, or an authorized service provider, now', () => {
    const revoked: DomainEvent = {
      type: 'AuthorizationRevoked',
      data: {
        partnerId: 'p1',
        authorization: 'delegated-admin-certified',
        effectiveFrom: '2025-12-15T00:00:00.000Z',
      },
    };
    given({ ...world(...delegationInForce()), [P]: [...delegatedAdminPartner(), revoked] })
      .when(...change())
      .thenRefused('partner-not-authorized-to-manage-clients', { partnerId: 'p1' });
    given({
      ...world(...delegationInForce()),
      [P]: [...delegatedAdminPartner(), revoked, granted('authorized-service-provider')],
    })
      .when(...change())
      .thenEmits({
        [C]: [{ type: 'LicenseCountChanged', data: { ...subFacts, licenses: { from: 10, to: 20 } } }],
      });
  });

  it("another partner's delegation does not help", () => {
    given({ ...world(...delegationInForce()), 'partner-p2': delegatedAdminPartner(undefined, 'p2') })
      .when(...change(partnerUser('full1', 'p2')))
      .thenRefused('no-delegation', { partnerId: 'p2' });
  });

  it('answers customer-not-found for an unknown customer', () => {
    given({ [P]: delegatedAdminPartner() })
      .when(...change())
      .thenRefused('customer-not-found');
  });
});

describe('Managing subscriptions on the customer’s behalf (full access)', () => {
  const inForce = () => world(...delegationInForce(), trialStarted({ offerId: 'office-business-premium' }));

  it('changes the license count', () => {
    given(inForce())
      .when('ChangeLicenseCount', { ...s2, licenses: 12 }, { actor: full1 })
      .thenEmits({
        [C]: [{ type: 'LicenseCountChanged', data: { ...subFacts, licenses: { from: 10, to: 12 } } }],
      });
  });

  it('cancels a subscription', () => {
    given(inForce())
      .when('CancelSubscription', s2, { actor: full1 })
      .thenEmits({
        [C]: [
          {
            type: 'SubscriptionCancelled',
            data: {
              ...subFacts,
              kind: 'paid',
              licenses: 10,
              cancelledAt: NOW,
              status: { from: 'active', to: 'cancelled' },
            },
          },
        ],
      });
  });

  it("suspends on the customer's behalf (the customer may lift it) and reactivates", () => {
    const suspended = {
      type: 'SubscriptionSuspended',
      data: {
        ...subFacts,
        by: 'customer',
        reason: 'paused',
        suspendedAt: NOW,
        status: { from: 'active', to: 'suspended' },
      },
    };
    given(inForce())
      .when('SuspendSubscription', { ...s2, reason: 'paused' }, { actor: full1 })
      .thenEmits({ [C]: [suspended] });
    given({ ...inForce(), [C]: [...inForce()[C], suspended] })
      .when('ReactivateSubscription', s2, { actor: full1 })
      .thenEmits({
        [C]: [
          {
            type: 'SubscriptionReactivated',
            data: { ...subFacts, reactivatedAt: NOW, status: { from: 'suspended', to: 'active' } },
          },
        ],
      });
  });

  it('is refused with limited access (a password admin’s permissions)', () => {
    given(world(...limited()))
      .when('CancelSubscription', s2, { actor: full1 })
      .thenRefused('access-too-low', { required: 'full', held: 'limited' });
    given(world(...limited()))
      .when('SuspendSubscription', s2, { actor: full1 })
      .thenRefused('access-too-low');
  });
});

describe('Managing the customer’s users on its behalf (full access)', () => {
  it('creates a user and deactivates one', () => {
    given(world(...delegationInForce()))
      .when(
        'CreateCustomerUser',
        { customerId: 'c1', userId: 'u2', email: 'u2@fabrikam.example', displayName: 'U2' },
        { actor: full1 },
      )
      .thenEmits({
        [C]: [
          {
            type: 'CustomerUserCreated',
            data: {
              customerId: 'c1',
              userId: 'u2',
              email: 'u2@fabrikam.example',
              displayName: 'U2',
              role: 'user',
            },
          },
        ],
      });
    given(world(...delegationInForce()))
      .when('DeactivateCustomerUser', { customerId: 'c1', userId: 'u1' }, { actor: full1 })
      .thenEmits({ [C]: [{ type: 'CustomerUserDeactivated', data: { customerId: 'c1', userId: 'u1' } }] });
  });

  it('is refused with limited access, or a limited user', () => {
    given(world(...limited()))
      .when('DeactivateCustomerUser', { customerId: 'c1', userId: 'u1' }, { actor: full1 })
      .thenRefused('access-too-low', { required: 'full', held: 'limited' });
    given(world(...limited()))
      .when(
        'CreateCustomerUser',
        { customerId: 'c1', userId: 'u2', email: 'u2@fabrikam.example', displayName: 'U2' },
        { actor: full1 },
      )
      .thenRefused('access-too-low', { required: 'full', held: 'limited' });
    given(world(...delegationInForce()))
      .when(
        'CreateCustomerUser',
        { customerId: 'c1', userId: 'u2', email: 'u2@fabrikam.example', displayName: 'U2' },
        { actor: lim1 },
      )
      .thenRefused('access-denied', { action: 'administer-customers' });
    given(world(...delegationInForce()))
      .when('DeactivateCustomerUser', { customerId: 'c1', userId: 'u1' }, { actor: lim1 })
      .thenRefused('access-denied', { action: 'administer-customers' });
  });
});

describe("The customer's own decisions stay its own", () => {
  it('a delegated admin may not answer delegation offers nor choose the Partner of Record', () => {
    const history = {
      ...world(
        ...delegationInForce(),
        delegationOffered({ delegationId: 'd2', offeredAt: NOW, offerExpiresAt: '2026-04-01T00:00:00.000Z' }),
      ),
      'partner-p2': authorizedPartner(['advisor'], 'p2'),
    };
    given(history)
      .when('AcceptDelegation', { customerId: 'c1', delegationId: 'd2', partnerId: 'p1' }, { actor: full1 })
      .thenRefused('customer-not-found');
    given(history)
      .when('ChangePartnerOfRecord', { customerId: 'c1', partnerId: 'p2' }, { actor: full1 })
      .thenRefused('customer-not-found');
    given(history)
      .when('ChangePartnerOfRecord', { customerId: 'c1', partnerId: 'p1' }, { actor: admin })
      .thenRefused('customer-not-found');
  });
});
