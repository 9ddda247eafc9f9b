import { createDomainCommands } from '../registry';
import type { DomainEvent } from '../shared/types';
import { commandSpec, SPEC_NOW } from '../testing/spec';
import {
  customerCreated,
  customerUser,
  delegatedAdminPartner,
  delegationInForce,
  delegationOffered,
  partnerUser,
  platform,
  testCatalog,
} from '../testing/fixtures';

const given = commandSpec(createDomainCommands(testCatalog));
const C = 'customer-c1';
const P = 'partner-p1';
const NOW = SPEC_NOW;
const cadmin = customerUser('cadmin');
const full1 = partnerUser('full1');
const lim1 = partnerUser('lim1');
const byFull1 = { kind: 'partner-user', userId: 'full1', partnerId: 'p1' };
const byCadmin = { kind: 'customer-user', userId: 'cadmin', partnerId: null };

const world = (...more: DomainEvent[]) => ({
  [P]: delegatedAdminPartner(),
  [C]: [...customerCreated(), ...delegationInForce(), ...more],
});
const create = {
  customerId: 'c1',
  serviceRequestId: 'sr1',
  title: ' Mail not delivered ',
  description: 'Since Monday no mail reaches the sales team.',
  severity: 'high',
};
const created = (openedBy: object = byFull1): DomainEvent => ({
  type: 'ServiceRequestCreated',
  data: {
    customerId: 'c1',
    serviceRequestId: 'sr1',
    title: 'Mail not delivered',
    description: 'Since Monday no mail reaches the sales team.',
    severity: 'high',
    openedBy,
    openedAt: NOW,
  },
});
const closed: DomainEvent = {
  type: 'ServiceRequestClosed',
  data: { customerId: 'c1', serviceRequestId: 'sr1', resolution: null, closedBy: byCadmin, closedAt: NOW },
};
const sr1 = { customerId: 'c1', serviceRequestId: 'sr1' };

describe('CreateServiceRequest', () => {
  it('a delegated admin with full access opens one on the customer’s behalf, in the customer stream', () => {
    given(world())
      .when('CreateServiceRequest', create, { actor: full1 })
      .thenEmits({ [C]: [created()] })
      .thenIds({ serviceRequestId: 'sr1' });
  });

  it("the customer's own admin opens one too; the id is generated when none is given", () => {
    given(world())
      .when('CreateServiceRequest', { ...create, serviceRequestId: undefined }, { actor: cadmin })
      .thenIds({ serviceRequestId: 'new-serviceRequestId' });
  });

  it('accepts each severity and refuses another', () => {
    for (const severity of ['critical', 'high', 'normal', 'low']) {
      given(world())
        .when('CreateServiceRequest', { ...create, severity }, { actor: full1 })
        .thenIds({ serviceRequestId: 'sr1' });
    }
    given(world())
      .when('CreateServiceRequest', { ...create, severity: 'urgent' }, { actor: full1 })
      .thenRefused('invalid-severity', { severity: 'urgent' });
  });

  it('refuses an empty or too long title or description', () => {
    given(world())
      .when('CreateServiceRequest', { ...create, title: '  ' }, { actor: full1 })
      .thenRefused('invalid-field', { field: 'title' });
    given(world())
      .when('CreateServiceRequest', { ...create, title: 'x'.repeat(201) }, { actor: full1 })
      .thenRefused('invalid-field', { field: 'title' });
    given(world())
      .when('CreateServiceRequest', { ...create, description: '' }, { actor: full1 })
      .thenRefused('invalid-field', { field: 'description' });
  });

  it('refuses an id already used', () => {
    given(world(created()))
      .when('CreateServiceRequest', create, { actor: full1 })
      .thenRefused('service-request-exists', { serviceRequestId: 'sr1' });
  });

  it('needs full access: limited delegation or limited user are refused, and so is a pending delegation', () => {
    given({ ...world(), [C]: [...customerCreated(), ...delegationInForce({ access: 'limited' })] })
      .when('CreateServiceRequest', create, { actor: full1 })
      .thenRefused('access-too-low', { required: 'full', held: 'limited' });
    given(world())
      .when('CreateServiceRequest', create, { actor: lim1 })
      .thenRefused('access-denied', { action: 'administer-customers' });
    given({ ...world(), [C]: [...customerCreated(), delegationOffered()] })
      .when('CreateServiceRequest', create, { actor: full1 })
      .thenRefused('delegation-pending');
  });

  it('is refused to the platform and to a plain user of the customer', () => {
    given(world()).when('CreateServiceRequest', create, { actor: platform }).thenRefused('access-denied');
    given(
      world({
        type: 'CustomerUserCreated',
        data: {
          customerId: 'c1',
          userId: 'u1',
          email: 'u1@fabrikam.example',
          displayName: 'U',
          role: 'user',
        },
      }),
    )
      .when('CreateServiceRequest', create, { actor: customerUser('u1') })
      .thenRefused('access-denied', { action: 'manage-service-requests' });
  });
});

describe('UpdateServiceRequest', () => {
  it('records each changed field, before → after', () => {
    given(world(created()))
      .when(
        'UpdateServiceRequest',
        { ...sr1, severity: 'critical', title: 'Mail not delivered' },
        { actor: cadmin },
      )
      .thenEmits({
        [C]: [
          {
            type: 'ServiceRequestUpdated',
            data: {
              ...sr1,
              changes: { severity: { from: 'high', to: 'critical' } },
              updatedBy: byCadmin,
              updatedAt: NOW,
            },
          },
        ],
      });
    given(world(created()))
      .when('UpdateServiceRequest', { ...sr1, description: 'Fixed MX, still failing.' }, { actor: full1 })
      .thenEmits({
        [C]: [
          {
            type: 'ServiceRequestUpdated',
            data: {
              ...sr1,
              changes: {
                description: {
                  from: 'Since Monday no mail reaches the sales team.',
                  to: 'Fixed MX, still failing.',
                },
              },
              updatedBy: byFull1,
              updatedAt: NOW,
            },
          },
        ],
      });
  });

  it('changes nothing when nothing changes', () => {
    given(world(created()))
      .when('UpdateServiceRequest', { ...sr1, severity: 'high' }, { actor: full1 })
      .thenNothing();
  });

  it('refuses a closed request, an unknown one, and an invalid severity', () => {
    given(world(created(), closed))
      .when('UpdateServiceRequest', { ...sr1, severity: 'low' }, { actor: full1 })
      .thenRefused('service-request-closed');
    given(world())
      .when('UpdateServiceRequest', { ...sr1, severity: 'low' }, { actor: full1 })
      .thenRefused('service-request-not-found', { serviceRequestId: 'sr1' });
    given(world(created()))
      .when('UpdateServiceRequest', { ...sr1, severity: 'p1' }, { actor: full1 })
      .thenRefused('invalid-severity');
  });

  it('needs full access: a limited delegation or a limited user are refused', () => {
    given({ ...world(), [C]: [...customerCreated(), ...delegationInForce({ access: 'limited' }), created()] })
      .when('UpdateServiceRequest', { ...sr1, severity: 'low' }, { actor: full1 })
      .thenRefused('access-too-low', { required: 'full', held: 'limited' });
    given(world(created()))
      .when('UpdateServiceRequest', { ...sr1, severity: 'low' }, { actor: lim1 })
      .thenRefused('access-denied', { action: 'administer-customers' });
  });

  it('is refused once the delegation was removed', () => {
    given(
      world(created(), {
        type: 'DelegationRemoved',
        data: {
          customerId: 'c1',
          partnerId: 'p1',
          delegationId: 'd1',
          access: 'full',
          wasStatus: 'active',
          removedBy: { side: 'customer', userId: 'cadmin' },
          removedAt: NOW,
          startsAt: '2025-12-02T00:00:00.000Z',
          endsAt: '2027-12-02T00:00:00.000Z',
        },
      }),
    )
      .when('UpdateServiceRequest', { ...sr1, severity: 'low' }, { actor: full1 })
      .thenRefused('no-delegation', { lastStatus: 'removed' });
  });
});

describe('CloseServiceRequest', () => {
  it('closes with an optional resolution', () => {
    given(world(created()))
      .when('CloseServiceRequest', { ...sr1, resolution: ' MX record corrected ' }, { actor: full1 })
      .thenEmits({
        [C]: [
          {
            type: 'ServiceRequestClosed',
            data: { ...sr1, resolution: 'MX record corrected', closedBy: byFull1, closedAt: NOW },
          },
        ],
      });
    given(world(created()))
      .when('CloseServiceRequest', sr1, { actor: cadmin })
      .thenEmits({ [C]: [closed] });
  });

  it('changes nothing when closed already; answers not-found for an unknown request', () => {
    given(world(created(), closed)).when('CloseServiceRequest', sr1, { actor: full1 }).thenNothing();
    given(world())
      .when('CloseServiceRequest', sr1, { actor: full1 })
      .thenRefused('service-request-not-found');
  });

  it('needs full access', () => {
    given(world(created()))
      .when('CloseServiceRequest', sr1, { actor: lim1 })
      .thenRefused('access-denied', { action: 'administer-customers' });
  });

  it('needs full access from the customer too: a limited delegation is refused', () => {
    given({ ...world(), [C]: [...customerCreated(), ...delegationInForce({ access: 'limited' }), created()] })
      .when('CloseServiceRequest', sr1, { actor: full1 })
      .thenRefused('access-too-low', { required: 'full', held: 'limited' });
  });
});
