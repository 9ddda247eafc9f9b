import type { RecordedEvent } from '@pc/event-store';
import { occurredAt, optionalText, text } from '../shared/event-data';
import { grant, holdsAt, parsePeriods, periodsJson, revoke } from '../shared/periods';
import { type ApplyFn, type Change, defineProjection, patch, type ReadView, upsert } from '../shared/runtime';
import { changesOf, NOTIFICATION_KINDS, type NotificationEventType } from './notification-kinds';

/**
 * POR notifications inbox: per partner, one notification for each subscription change of a
 * customer whose CURRENT Partner of Record it is, newest first, with what changed. A POR that does
 * not hold the advisor authorization at the event's business time gets no new notifications (its
 * old ones stay). Reading is an event too (PorNotificationsMarkedRead), so the inbox stays
 * disposable: by ids (a flag on each row) or everything up to a position (a per-partner watermark,
 * one write however many notifications it covers; the query applies it).
 *
 * Helper tables: `customers` (name and current POR, from CustomerCreated / PartnerOfRecordChanged)
 * and `advisors` (each partner's advisor periods, from AuthorizationGranted / AuthorizationRevoked).
 */
export const POR_INBOX = 'por_inbox';

async function notify(event: RecordedEvent, view: ReadView): Promise<Change[]> {
  const customerId = text(event.data, 'customerId');
  const customer = await view.get('customers', { customer_id: customerId });
  // The helper knows the current POR; the event's own `partnerOfRecordId` (same customer stream, so
  // the same answer) covers a customer the inbox never saw created.
  const partnerId =
    (typeof customer?.por_partner_id === 'string' ? customer.por_partner_id : null) ??
    optionalText(event.data, 'partnerOfRecordId');
  if (partnerId === null) return [];
  const at = occurredAt(event);
  const advisor = await view.get('advisors', { partner_id: partnerId });
  if (!holdsAt(parsePeriods(advisor?.periods), at)) return [];
  const type = event.type as NotificationEventType;
  return [
    upsert(
      'notifications',
      { partner_id: partnerId, notification_id: event.id },
      {
        position: event.position,
        kind: NOTIFICATION_KINDS[type],
        customer_id: customerId,
        customer_name: typeof customer?.name === 'string' ? customer.name : customerId,
        subscription_id: text(event.data, 'subscriptionId'),
        offer_id: text(event.data, 'offerId'),
        changes: changesOf(type, event.data),
        occurred_at: at,
        is_read: false,
      },
    ),
  ];
}

const advisorChange =
  (granted: boolean): ApplyFn =>
  async (event, view) => {
    if (text(event.data, 'authorization') !== 'advisor') return [];
    const key = { partner_id: text(event.data, 'partnerId') };
    const periods = parsePeriods((await view.get('advisors', key))?.periods);
    const from = text(event.data, 'effectiveFrom');
    return [
      upsert('advisors', key, {
        periods: periodsJson(granted ? grant(periods, from) : revoke(periods, from)),
      }),
    ];
  };

async function markedRead(event: RecordedEvent, view: ReadView): Promise<Change[]> {
  const partnerId = text(event.data, 'partnerId');
  const ids = Array.isArray(event.data.notificationIds) ? event.data.notificationIds.map(String) : [];
  // patch: ids of other partners' (or unknown) notifications change nothing.
  const changes: Change[] = [...new Set(ids)].map((id) =>
    patch('notifications', { partner_id: partnerId, notification_id: id }, { is_read: true }),
  );
  // "All" means everything the log held when the partner marked: up to this very event. A given
  // position never reaches past the mark itself: notifications written later are unread, whatever
  // the position said (the command checks its form; older marks in the log may not have had it).
  const given = optionalText(event.data, 'upToPosition');
  const upTo = event.data.all === true || (given !== null && given > event.position) ? event.position : given;
  if (upTo !== null) {
    const mark = await view.get('read_marks', { partner_id: partnerId });
    const current = typeof mark?.read_up_to === 'string' ? mark.read_up_to : '';
    if (upTo > current) changes.push(upsert('read_marks', { partner_id: partnerId }, { read_up_to: upTo }));
  }
  return changes;
}

const notifications = Object.fromEntries(
  (Object.keys(NOTIFICATION_KINDS) as NotificationEventType[]).map((type) => [type, notify]),
) as Record<NotificationEventType, ApplyFn>;

export const porInboxProjection = defineProjection({
  name: POR_INBOX,
  // 2: a read mark's position is bounded by the mark's own.
  version: 2,
  schema: {
    tables: {
      customers: {
        columns: { customer_id: 'text', name: 'text', por_partner_id: { type: 'text', nullable: true } },
        primaryKey: ['customer_id'],
      },
      advisors: {
        columns: { partner_id: 'text', periods: 'json' },
        primaryKey: ['partner_id'],
      },
      notifications: {
        columns: {
          partner_id: 'text',
          /** The id of the subscription event it tells about. */
          notification_id: 'text',
          /** Global position of that event: the newest-first order and the paging key. */
          position: 'text',
          kind: 'text',
          customer_id: 'text',
          customer_name: 'text',
          subscription_id: 'text',
          offer_id: 'text',
          changes: 'json',
          occurred_at: 'text',
          /** Marked read by id; the partner's read_up_to watermark applies on top at query time. */
          is_read: 'boolean',
        },
        primaryKey: ['partner_id', 'notification_id'],
        indexes: {
          by_position: { columns: ['partner_id', 'position'] },
          by_unread: { columns: ['partner_id', 'is_read', 'position'] },
          by_kind: { columns: ['partner_id', 'kind', 'position'] },
          by_customer: { columns: ['partner_id', 'customer_id', 'position'] },
        },
        partnerIdColumn: 'partner_id',
      },
      read_marks: {
        columns: { partner_id: 'text', read_up_to: 'text' },
        primaryKey: ['partner_id'],
        partnerIdColumn: 'partner_id',
      },
    },
  },
  on: {
    CustomerCreated: (event) => [
      upsert(
        'customers',
        { customer_id: text(event.data, 'customerId') },
        { name: text(event.data, 'companyName'), por_partner_id: null },
      ),
    ],
    PartnerOfRecordChanged: async (event, view) => {
      const key = { customer_id: text(event.data, 'customerId') };
      const customer = await view.get('customers', key);
      const values = { por_partner_id: text(event.data, 'partnerId') };
      return [
        customer
          ? patch('customers', key, values)
          : upsert('customers', key, { name: key.customer_id, ...values }),
      ];
    },
    AuthorizationGranted: advisorChange(true),
    AuthorizationRevoked: advisorChange(false),
    ...notifications,
    PorNotificationsMarkedRead: markedRead,
  },
});
