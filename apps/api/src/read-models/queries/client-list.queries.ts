import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import {
  decodeCursor,
  encodeCursor,
  type RawSql,
  type ReadModelStore,
  sql,
  type SqlFragment,
} from '@pc/projections';
import { CLIENT_LIST, clientListProjection } from '@pc/read-models';
import { customerNotFound, ProblemException } from '../../platform';
import type { ClientSort, Relationship, SearchMode } from '../dto/read-model.dto';
import { ReadModelRuntime } from '../read-model-runtime';
import { ReadYourWrites } from '../read-your-writes';
import { bool, json, num, str } from '../row-values';
import type {
  ClientDetailView,
  ClientPageView,
  ClientSubscriptionView,
  ClientView,
} from '../views/client.view';

export interface ListClientsParams {
  search?: string;
  match?: SearchMode;
  relationship?: Relationship;
  sort?: ClientSort;
  cursor?: string;
  limit?: number;
}

export class ListClientsQuery extends Query<ClientPageView> {
  constructor(
    readonly partnerId: string,
    readonly params: ListClientsParams,
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class GetClientQuery extends Query<ClientDetailView> {
  constructor(
    readonly partnerId: string,
    readonly customerId: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

type ClientRow = Record<string, unknown>;

export function toClientView(row: ClientRow): ClientView {
  return {
    customerId: String(row.customer_id),
    name: String(row.name),
    primaryDomain: String(row.primary_domain),
    relationship: {
      advisor: bool(row.advisor),
      partnerOfRecord: bool(row.por),
      delegation: String(row.delegation_state),
      delegationAccess: str(row.delegation_access),
      delegationEndsAt: str(row.delegation_ends_at),
    },
    subscriptions: {
      count: num(row.subscription_count),
      licenses: num(row.license_count),
      trials: num(row.trial_count),
      trialEnds: json<string[]>(row.trial_ends),
    },
    lastChange: String(row.last_change),
  };
}

const invalidCursor = () =>
  new ProblemException(
    400,
    'invalid-cursor',
    'Invalid cursor',
    'The cursor is not one this list handed out for this sort order.',
  );

/** LIKE pattern with the wildcard characters of the term escaped (backslash is the escape on both dialects here). */
const likeEscape = (term: string): string => term.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A page of a partner's clients. Every shape is an index range: the partner's rows in sort order
 * (by_name / by_change) continued after the cursor's (sortKey, customerId); search narrows through
 * the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL) or, for prefixes on SQLite, a range on
 * the lower-cased columns.
 */
@QueryHandler(ListClientsQuery)
export class ListClientsHandler implements IQueryHandler<ListClientsQuery, ClientPageView> {
  constructor(
    private readonly runtime: ReadModelRuntime,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async execute({ partnerId, params, minPosition }: ListClientsQuery): Promise<ClientPageView> {
    await this.readYourWrites.atLeast(minPosition, [CLIENT_LIST]);
    return listClientsPage(this.runtime.store, partnerId, params);
  }
}

/**
 * The page itself, over any store holding the client list: the live one, or an auditor's scratch
 * store rebuilt up to a past position (getReadModelAsOf), so both answer with the same code.
 */
export async function listClientsPage(
  store: ReadModelStore,
  partnerId: string,
  params: ListClientsParams,
): Promise<ClientPageView> {
  const sort = params.sort ?? 'name';
  const limit = params.limit ?? 50;
  const after = params.cursor === undefined ? null : decodeCursor(params.cursor);
  if (
    params.cursor !== undefined &&
    (after?.s !== sort || typeof after.k !== 'string' || typeof after.id !== 'string')
  ) {
    throw invalidCursor();
  }
  const rows = await store.query<ClientRow>(clientListProjection, (t) => {
    const where: SqlFragment[] = [sql`c.partner_id = ${partnerId}`];
    const relationship = relationshipFilter(params.relationship);
    if (relationship) where.push(relationship);
    if (after) {
      where.push(
        sort === 'name'
          ? sql`(c.name_lower, c.customer_id) > (${after.k}, ${after.id})`
          : sql`(c.last_change, c.customer_id) < (${after.k}, ${after.id})`,
      );
    }
    const order =
      sort === 'name'
        ? sql.raw('c.name_lower, c.customer_id')
        : sql.raw('c.last_change DESC, c.customer_id DESC');
    const term = params.search?.trim().toLowerCase();
    const match = params.match ?? 'contains';
    if (term && match === 'prefix' && store.dialect === 'sqlite') {
      return prefixUnion(t('clients'), where, term, order, limit + 1);
    }
    if (term) where.push(searchFilter(store.dialect, term, match, t.object('clients_fts')));
    return sql`SELECT c.* FROM ${t('clients')} c WHERE ${sql.join(where, ' AND ')} ORDER BY ${order} LIMIT ${limit + 1}`;
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor({
          s: sort,
          k: String(sort === 'name' ? last.name_lower : last.last_change),
          id: String(last.customer_id),
        })
      : null;
  return { items: page.map(toClientView), nextCursor };
}

function relationshipFilter(relationship: Relationship | undefined): SqlFragment | null {
  switch (relationship) {
    case 'advisor':
      return sql`c.advisor = ${true}`;
    case 'por':
      return sql`c.por = ${true}`;
    case 'delegated':
      return sql`c.delegation_state = ${'active'}`;
    case 'delegation-offered':
      return sql`c.delegation_state = ${'offered'}`;
    default:
      return null;
  }
}

/**
 * SQLite prefix search. An OR of the name and domain ranges made SQLite collect every match (thousands
 * for a one-letter prefix at 100k clients) and sort them. Instead each range is its own branch, taking
 * only the first `take` rows in page order (the by_name range delivers them already ordered); the page
 * is the first `take` rows of the union of both, so results and keyset paging are unchanged. The IN
 * removes clients matching both ways.
 */
function prefixUnion(
  clients: RawSql,
  where: SqlFragment[],
  term: string,
  order: RawSql,
  take: number,
): SqlFragment {
  // Every string starting with `term` sorts in [term, term + U+10FFFF): by_name / by_domain answer it
  // (SQLite's LIKE would not use them).
  const upper = `${term}\u{10FFFF}`;
  const branch = (range: SqlFragment): SqlFragment =>
    sql`SELECT id FROM (SELECT c.rowid AS id FROM ${clients} c WHERE ${sql.join([...where, range], ' AND ')} ORDER BY ${order} LIMIT ${take})`;
  const byName = branch(sql`c.name_lower >= ${term} AND c.name_lower < ${upper}`);
  const byDomain = branch(sql`c.primary_domain >= ${term} AND c.primary_domain < ${upper}`);
  return sql`SELECT c.* FROM ${clients} c WHERE c.rowid IN (${byName} UNION ALL ${byDomain}) ORDER BY ${order} LIMIT ${take}`;
}

function searchFilter(
  dialect: 'sqlite' | 'postgres',
  term: string,
  match: SearchMode,
  fts: RawSql,
): SqlFragment {
  const escaped = likeEscape(term);
  if (dialect === 'postgres') {
    // Both patterns are answered by the gin_trgm_ops indexes on name_lower and primary_domain.
    const pattern = match === 'prefix' ? `${escaped}%` : `%${escaped}%`;
    return sql`(c.name_lower LIKE ${pattern} OR c.primary_domain LIKE ${pattern})`;
  }
  // SQLite prefixes are answered by prefixUnion; only substring search reaches here.
  if ([...term].length >= 3) {
    // FTS5 trigram: any substring of three or more characters, case-insensitive, from the index.
    const phrase = `"${term.replace(/"/g, '""')}"`;
    return sql`c.rowid IN (SELECT rowid FROM ${fts} WHERE ${fts} MATCH ${phrase})`;
  }
  // Shorter than a trigram: a scan of this partner's rows (bounded by partner_id).
  const pattern = `%${escaped}%`;
  return sql`(c.name_lower LIKE ${pattern} ESCAPE '\\' OR c.primary_domain LIKE ${pattern} ESCAPE '\\')`;
}

@QueryHandler(GetClientQuery)
export class GetClientHandler implements IQueryHandler<GetClientQuery, ClientDetailView> {
  constructor(
    private readonly runtime: ReadModelRuntime,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async execute({ partnerId, customerId, minPosition }: GetClientQuery): Promise<ClientDetailView> {
    await this.readYourWrites.atLeast(minPosition, [CLIENT_LIST]);
    const [row] = await this.runtime.store.query<ClientRow>(
      clientListProjection,
      (t) =>
        sql`SELECT * FROM ${t('clients')} WHERE partner_id = ${partnerId} AND customer_id = ${customerId}`,
    );
    // Not a client of this partner: the same answer as no such customer.
    if (!row) throw customerNotFound(customerId);
    return { ...toClientView(row), subscriptionList: json<ClientSubscriptionView[]>(row.subscriptions) };
  }
}
