import type { JsonObject, JsonValue } from '@pc/event-store';
import { optionalObject } from '../shared/event-data';

/**
 * Which subscription events a Partner of Record is told about, and what changed in each (before →
 * after). Every subscription event carries its own before/after values, so a notification needs no
 * other state than the customer's current POR.
 */
export const NOTIFICATION_KINDS = {
  TrialStarted: 'trial-started',
  SubscriptionStarted: 'subscription-started',
  LicenseCountChanged: 'licenses-changed',
  TrialConverted: 'trial-converted',
  TrialExpiring: 'trial-expiring',
  TrialExpired: 'trial-expired',
  SubscriptionRenewed: 'renewed',
  SubscriptionSuspended: 'suspended',
  SubscriptionReactivated: 'reactivated',
  SubscriptionCancelled: 'cancelled',
} as const;

export type NotificationEventType = keyof typeof NOTIFICATION_KINDS;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[NotificationEventType];
export const NOTIFICATION_KIND_VALUES = Object.values(NOTIFICATION_KINDS) as NotificationKind[];

type Changes = Record<string, { from: JsonValue; to: JsonValue }>;

const created = (data: JsonObject, count: string): Changes => ({
  licenses: { from: null, to: data[count] ?? null },
  status: { from: null, to: 'active' },
  endsAt: { from: null, to: data.endsAt ?? null },
});

/** The `{ field: { from, to } }` of a notification, from the event's own data. */
export function changesOf(type: NotificationEventType, data: JsonObject): Changes {
  switch (type) {
    case 'TrialStarted':
      return created(data, 'seats');
    case 'SubscriptionStarted':
      return created(data, 'licenses');
    case 'TrialExpiring':
      return {
        daysLeft: { from: null, to: data.daysLeft ?? null },
        endsAt: { from: null, to: data.endsAt ?? null },
      };
    case 'SubscriptionCancelled':
      return { ...pick(data, ['status']), licenses: { from: data.licenses ?? null, to: 0 } };
    default:
      return pick(data, ['licenses', 'endsAt', 'status']);
  }
}

/** The ValueChange fields among `fields` present in the data. */
function pick(data: JsonObject, fields: string[]): Changes {
  const out: Changes = {};
  for (const field of fields) {
    const change = optionalObject(data, field);
    if (change && 'from' in change && 'to' in change) out[field] = { from: change.from, to: change.to };
  }
  return out;
}
