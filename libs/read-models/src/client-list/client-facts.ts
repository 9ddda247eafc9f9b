import type { JsonObject, JsonValue } from '@pc/event-store';
import type { Row } from '../shared/runtime';

/**
 * The pure core of the client list: a client row (one partner's view of one customer) is a
 * function of the customer's own facts and of that partner's relationship with it. Every event
 * changes one or the other; the projection then recomposes the rows of the partners concerned and
 * writes the differences (rows, trial rows, per-partner totals).
 */

export type SubscriptionKind = 'trial' | 'paid';

export interface SubscriptionFact {
  offerId: string;
  kind: SubscriptionKind;
  /** active | suspended | cancelled | expired */
  status: string;
  licenses: number;
  endsAt: string;
}

export interface DelegationFact {
  status: 'offered' | 'active';
  access: string;
  endsAt: string | null;
}

export interface CustomerFacts {
  customerId: string;
  name: string;
  primaryDomain: string;
  porPartnerId: string | null;
  /** Every partner that ever had a relationship with the customer (rows to recompose). */
  partnerIds: string[];
  subscriptions: Record<string, SubscriptionFact>;
  lastChange: string;
}

export interface RelationFacts {
  customerId: string;
  partnerId: string;
  advisor: boolean;
  delegations: Record<string, DelegationFact>;
  lastChange: string;
}

export type DelegationState = 'none' | 'offered' | 'active';

const LIVE = new Set(['active', 'suspended']);

export const isLive = (s: SubscriptionFact): boolean => LIVE.has(s.status);

// --- rows ⇄ facts ---------------------------------------------------------------------------------

const asObject = (value: JsonValue | undefined): JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};

export function customerFromRow(row: Row): CustomerFacts {
  return {
    customerId: String(row.customer_id),
    name: String(row.name),
    primaryDomain: String(row.primary_domain),
    porPartnerId: typeof row.por_partner_id === 'string' ? row.por_partner_id : null,
    partnerIds: Array.isArray(row.partner_ids) ? row.partner_ids.map(String) : [],
    subscriptions: asObject(row.subscriptions) as unknown as Record<string, SubscriptionFact>,
    lastChange: String(row.last_change),
  };
}

export function customerToRow(c: CustomerFacts): Row {
  return {
    name: c.name,
    primary_domain: c.primaryDomain,
    por_partner_id: c.porPartnerId,
    partner_ids: c.partnerIds,
    subscriptions: c.subscriptions as unknown as JsonObject,
    last_change: c.lastChange,
  };
}

export function relationFromRow(customerId: string, partnerId: string, row: Row | undefined): RelationFacts {
  return {
    customerId,
    partnerId,
    advisor: row?.advisor === true,
    delegations: asObject(row?.delegations) as unknown as Record<string, DelegationFact>,
    lastChange: typeof row?.last_change === 'string' ? row.last_change : '',
  };
}

export function relationToRow(r: RelationFacts): Row {
  return {
    advisor: r.advisor,
    delegations: r.delegations as unknown as JsonObject,
    last_change: r.lastChange,
  };
}

// --- composition ---------------------------------------------------------------------------------

/**
 * The form names and domains are sorted and searched in, and search terms are put in: lower-cased,
 * then in Unicode normalization form C, so a name and a term that are the same text encoded
 * differently (an "é" precomposed, or "e" and a combining accent, as macOS and some keyboards send
 * it) compare equal. Accents still count: "emile" does not find "Émile".
 */
export const searchForm = (text: string): string => text.toLowerCase().normalize('NFC');

export interface ClientSummary {
  listed: boolean;
  delegationActive: boolean;
  por: boolean;
  subscriptions: number;
  licenses: number;
  trials: Array<{ subscriptionId: string; endsAt: string }>;
}

/** The client row of `relation.partnerId`, or null when the partner has no listed relationship. */
export function composeClient(customer: CustomerFacts, relation: RelationFacts): Row | null {
  const delegations = Object.values(relation.delegations);
  const active = delegations.filter((d) => d.status === 'active');
  const offered = delegations.filter((d) => d.status === 'offered');
  const state: DelegationState = active.length > 0 ? 'active' : offered.length > 0 ? 'offered' : 'none';
  const por = customer.porPartnerId === relation.partnerId;
  // A partner lists the customers it advises, is POR of, or administers (or has offered to).
  if (!relation.advisor && !por && state === 'none') return null;

  const endsAt = active
    .map((d) => d.endsAt)
    .filter((e): e is string => e !== null)
    .sort();
  const subscriptions = Object.entries(customer.subscriptions)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([subscriptionId, s]) => ({ subscriptionId, ...s }));
  const live = subscriptions.filter(isLive);
  const trialEnds = live
    .filter((s) => s.kind === 'trial')
    .map((s) => s.endsAt)
    .sort();
  return {
    name: customer.name,
    name_lower: searchForm(customer.name),
    primary_domain: customer.primaryDomain,
    advisor: relation.advisor,
    por,
    delegation_state: state,
    delegation_access: (active[0] ?? offered[0])?.access ?? null,
    delegation_ends_at: endsAt.length > 0 ? endsAt[endsAt.length - 1] : null,
    subscription_count: live.length,
    license_count: live.filter((s) => s.kind === 'paid').reduce((sum, s) => sum + s.licenses, 0),
    trial_count: trialEnds.length,
    trial_ends: trialEnds,
    next_trial_end: trialEnds[0] ?? null,
    subscriptions: subscriptions as unknown as JsonValue,
    last_change: customer.lastChange > relation.lastChange ? customer.lastChange : relation.lastChange,
  };
}

/** What a client row contributes to its partner's totals and trial rows. */
export function summarize(row: Row | null | undefined): ClientSummary {
  if (!row)
    return { listed: false, delegationActive: false, por: false, subscriptions: 0, licenses: 0, trials: [] };
  const subscriptions = (Array.isArray(row.subscriptions) ? row.subscriptions : []) as unknown as Array<
    SubscriptionFact & { subscriptionId: string }
  >;
  return {
    listed: true,
    delegationActive: row.delegation_state === 'active',
    por: row.por === true,
    subscriptions: Number(row.subscription_count),
    licenses: Number(row.license_count),
    trials: subscriptions
      .filter((s) => s.kind === 'trial' && isLive(s))
      .map((s) => ({ subscriptionId: s.subscriptionId, endsAt: s.endsAt })),
  };
}
