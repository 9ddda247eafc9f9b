import type { JsonObject, JsonValue, RecordedEvent } from '@pc/event-store';
import { occurredAt } from '../shared/event-data';
import type { Row } from '../shared/runtime';

/**
 * Pure derivation of one activity-log row from one event: everything comes from the event itself
 * (stream name, data, metadata envelope), so a rebuild writes the same row.
 */

/**
 * Stream-name prefixes → resource type, longest first: `customer-domain-x` is a claim, not customer
 * `domain-x`, and `product-key-batch-x` is a batch, not key `batch-x`.
 */
const RESOURCE_PREFIXES: ReadonlyArray<readonly [prefix: string, type: string]> = [
  ['customer-domain-', 'customer-domain-claim'],
  ['invitation-code-', 'invitation-code-claim'],
  ['product-key-batch-', 'product-key-batch'],
  ['product-key-', 'product-key'],
  ['purchase-offer-', 'purchase-offer'],
  ['trial-invite-', 'trial-invite'],
  ['por-inbox-', 'por-inbox'],
  ['partner-', 'partner'],
  ['customer-', 'customer'],
];

export interface Resource {
  type: string;
  id: string;
}

export function resourceOf(streamName: string): Resource {
  for (const [prefix, type] of RESOURCE_PREFIXES) {
    if (streamName.startsWith(prefix) && streamName.length > prefix.length) {
      return { type, id: streamName.slice(prefix.length) };
    }
  }
  // A stream of a kind this code does not know yet: still listed, named by its first segment.
  const dash = streamName.indexOf('-');
  return dash > 0
    ? { type: streamName.slice(0, dash), id: streamName.slice(dash + 1) }
    : { type: streamName, id: streamName };
}

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const textAt = (object: JsonObject | undefined, key: string): string | null => {
  const value = object?.[key];
  return typeof value === 'string' ? value : null;
};

/** The domain's `{ from, to }` (FieldChange / ValueChange): exactly those two members. */
const isValueChange = (value: JsonValue | undefined): value is { from: JsonValue; to: JsonValue } =>
  isObject(value) && Object.keys(value).length === 2 && 'from' in value && 'to' in value;

export type ValueChanges = Record<string, { from: JsonValue; to: JsonValue }>;

/**
 * Old → new values where the event carries them, in the three shapes the domain writes:
 * `changes: { field: { from, to } }` (profile, user, service-request updates), top-level
 * `field: { from, to }` (licenses, endsAt, status, autoExtend of subscriptions and delegations), and
 * `previousX` beside `x` (previousRole → role, previousPartnerId → partnerId). Null when none.
 */
export function valueChangesOf(data: JsonObject): ValueChanges | null {
  const changes: ValueChanges = {};
  const nested = data.changes;
  if (isObject(nested)) {
    for (const [field, change] of Object.entries(nested)) {
      if (isValueChange(change)) changes[field] = { from: change.from, to: change.to };
    }
  }
  for (const [field, value] of Object.entries(data)) {
    if (field !== 'changes' && isValueChange(value)) changes[field] = { from: value.from, to: value.to };
    const previous = /^previous([A-Z]\w*)$/.exec(field);
    if (previous) {
      const current = `${previous[1][0].toLowerCase()}${previous[1].slice(1)}`;
      if (current in data) changes[current] = { from: value ?? null, to: data[current] ?? null };
    }
  }
  return Object.keys(changes).length > 0 ? changes : null;
}

/**
 * The tenant in whose name the actor acted: a customer user for its customer; a partner user for
 * its partner, or for the customer when it acts in that customer's own records (delegated
 * administration, stream `customer-…`); platform and services act in their own name (null).
 */
export function onBehalfOf(
  actor: JsonObject | undefined,
  resource: Resource,
): { kind: 'partner' | 'customer'; id: string } | null {
  const kind = textAt(actor, 'kind');
  const customerId = textAt(actor, 'customerId');
  const partnerId = textAt(actor, 'partnerId');
  if (kind === 'customer-user' && customerId !== null) return { kind: 'customer', id: customerId };
  if (kind === 'partner-user' && resource.type === 'customer') return { kind: 'customer', id: resource.id };
  if (kind === 'partner-user' && partnerId !== null) return { kind: 'partner', id: partnerId };
  return null;
}

/**
 * Business time in the one ISO-8601 form the pipeline writes (`…:00.000Z`), so time-range filters
 * can compare text: events written by tools may say `…:00Z` for the same instant.
 */
function canonicalInstant(iso: string): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : new Date(at).toISOString();
}

/** The activity row of an event (table `entries`): every column but the key, the global position. */
export function activityRow(event: RecordedEvent): Row {
  const metadata = event.metadata;
  const actor = isObject(metadata.actor) ? metadata.actor : undefined;
  const service = isObject(metadata.service) ? metadata.service : undefined;
  const resource = resourceOf(event.streamName);
  const behalf = onBehalfOf(actor, resource);
  const fromStream = (type: string) => (resource.type === type ? resource.id : null);
  // A partner stream's events name their own partner in their data, so at most two distinct ones.
  const partners = distinct([
    textAt(actor, 'partnerId'),
    textAt(event.data, 'partnerId'),
    fromStream('partner'),
  ]);
  return {
    event_id: event.id,
    event_type: event.type,
    stream_name: event.streamName,
    revision: event.revision,
    resource_type: resource.type,
    resource_id: resource.id,
    command_type: textAt(metadata, 'commandType'),
    command_id: textAt(metadata, 'commandId'),
    correlation_id: textAt(metadata, 'correlationId'),
    causation_id: textAt(metadata, 'causationId'),
    actor_kind: textAt(actor, 'kind'),
    actor_id: textAt(actor, 'id'),
    actor_partner_id: textAt(actor, 'partnerId'),
    actor_customer_id: textAt(actor, 'customerId'),
    service_id: textAt(service, 'id'),
    on_behalf_of_kind: behalf?.kind ?? null,
    on_behalf_of_id: behalf?.id ?? null,
    // The tenants the entry is filed under: the membership rule of the audit log filter (libs/audit
    // concernsPartner / concernsCustomer), the actor's own first. An event can concern two partners:
    // another partner's delegated admin changing a subscription the first one sold (actor and data).
    // A customer's events concern one customer (its users act in its own records).
    partner_id: partners[0] ?? null,
    other_partner_id: partners[1] ?? null,
    customer_id: textAt(actor, 'customerId') ?? textAt(event.data, 'customerId') ?? fromStream('customer'),
    changes: valueChangesOf(event.data),
    occurred_at: canonicalInstant(occurredAt(event)),
    recorded_at: event.recordedAt,
  };
}

function distinct(values: Array<string | null>): string[] {
  return [...new Set(values.filter((value): value is string => value !== null))];
}
