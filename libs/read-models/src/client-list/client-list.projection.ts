import { addDays } from '@pc/domain';
import type { JsonObject, RecordedEvent } from '@pc/event-store';
import { integer, object, occurredAt, optionalText, text, valueChange } from '../shared/event-data';
import {
  type ApplyFn,
  type Change,
  defineProjection,
  increment,
  type ReadView,
  remove,
  upsert,
} from '../shared/runtime';
import {
  composeClient,
  type CustomerFacts,
  customerFromRow,
  customerToRow,
  type DelegationFact,
  relationFromRow,
  type RelationFacts,
  relationToRow,
  searchForm,
  type SubscriptionFact,
  summarize,
} from './client-facts';

/**
 * Client list: per partner, every customer it advises, is Partner of Record of, or administers
 * (delegation offered or active), with the customer's subscription summary; searchable by name or
 * domain, sortable by name or last change, paged by keyset. Built for 100k+ clients per partner:
 * every sort has an index matching its ORDER BY, and search has a trigram index on both dialects.
 *
 * Helper tables keep what the events do not repeat: `customers` (name, domain, Partner of Record,
 * subscriptions, related partners) and `relations` (one partner's advisor flag and delegations).
 * `totals` and `trials` serve the partner overview's client figures from the same source of truth.
 */
export const CLIENT_LIST = 'client_list';

const customerKey = (customerId: string) => ({ customer_id: customerId });
const relationKey = (customerId: string, partnerId: string) => ({
  customer_id: customerId,
  partner_id: partnerId,
});
const clientKey = (partnerId: string, customerId: string) => ({
  partner_id: partnerId,
  customer_id: customerId,
});

interface Mutation {
  customer: CustomerFacts;
  /** Relations whose facts changed, by partner id. */
  relations: Map<string, RelationFacts>;
  /** True when the customer's own facts changed: every related partner's row is recomposed. */
  customerChanged: boolean;
  /**
   * True when a partner joined the customer's related partners (its first relation): the customers
   * row is written, but that is no change of the other partners' clients. Only `relations` are
   * recomposed, and the customer's last change stays (another partner's relationship moved it, and
   * rewrote the rows of every partner, announcing it on their update streams).
   */
  partnersChanged: boolean;
}

/** Loads the customer's facts (and relations on demand), lets `change` mutate them, writes the result. */
function onCustomer(
  change: (
    m: Mutation,
    relation: (partnerId: string) => Promise<RelationFacts>,
    event: RecordedEvent,
  ) => Promise<void> | void,
): ApplyFn {
  return async (event, view) => {
    const customerId = text(event.data, 'customerId');
    const row = await view.get('customers', customerKey(customerId));
    // Facts about a customer the list never saw created cannot be shown (no name): nothing to do.
    if (!row) return [];
    const before = customerFromRow({ ...row, customer_id: customerId });
    const m: Mutation = {
      customer: { ...before, subscriptions: { ...before.subscriptions } },
      relations: new Map(),
      customerChanged: false,
      partnersChanged: false,
    };
    const relation = async (partnerId: string): Promise<RelationFacts> => {
      const known = m.relations.get(partnerId);
      if (known) return known;
      const loaded = relationFromRow(
        customerId,
        partnerId,
        await view.get('relations', relationKey(customerId, partnerId)),
      );
      const copy = { ...loaded, delegations: { ...loaded.delegations } };
      m.relations.set(partnerId, copy);
      if (!m.customer.partnerIds.includes(partnerId)) {
        m.customer.partnerIds = [...m.customer.partnerIds, partnerId].sort();
        m.partnersChanged = true;
      }
      return copy;
    };
    await change(m, relation, event);
    return write(view, m, occurredAt(event));
  };
}

async function write(view: ReadView, m: Mutation, at: string): Promise<Change[]> {
  const { customer } = m;
  const changes: Change[] = [];
  if (m.customerChanged) customer.lastChange = customer.lastChange > at ? customer.lastChange : at;
  if (m.customerChanged || m.partnersChanged) {
    changes.push(upsert('customers', customerKey(customer.customerId), customerToRow(customer)));
  }
  for (const relation of m.relations.values()) {
    relation.lastChange = relation.lastChange > at ? relation.lastChange : at;
    changes.push(
      upsert('relations', relationKey(customer.customerId, relation.partnerId), relationToRow(relation)),
    );
  }
  const partners = m.customerChanged ? customer.partnerIds : [...m.relations.keys()].sort();
  for (const partnerId of partners) {
    const relation =
      m.relations.get(partnerId) ??
      relationFromRow(
        customer.customerId,
        partnerId,
        await view.get('relations', relationKey(customer.customerId, partnerId)),
      );
    changes.push(...(await recompose(view, customer, relation)));
  }
  return changes;
}

/** Writes one partner's client row and the differences in its trial rows and totals. */
async function recompose(
  view: ReadView,
  customer: CustomerFacts,
  relation: RelationFacts,
): Promise<Change[]> {
  const key = clientKey(relation.partnerId, customer.customerId);
  const beforeRow = await view.get('clients', key);
  const afterRow = composeClient(customer, relation);
  const before = summarize(beforeRow);
  const after = summarize(afterRow);
  const changes: Change[] = [afterRow ? upsert('clients', key, afterRow) : remove('clients', key)];
  if (!afterRow && !beforeRow) return [];

  const afterTrials = new Map(after.trials.map((t) => [t.subscriptionId, t.endsAt]));
  for (const trial of before.trials) {
    if (!afterTrials.has(trial.subscriptionId))
      changes.push(remove('trials', { ...key, subscription_id: trial.subscriptionId }));
  }
  const beforeTrials = new Map(before.trials.map((t) => [t.subscriptionId, t.endsAt]));
  for (const [subscriptionId, endsAt] of afterTrials) {
    if (beforeTrials.get(subscriptionId) !== endsAt)
      changes.push(upsert('trials', { ...key, subscription_id: subscriptionId }, { ends_at: endsAt }));
  }

  const flag = (value: boolean) => (value ? 1 : 0);
  const deltas = {
    clients: flag(after.listed) - flag(before.listed),
    delegated: flag(after.delegationActive) - flag(before.delegationActive),
    por: flag(after.por) - flag(before.por),
    subscriptions: after.subscriptions - before.subscriptions,
    licenses: after.licenses - before.licenses,
    trials: after.trials.length - before.trials.length,
  };
  if (Object.values(deltas).some((d) => d !== 0)) {
    changes.push(increment('totals', { partner_id: relation.partnerId }, deltas));
  }
  return changes;
}

// --- subscriptions ---------------------------------------------------------------------------------

/** A change to one subscription of the customer (the customer's own facts). */
const subscription = (
  update: (current: SubscriptionFact | undefined, data: JsonObject) => SubscriptionFact | undefined,
): ApplyFn =>
  onCustomer((m, _relation, event) => {
    const id = text(event.data, 'subscriptionId');
    const next = update(m.customer.subscriptions[id], event.data);
    if (!next) return;
    m.customer.subscriptions[id] = next;
    m.customerChanged = true;
  });

const toText = (value: unknown): string => {
  if (typeof value !== 'string') throw new Error('expected a string in a value change');
  return value;
};
const toNumber = (value: unknown): number => {
  if (typeof value !== 'number') throw new Error('expected a number in a value change');
  return value;
};
const withStatus = subscription(
  (current, data) => current && { ...current, status: toText(valueChange(data, 'status').to) },
);

// --- delegations -----------------------------------------------------------------------------------

/** A change to one partner's delegations to the customer. */
const delegation = (
  update: (delegations: Record<string, DelegationFact>, data: JsonObject, event: RecordedEvent) => void,
): ApplyFn =>
  onCustomer(async (_m, relation, event) => {
    const facts = await relation(text(event.data, 'partnerId'));
    update(facts.delegations, event.data, event);
  });

const delegationGone = delegation((delegations, data) => {
  delete delegations[text(data, 'delegationId')];
});

export const clientListProjection = defineProjection({
  name: CLIENT_LIST,
  // 2: by_name covers primary_domain; the domain index covers name_lower (SQLite) or is a
  // text_pattern_ops index (PostgreSQL), for the prefix search's two plans. 3: PostgreSQL text columns
  // are COLLATE "C" (the name order of SQLite whatever the database's locale); another partner's new
  // relationship no longer moves a client's last change; name_lower and primary_domain are in NFC
  // (searchForm): a store built before is rebuilt beside the live tables once.
  version: 3,
  schema: {
    tables: {
      customers: {
        columns: {
          customer_id: 'text',
          name: 'text',
          primary_domain: 'text',
          por_partner_id: { type: 'text', nullable: true },
          partner_ids: 'json',
          subscriptions: 'json',
          last_change: 'text',
        },
        primaryKey: ['customer_id'],
      },
      relations: {
        columns: {
          customer_id: 'text',
          partner_id: 'text',
          advisor: 'boolean',
          delegations: 'json',
          last_change: 'text',
        },
        primaryKey: ['customer_id', 'partner_id'],
        partnerIdColumn: 'partner_id',
      },
      clients: {
        columns: {
          partner_id: 'text',
          customer_id: 'text',
          name: 'text',
          /** Lower-cased name: the sort key and the prefix-search key (code-point order on SQLite). */
          name_lower: 'text',
          primary_domain: 'text',
          advisor: 'boolean',
          por: 'boolean',
          /** none | offered | active */
          delegation_state: 'text',
          delegation_access: { type: 'text', nullable: true },
          delegation_ends_at: { type: 'text', nullable: true },
          /** Live (active or suspended) subscriptions, trials included. */
          subscription_count: 'integer',
          /** Licenses of live paid subscriptions. */
          license_count: 'integer',
          trial_count: 'integer',
          trial_ends: 'json',
          next_trial_end: { type: 'text', nullable: true },
          /** Every subscription of the customer, ended ones included, by id. */
          subscriptions: 'json',
          last_change: 'text',
        },
        primaryKey: ['partner_id', 'customer_id'],
        indexes: {
          // The name sort; primary_domain makes it cover the prefix search's walk (SQLite).
          by_name: { columns: ['partner_id', 'name_lower', 'customer_id', 'primary_domain'] },
          by_change: { columns: ['partner_id', 'last_change', 'customer_id'] },
          // The prefix search's domain index is per dialect (extraDdl).
        },
        partnerIdColumn: 'partner_id',
      },
      /** One row per live trial of a listed client: "trials ending within 7 days" is an index range. */
      trials: {
        columns: { partner_id: 'text', customer_id: 'text', subscription_id: 'text', ends_at: 'text' },
        primaryKey: ['partner_id', 'customer_id', 'subscription_id'],
        indexes: { by_end: { columns: ['partner_id', 'ends_at'] } },
        partnerIdColumn: 'partner_id',
      },
      /** Per-partner sums of the client rows, kept by differences so the overview reads one row. */
      totals: {
        columns: {
          partner_id: 'text',
          clients: 'integer',
          delegated: 'integer',
          por: 'integer',
          subscriptions: 'integer',
          licenses: 'integer',
          trials: 'integer',
        },
        primaryKey: ['partner_id'],
        partnerIdColumn: 'partner_id',
      },
    },
    extraDdl: {
      postgres: (x) => [
        // Trigram GIN indexes answer LIKE '%term%' (substring search) on both search columns. Every
        // search scans a GIN index's pending list of recent entries, which grows to 4 MB by default
        // until a vacuum or its overflow merges it (3.6 ms of a 4 ms search after a rebuild of 20,000
        // clients): kept at 256 kB, merged more often, at a bounded cost per search.
        'CREATE EXTENSION IF NOT EXISTS pg_trgm',
        `CREATE INDEX IF NOT EXISTS ${x.index('clients_name_trgm')} ON ${x.table('clients')} USING gin (name_lower gin_trgm_ops) WITH (gin_pending_list_limit = 256)`,
        `CREATE INDEX IF NOT EXISTS ${x.index('clients_domain_trgm')} ON ${x.table('clients')} USING gin (primary_domain gin_trgm_ops) WITH (gin_pending_list_limit = 256)`,
        // Byte-order btrees answer a partner's prefixes (starts_with, ^@) whatever the collation.
        `CREATE INDEX IF NOT EXISTS ${x.index('clients_name_prefix')} ON ${x.table('clients')} (partner_id, name_lower text_pattern_ops)`,
        `CREATE INDEX IF NOT EXISTS ${x.index('clients_domain_prefix')} ON ${x.table('clients')} (partner_id, primary_domain text_pattern_ops)`,
      ],
      sqlite: (x) => {
        const fts = x.object('clients_fts');
        const clients = x.table('clients');
        return [
          // A partner's domain prefix is a range of it, and it holds the name sort's columns, so
          // the prefix search sorts the range's matches without reading their rows.
          `CREATE INDEX IF NOT EXISTS ${x.index('clients_by_domain')} ON ${clients} (partner_id, primary_domain, name_lower, customer_id)`,
          // An external-content FTS5 trigram index over the client rows, kept in step by triggers.
          `CREATE VIRTUAL TABLE IF NOT EXISTS ${fts} USING fts5(name_lower, primary_domain, content=${clients}, content_rowid=rowid, tokenize='trigram')`,
          `CREATE TRIGGER IF NOT EXISTS ${x.index('clients_fts_ai')} AFTER INSERT ON ${clients} BEGIN
             INSERT INTO ${fts} (rowid, name_lower, primary_domain) VALUES (new.rowid, new.name_lower, new.primary_domain); END`,
          `CREATE TRIGGER IF NOT EXISTS ${x.index('clients_fts_ad')} AFTER DELETE ON ${clients} BEGIN
             INSERT INTO ${fts} (${fts}, rowid, name_lower, primary_domain) VALUES ('delete', old.rowid, old.name_lower, old.primary_domain); END`,
          `CREATE TRIGGER IF NOT EXISTS ${x.index('clients_fts_au')} AFTER UPDATE OF name_lower, primary_domain ON ${clients} BEGIN
             INSERT INTO ${fts} (${fts}, rowid, name_lower, primary_domain) VALUES ('delete', old.rowid, old.name_lower, old.primary_domain);
             INSERT INTO ${fts} (rowid, name_lower, primary_domain) VALUES (new.rowid, new.name_lower, new.primary_domain); END`,
        ];
      },
    },
  },
  on: {
    CustomerCreated: (event) => {
      const at = occurredAt(event);
      const customer: CustomerFacts = {
        customerId: text(event.data, 'customerId'),
        name: text(event.data, 'companyName'),
        primaryDomain: searchForm(text(event.data, 'primaryDomain')),
        porPartnerId: null,
        partnerIds: [],
        subscriptions: {},
        lastChange: at,
      };
      return [upsert('customers', customerKey(customer.customerId), customerToRow(customer))];
    },
    CustomerAdvisorAdded: onCustomer(async (_m, relation, event) => {
      (await relation(text(event.data, 'partnerId'))).advisor = true;
    }),
    PartnerOfRecordChanged: onCustomer(async (m, relation, event) => {
      await relation(text(event.data, 'partnerId'));
      m.customer.porPartnerId = text(event.data, 'partnerId');
      m.customerChanged = true;
    }),
    DelegatedAdminAcceptedAtRedemption: delegation((delegations, data) => {
      // Accepted with the invitation: in force from the acceptance, superseding the partner's active one.
      const terms = object(data, 'terms');
      const via = object(data, 'via');
      for (const [id, d] of Object.entries(delegations)) if (d.status === 'active') delete delegations[id];
      delegations[`${text(via, 'kind')}-${text(via, 'id')}`] = {
        status: 'active',
        access: text(terms, 'access'),
        endsAt: addDays(text(data, 'acceptedAt'), integer(terms, 'durationDays')),
      };
    }),
    DelegationOffered: delegation((delegations, data) => {
      delegations[text(data, 'delegationId')] = {
        status: 'offered',
        access: text(data, 'access'),
        endsAt: null,
      };
    }),
    DelegationAccepted: delegation((delegations, data) => {
      delegations[text(data, 'delegationId')] = {
        status: 'active',
        access: text(data, 'access'),
        endsAt: text(data, 'endsAt'),
      };
    }),
    DelegationAutoExtended: delegation((delegations, data) => {
      const current = delegations[text(data, 'delegationId')];
      if (current) current.endsAt = toText(valueChange(data, 'endsAt').to);
    }),
    DelegationDeclined: delegationGone,
    DelegationOfferExpired: delegationGone,
    DelegationRemoved: delegationGone,
    DelegationEnded: delegationGone,
    TrialStarted: subscription((_current, data) => ({
      offerId: text(data, 'offerId'),
      kind: 'trial',
      status: 'active',
      licenses: integer(data, 'seats'),
      endsAt: text(data, 'endsAt'),
    })),
    SubscriptionStarted: subscription((_current, data) => ({
      offerId: text(data, 'offerId'),
      kind: 'paid',
      status: 'active',
      licenses: integer(data, 'licenses'),
      endsAt: text(data, 'endsAt'),
    })),
    TrialConverted: subscription((current, data) => ({
      offerId: current?.offerId ?? text(data, 'offerId'),
      kind: 'paid',
      status: 'active',
      licenses: toNumber(valueChange(data, 'licenses').to),
      endsAt: toText(valueChange(data, 'endsAt').to),
    })),
    LicenseCountChanged: subscription(
      (current, data) => current && { ...current, licenses: toNumber(valueChange(data, 'licenses').to) },
    ),
    SubscriptionRenewed: subscription(
      (current, data) => current && { ...current, endsAt: toText(valueChange(data, 'endsAt').to) },
    ),
    TrialExpired: withStatus,
    SubscriptionCancelled: withStatus,
    SubscriptionSuspended: withStatus,
    SubscriptionReactivated: withStatus,
  },
  partnerIds: (event) => {
    // A POR change also changes the previous POR's row (por → false), which is in the batch anyway;
    // naming it here keeps its dashboard informed even if its row did not exist.
    const previous =
      event.type === 'PartnerOfRecordChanged' ? optionalText(event.data, 'previousPartnerId') : null;
    return previous ? [previous] : [];
  },
});
