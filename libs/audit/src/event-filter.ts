import type { AllFilter, JsonObject, RecordedEvent } from '@pc/event-store';

/**
 * What an auditor can ask of the global log. Every member is optional; the members present must ALL
 * hold (AND). Kept separate from the port's AllFilter because the port only filters by prefix, and
 * most of these questions ("everything that touched partner X") are not prefix questions.
 */
export interface AuditEventFilter {
  /** Events of stream `partner-{id}`, or whose data.partnerId or metadata.actor.partnerId is the id. */
  partnerId?: string;
  /** Events of stream `customer-{id}`, or whose data.customerId or metadata.actor.customerId is the id. */
  customerId?: string;
  /** Exact event type. */
  eventType?: string;
  /** metadata.actor.id (the person or platform operator on whose behalf the command ran). */
  actorId?: string;
  /** Inclusive lower bound on metadata.occurredAt (business time), ISO-8601. */
  from?: string;
  /** Exclusive upper bound on metadata.occurredAt: windows [from, to) tile without overlap. */
  to?: string;
}

export const partnerStreamName = (partnerId: string): string => `partner-${partnerId}`;
export const customerStreamName = (customerId: string): string => `customer-${customerId}`;

const stringAt = (object: JsonObject | undefined, key: string): string | undefined => {
  const value = object?.[key];
  return typeof value === 'string' ? value : undefined;
};

const objectAt = (object: JsonObject, key: string): JsonObject | undefined => {
  const value = object[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
};

export const actorOf = (event: RecordedEvent): JsonObject | undefined => objectAt(event.metadata, 'actor');

/** True when the event is about (or was done on behalf of) the partner. */
export function concernsPartner(event: RecordedEvent, partnerId: string): boolean {
  return (
    event.streamName === partnerStreamName(partnerId) ||
    stringAt(event.data, 'partnerId') === partnerId ||
    stringAt(actorOf(event), 'partnerId') === partnerId
  );
}

/** True when the event is about (or was done on behalf of) the customer. */
export function concernsCustomer(event: RecordedEvent, customerId: string): boolean {
  return (
    event.streamName === customerStreamName(customerId) ||
    stringAt(event.data, 'customerId') === customerId ||
    stringAt(actorOf(event), 'customerId') === customerId
  );
}

/**
 * Compared as instants, not strings: a caller's `2026-01-05` and the stored `2026-01-05T00:00:00.000Z`
 * are the same moment but not the same text. NaN (unparseable) never matches.
 */
const instant = (iso: string | undefined): number => (iso === undefined ? Number.NaN : Date.parse(iso));

/** The pure predicate behind every filtered read. */
export function matchesAuditFilter(event: RecordedEvent, filter: AuditEventFilter): boolean {
  if (filter.eventType !== undefined && event.type !== filter.eventType) return false;
  if (filter.partnerId !== undefined && !concernsPartner(event, filter.partnerId)) return false;
  if (filter.customerId !== undefined && !concernsCustomer(event, filter.customerId)) return false;
  if (filter.actorId !== undefined && stringAt(actorOf(event), 'id') !== filter.actorId) return false;
  if (filter.from !== undefined || filter.to !== undefined) {
    const at = instant(stringAt(event.metadata, 'occurredAt'));
    if (Number.isNaN(at)) return false;
    if (filter.from !== undefined && at < instant(filter.from)) return false;
    if (filter.to !== undefined && at >= instant(filter.to)) return false;
  }
  return true;
}

/**
 * The part of the filter the store can apply itself (prefix filters), so fewer events cross the wire.
 * Only the event type narrows safely: partner and customer membership also depend on the data and
 * the actor, which no stream prefix captures.
 */
export function storeFilterFor(filter: AuditEventFilter): AllFilter | undefined {
  return filter.eventType !== undefined ? { eventTypePrefixes: [filter.eventType] } : undefined;
}

export function isEmptyFilter(filter: AuditEventFilter): boolean {
  return Object.values(filter).every((value) => value === undefined);
}
