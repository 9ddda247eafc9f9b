import { type Projection, type ReadModelStore, type SqlFragment, sql } from '@pc/projections';

/**
 * The read-model queries of measurement (4), through the query layer (`store.query` on the active
 * generation). The client-list SQL is the one apps/api's ListClientsHandler issues (prefix: a range on
 * the lower-cased name/domain answered by the by_name/by_domain indexes; substring: FTS5 trigram on
 * SQLite, pg_trgm LIKE on PostgreSQL; paging: keyset on (name_lower, customer_id), 50 per page).
 * Partner overview: the partner row, its users, authorizations, open invitations and the client
 * totals. POR inbox: the newest 50 notifications of a partner and its unread count.
 * A query whose read model is not in the runner answers -1 ("not available").
 */
export type QueryName =
  'client-prefix' | 'client-substring' | 'client-page' | 'partner-overview' | 'por-inbox';

export const QUERY_NAMES: QueryName[] = [
  'client-prefix',
  'client-substring',
  'client-page',
  'partner-overview',
  'por-inbox',
];

type Row = Record<string, unknown>;

/** Keyset cursors of the paging query, by partner: page n continues where page n-1 stopped. */
const cursors = new Map<string, { k: string; id: string } | null>();

function clientSearch(
  store: ReadModelStore,
  term: string,
  match: 'prefix' | 'contains',
  fts: unknown,
): SqlFragment {
  if (store.dialect === 'postgres') {
    const pattern = match === 'prefix' ? `${term}%` : `%${term}%`;
    return sql`(c.name_lower LIKE ${pattern} OR c.primary_domain LIKE ${pattern})`;
  }
  if (match === 'prefix') {
    const upper = `${term}\u{10FFFF}`;
    return sql`((c.name_lower >= ${term} AND c.name_lower < ${upper}) OR (c.primary_domain >= ${term} AND c.primary_domain < ${upper}))`;
  }
  return sql`c.rowid IN (SELECT rowid FROM ${fts} WHERE ${fts} MATCH ${`"${term}"`})`;
}

export async function runQuery(
  store: ReadModelStore,
  projections: Projection[],
  name: QueryName,
  arg: string,
): Promise<number> {
  const byName = new Map(projections.map((p) => [p.name, p]));
  const clientList = byName.get('client_list');
  const overview = byName.get('partner_overview');
  const inbox = byName.get('por_inbox');
  const [partnerId, rest = ''] = arg.split('|');
  switch (name) {
    case 'client-prefix':
    case 'client-substring': {
      if (!clientList) return -1;
      const rows = await store.query<Row>(clientList, (t) => {
        const search = clientSearch(
          store,
          rest,
          name === 'client-prefix' ? 'prefix' : 'contains',
          t.object('clients_fts'),
        );
        return sql`SELECT c.* FROM ${t('clients')} c WHERE c.partner_id = ${partnerId} AND ${search}
                   ORDER BY c.name_lower, c.customer_id LIMIT ${51}`;
      });
      return rows.length;
    }
    case 'client-page': {
      if (!clientList) return -1;
      const page = Number(rest);
      const after = page === 0 ? null : (cursors.get(partnerId) ?? null);
      const rows = await store.query<Row>(clientList, (t) => {
        const keyset = after ? sql` AND (c.name_lower, c.customer_id) > (${after.k}, ${after.id})` : sql``;
        return sql`SELECT c.* FROM ${t('clients')} c WHERE c.partner_id = ${partnerId}${keyset}
                   ORDER BY c.name_lower, c.customer_id LIMIT ${51}`;
      });
      const last = rows[Math.min(rows.length, 50) - 1];
      cursors.set(partnerId, last ? { k: String(last.name_lower), id: String(last.customer_id) } : null);
      return rows.length;
    }
    case 'partner-overview': {
      if (!overview || !clientList) return -1;
      const [partner, users, authorizations, invitations, totals] = await Promise.all([
        store.query<Row>(
          overview,
          (t) => sql`SELECT * FROM ${t('partners')} WHERE partner_id = ${partnerId}`,
        ),
        store.query<Row>(overview, (t) => sql`SELECT * FROM ${t('users')} WHERE partner_id = ${partnerId}`),
        store.query<Row>(
          overview,
          (t) => sql`SELECT * FROM ${t('authorizations')} WHERE partner_id = ${partnerId}`,
        ),
        store.query<Row>(
          overview,
          (t) =>
            sql`SELECT * FROM ${t('invitations')} WHERE partner_id = ${partnerId} ORDER BY kind, invitation_id LIMIT ${50}`,
        ),
        store.query<Row>(
          clientList,
          (t) => sql`SELECT * FROM ${t('totals')} WHERE partner_id = ${partnerId}`,
        ),
      ]);
      return partner.length + users.length + authorizations.length + invitations.length + totals.length;
    }
    case 'por-inbox': {
      if (!inbox) return -1;
      const [items, unread] = await Promise.all([
        store.query<Row>(
          inbox,
          (t) =>
            sql`SELECT * FROM ${t('notifications')} WHERE partner_id = ${partnerId} ORDER BY position DESC LIMIT ${50}`,
        ),
        store.query<Row>(
          inbox,
          (t) =>
            sql`SELECT count(*) AS n FROM ${t('notifications')} WHERE partner_id = ${partnerId} AND is_read = ${false}`,
        ),
      ]);
      return items.length + unread.length;
    }
  }
}
