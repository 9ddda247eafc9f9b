import { type Projection, type ReadModelStore, sql } from '@pc/projections';
import { listClientsPage } from '../../apps/api/src/read-models/queries/client-list.queries';

/**
 * The read-model queries of measurement (4), through the query layer (`store.query` on the active
 * generation). The client list is ListClientsHandler's own code (listClientsPage: a prefix search, and
 * a substring search on PostgreSQL, first walks up to 512 rows of the name order and, when they hold
 * no page of matches, collects the matches from the search indexes: prefix = the name and domain
 * index ranges on SQLite, text_pattern_ops btrees on PostgreSQL; substring = pg_trgm on PostgreSQL;
 * a SQLite substring counts its FTS5 trigram matches up to 2,000 and collects them when fewer, else
 * walks 512 rows, then filters the name order with them; paging = keyset on (name_lower,
 * customer_id), 50 per page).
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
const cursors = new Map<string, string | null>();

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
      const match = name === 'client-prefix' ? 'prefix' : 'contains';
      return (await listClientsPage(store, partnerId, { search: rest, match })).items.length;
    }
    case 'client-page': {
      if (!clientList) return -1;
      const cursor = Number(rest) === 0 ? undefined : (cursors.get(partnerId) ?? undefined);
      const page = await listClientsPage(store, partnerId, { cursor });
      cursors.set(partnerId, page.nextCursor);
      return page.items.length;
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
