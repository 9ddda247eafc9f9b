import type { JsonObject, RecordedEvent } from '@pc/event-store';
import { EventLog, InMemoryReadModel, project } from '@pc/projections/testing';
import { activityLogProjection } from './activity-log.projection';
import { resourceOf, valueChangesOf } from './activity-entry';

const AT = '2026-01-05T09:00:00.000Z';

/** The pipeline's metadata envelope (libs/pipeline), for one command. */
const envelope = (commandType: string, actor: JsonObject, service = 'admin-center'): JsonObject => ({
  commandId: `cmd-${commandType}`,
  commandType,
  correlationId: `corr-${commandType}`,
  causationId: `cmd-${commandType}`,
  actor,
  service: { kind: 'service', id: service },
  occurredAt: AT,
  schemaVersion: 1,
  prevHash: '0'.repeat(64),
  hash: 'f'.repeat(64),
});

const platform = { kind: 'platform', id: 'ops' };
const jana = { kind: 'partner-user', id: 'jana', partnerId: 'contoso' };
const alphaAdmin = { kind: 'customer-user', id: 'ann', customerId: 'alpha' };

describe('activity log projection', () => {
  let log: EventLog;
  let model: InMemoryReadModel;
  const given = async (...events: RecordedEvent[]) => {
    await model.given(...events);
    return events;
  };
  const rowAt = (event: RecordedEvent) =>
    model.rows('entries').find((row) => row.position === event.position);

  beforeEach(() => {
    log = new EventLog();
    model = new InMemoryReadModel(activityLogProjection);
  });

  it('a platform command: who, which service, which operation, on which resource, when, ids', async () => {
    const [registered] = await given(
      log.next({
        type: 'PartnerRegistered',
        streamName: 'partner-contoso',
        data: { partnerId: 'contoso', profile: { legalName: 'Contoso' }, verification: 'pending' },
        metadata: envelope('RegisterPartner', platform, 'onboarding-service'),
      }),
    );
    expect(model.rows('entries')).toEqual([
      {
        position: registered.position,
        event_id: registered.id,
        event_type: 'PartnerRegistered',
        stream_name: 'partner-contoso',
        revision: 0,
        resource_type: 'partner',
        resource_id: 'contoso',
        command_type: 'RegisterPartner',
        command_id: 'cmd-RegisterPartner',
        correlation_id: 'corr-RegisterPartner',
        causation_id: 'cmd-RegisterPartner',
        actor_kind: 'platform',
        actor_id: 'ops',
        actor_partner_id: null,
        actor_customer_id: null,
        service_id: 'onboarding-service',
        // The platform acts in its own name.
        on_behalf_of_kind: null,
        on_behalf_of_id: null,
        partner_id: 'contoso',
        other_partner_id: null,
        customer_id: null,
        changes: null,
        occurred_at: AT,
        recorded_at: registered.recordedAt,
      },
    ]);
  });

  it('a partner user on its own partner: on behalf of the partner, with old → new values', async () => {
    const [updated] = await given(
      log.next({
        type: 'CompanyProfileUpdated',
        streamName: 'partner-contoso',
        data: { partnerId: 'contoso', changes: { phone: { from: '+421 1', to: '+421 2' } } },
        metadata: envelope('UpdateCompanyProfile', jana),
      }),
    );
    expect(rowAt(updated)).toMatchObject({
      actor_kind: 'partner-user',
      actor_id: 'jana',
      actor_partner_id: 'contoso',
      on_behalf_of_kind: 'partner',
      on_behalf_of_id: 'contoso',
      partner_id: 'contoso',
      changes: { phone: { from: '+421 1', to: '+421 2' } },
    });
  });

  it("a delegated partner user in a customer's records: on behalf of the customer, filed under both", async () => {
    const felix = { kind: 'partner-user', id: 'felix', partnerId: 'contoso' };
    const [reset] = await given(
      log.next({
        type: 'CustomerUserPasswordReset',
        streamName: 'customer-alpha',
        data: { customerId: 'alpha', userId: 'bob', byPartnerId: 'contoso', byUserId: 'felix' },
        metadata: envelope('ResetCustomerUserPassword', felix),
      }),
    );
    expect(rowAt(reset)).toMatchObject({
      resource_type: 'customer',
      resource_id: 'alpha',
      actor_id: 'felix',
      on_behalf_of_kind: 'customer',
      on_behalf_of_id: 'alpha',
      partner_id: 'contoso',
      other_partner_id: null,
      customer_id: 'alpha',
    });
  });

  // Regression (review): filed under the acting partner only, the entry was missing from the activity
  // of the partner that sold the subscription, which the audit log's partner filter includes.
  it("another partner's delegated admin changing a subscription: filed under both partners", async () => {
    const felix = { kind: 'partner-user', id: 'felix', partnerId: 'fabrikam' };
    const [suspended] = await given(
      log.next({
        type: 'SubscriptionSuspended',
        streamName: 'customer-alpha',
        data: { customerId: 'alpha', subscriptionId: 's1', offerId: 'o1', partnerId: 'contoso' },
        metadata: envelope('SuspendSubscription', felix),
      }),
    );
    expect(rowAt(suspended)).toMatchObject({
      partner_id: 'fabrikam',
      other_partner_id: 'contoso',
      customer_id: 'alpha',
    });
  });

  it('a customer user: on behalf of its customer; value changes at the top level of the data', async () => {
    const [changed] = await given(
      log.next({
        type: 'LicenseCountChanged',
        streamName: 'customer-alpha',
        data: {
          customerId: 'alpha',
          subscriptionId: 's1',
          offerId: 'o1',
          partnerId: 'contoso',
          partnerOfRecordId: 'contoso',
          licenses: { from: 10, to: 15 },
        },
        metadata: envelope('ChangeLicenseCount', alphaAdmin, 'customer-portal'),
      }),
    );
    expect(rowAt(changed)).toMatchObject({
      on_behalf_of_kind: 'customer',
      on_behalf_of_id: 'alpha',
      partner_id: 'contoso',
      customer_id: 'alpha',
      changes: { licenses: { from: 10, to: 15 } },
    });
  });

  it('previousX beside x is an old → new value too', () => {
    expect(valueChangesOf({ userId: 'u', role: 'full', previousRole: null, scope: 'customers' })).toEqual({
      role: { from: null, to: 'full' },
    });
    expect(valueChangesOf({ customerId: 'a', partnerId: 'p2', previousPartnerId: 'p1' })).toEqual({
      partnerId: { from: 'p1', to: 'p2' },
    });
    // Periods and other objects with from/until are not changes; nor is a lone `from`.
    expect(valueChangesOf({ period: { from: 'a', until: null }, range: { from: 'x' } })).toBeNull();
  });

  it('resource type and id from the stream name, longest prefix first', () => {
    expect(resourceOf('customer-domain-alpha.example')).toEqual({
      type: 'customer-domain-claim',
      id: 'alpha.example',
    });
    expect(resourceOf('product-key-batch-b1')).toEqual({ type: 'product-key-batch', id: 'b1' });
    expect(resourceOf('product-key-3fa9')).toEqual({ type: 'product-key', id: '3fa9' });
    expect(resourceOf('trial-invite-inv-1')).toEqual({ type: 'trial-invite', id: 'inv-1' });
    expect(resourceOf('purchase-offer-po-1')).toEqual({ type: 'purchase-offer', id: 'po-1' });
    expect(resourceOf('widget-7')).toEqual({ type: 'widget', id: '7' });
    expect(resourceOf('singleton')).toEqual({ type: 'singleton', id: 'singleton' });
  });

  it('events without the envelope (tools) and of unknown types still get a row', async () => {
    const [bare] = await given(log.next({ type: 'SomethingNew', streamName: 'widget-7', data: { a: 1 } }));
    expect(rowAt(bare)).toMatchObject({
      event_type: 'SomethingNew',
      resource_type: 'widget',
      command_type: null,
      actor_kind: null,
      service_id: null,
      partner_id: null,
      occurred_at: bare.recordedAt,
    });
  });

  it('one row per event, never removed; a replay of the same events gives the same rows', async () => {
    const events = [
      log.next({ type: 'A', streamName: 'partner-p1', metadata: envelope('X', platform) }),
      log.next({ type: 'B', streamName: 'customer-c1', metadata: envelope('Y', alphaAdmin) }),
      log.next({ type: 'A', streamName: 'partner-p1', metadata: envelope('X', platform) }),
    ];
    await given(...events);
    const rows = model.rows('entries');
    expect(rows.map((row) => row.position)).toEqual(events.map((event) => event.position));
    expect((await project(activityLogProjection, events)).entries).toEqual(rows);
  });
});
