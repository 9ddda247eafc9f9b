import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import {
  decodeCursor,
  encodeCursor,
  type RawSql,
  type ReadModelStore,
  sql,
  type SqlFragment,
} from '@pc/projections';
import { CLIENT_LIST, clientListProjection, searchForm } from '@pc/read-models';
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
 * Tuning of listClientsPage, for tests: how many rows of the page order a search walks before it
 * collects its matches from the search indexes instead (see searchPage).
 */
export interface ClientListTuning {
  searchWalkWindow?: number;
  /** SQLite substrings: matches in the trigram index below which they are collected (see substringPageSqlite). */
  substringCollectBelow?: number;
}

/**
 * Rows of the page order a search walks looking for a page of matches. Walking them costs about as
 * much as collecting and sorting a few hundred matches from the search indexes; a term matching
 * 10 % of a partner's clients or more near the cursor (one letter, a common stem) fills a page within
 * it, where collecting would sort every match.
 */
export const SEARCH_WALK_WINDOW = 512;

/**
 * Matches of a SQLite substring term in the whole trigram index (every partner's clients) below
 * which collecting and sorting them is cheaper than filtering the partner's sort index with them.
 * Measured at 20,000 clients: collecting costs ~0.3 µs a match (2,000 matches ≈ 0.7 ms), while the
 * filter first builds a Bloom filter over every match and then walks the sort index until a page
 * of matches is found (0.6–2.5 ms for 35 to 1,200 matches, whatever their number, when they are
 * sparse in the partner's rows); at 11,000 matches the filter wins (2.1 against 3.0 ms).
 */
export const SUBSTRING_COLLECT_BELOW = 2000;

/**
 * The page itself, over any store holding the client list: the live one, or an auditor's scratch
 * store rebuilt up to a past position (getReadModelAsOf), so both answer with the same code.
 */
export async function listClientsPage(
  store: ReadModelStore,
  partnerId: string,
  params: ListClientsParams,
  tuning: ClientListTuning = {},
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
  // In the form names are stored in (lower case, NFC): one text typed either way finds the same clients.
  const trimmed = params.search?.trim();
  const term = trimmed ? searchForm(trimmed) : undefined;
  const rows = term
    ? await searchPage(store, {
        where,
        term,
        match: params.match ?? 'contains',
        sort,
        order,
        take: limit + 1,
        window: tuning.searchWalkWindow ?? SEARCH_WALK_WINDOW,
        collectBelow: tuning.substringCollectBelow ?? SUBSTRING_COLLECT_BELOW,
      })
    : await store.query<ClientRow>(
        clientListProjection,
        (t) =>
          sql`SELECT c.* FROM ${t('clients')} c WHERE ${sql.join(where, ' AND ')} ORDER BY ${order} LIMIT ${limit + 1}`,
      );
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

interface SearchQuery {
  /** Partner, relationship and cursor conditions on `c`. */
  where: SqlFragment[];
  /** Trimmed, in searchForm (lower-cased, NFC), not empty. */
  term: string;
  match: SearchMode;
  sort: ClientSort;
  order: RawSql;
  /** Rows wanted: the page and one more (it tells whether a next page exists). */
  take: number;
  /** Rows of the page order walked before collecting instead. */
  window: number;
  /** SQLite substrings: trigram matches below which they are collected. */
  collectBelow: number;
}

/**
 * Search: clients whose lower-cased name or primary domain starts with (prefix) or contains the
 * term, in page order. Two plans answer it, each exactly (the same rows in the same order, so the
 * same cursors):
 *
 * - walk: the first `window` rows of the page order after the cursor (the sort index: by_name or
 *   by_change), filtered on the term. When they hold `take` matches, those are the page: every row
 *   beyond the window comes after them.
 * - collect: every match from the search indexes, the first `take` in page order. Its cost grows
 *   with the matches: a one-digit prefix at 100k clients has ~11k, and matches of the primary domain
 *   (or of a substring) are not in page order, so they must be sorted.
 *
 * Which one is cheaper depends on where the matches lie in the page order, which no planner knows:
 * PostgreSQL assumes they are spread evenly, and walked 67,000 rows of by_name for the prefix
 * "bc7" (the clients named bc7… sit after bc1… to bc6…) and all 20,000 for a substring it guessed
 * ten times too common. So the walk is tried first and gives up after the window: a term matching
 * densely near the cursor is answered by it, any other by collecting.
 *
 * SQLite substrings first count the term's matches in the FTS5 index, and collect them when few
 * (see substringPageSqlite).
 */
async function searchPage(store: ReadModelStore, q: SearchQuery): Promise<ClientRow[]> {
  if (store.dialect === 'postgres') {
    return store.query<ClientRow>(clientListProjection, (t) => searchPostgres(t('clients'), q));
  }
  if (q.match !== 'prefix') return substringPageSqlite(store, q);
  // SQLite has no one-time filter to skip a branch of one statement, but its statements are cheap:
  // the walk, then, when it fell short, the collection. Each answers exactly on its own, so two
  // statements reading different snapshots cannot mix them.
  if (q.window > 0) {
    const walked = await store.query<ClientRow>(clientListProjection, (t) =>
      walkSqlite(t('clients'), q, prefixMatchSqlite(q.term)),
    );
    if (walked.length >= q.take) return walked;
  }
  return store.query<ClientRow>(clientListProjection, (t) => prefixCollectSqlite(t('clients'), q));
}

/**
 * SQLite prefix ranges: every string starting with `term` sorts in [term, term + U+10FFFF), which
 * the by_name and domain indexes answer (SQLite's LIKE would not use them).
 */
function prefixRangesSqlite(term: string): { name: SqlFragment; domain: SqlFragment } {
  const upper = `${term}\u{10FFFF}`;
  return {
    name: sql`(c.name_lower >= ${term} AND c.name_lower < ${upper})`,
    domain: sql`(c.primary_domain >= ${term} AND c.primary_domain < ${upper})`,
  };
}

/**
 * The walk on SQLite: by_name (partner_id, name_lower, customer_id, primary_domain) covers the
 * window when sorting by name, so only the matches' rows are read. `matches` tests the window's
 * name_lower and primary_domain.
 */
function walkSqlite(clients: RawSql, q: SearchQuery, matches: SqlFragment): SqlFragment {
  const columns = sql.raw(
    q.sort === 'name'
      ? 'c.rowid AS id, c.name_lower, c.customer_id, c.primary_domain'
      : 'c.rowid AS id, c.last_change, c.customer_id, c.name_lower, c.primary_domain',
  );
  const window = sql`SELECT ${columns} FROM ${clients} c WHERE ${sql.join(q.where, ' AND ')} ORDER BY ${q.order} LIMIT ${q.window}`;
  const hits = sql`SELECT c.id FROM (${window}) c WHERE ${matches} ORDER BY ${q.order} LIMIT ${q.take}`;
  return sql`SELECT c.* FROM ${clients} c WHERE c.rowid IN (${hits}) ORDER BY ${q.order} LIMIT ${q.take}`;
}

/** A prefix on SQLite: its by_name and domain index ranges. */
function prefixMatchSqlite(term: string): SqlFragment {
  const { name, domain } = prefixRangesSqlite(term);
  return sql`(${name} OR ${domain})`;
}

/**
 * A substring on SQLite, row by row: instr compares bytes, and both sides are lower-cased already,
 * so it is exactly the definition (what the trigram index answers too), with no LIKE wildcards to
 * escape.
 */
function containsSqlite(term: string): SqlFragment {
  return sql`(instr(c.name_lower, ${term}) > 0 OR instr(c.primary_domain, ${term}) > 0)`;
}

/**
 * The collection on SQLite. An OR of the name and domain ranges made SQLite collect every match and
 * sort them. Instead each range is its own branch, taking only the first `take` rows in page order
 * (the by_name range delivers them already ordered when sorting by name; the domain index
 * (partner_id, primary_domain, name_lower, customer_id) covers the sort of its matches); the page is
 * the first `take` rows of the union of both. The IN removes clients matching both ways.
 */
function prefixCollectSqlite(clients: RawSql, q: SearchQuery): SqlFragment {
  const { name, domain } = prefixRangesSqlite(q.term);
  const branch = (range: SqlFragment): SqlFragment =>
    sql`SELECT id FROM (SELECT c.rowid AS id FROM ${clients} c WHERE ${sql.join([...q.where, range], ' AND ')} ORDER BY ${q.order} LIMIT ${q.take})`;
  return sql`SELECT c.* FROM ${clients} c WHERE c.rowid IN (${branch(name)} UNION ALL ${branch(domain)}) ORDER BY ${q.order} LIMIT ${q.take}`;
}

/**
 * SQLite substring search. A term of three characters or more is answered by the FTS5 trigram index
 * (any substring, case-insensitive) in one of three plans, each exact on its own, so the same rows in
 * the same order:
 *
 * - collect: the matches from the index first (CROSS JOIN keeps them the outer loop), each row by
 *   its rowid, then sorted. Its cost grows with the matches of every partner.
 * - walk: as for prefixes, the first `window` rows of the page order, tested row by row.
 * - filter: SQLite's own plan for `rowid IN (matches)`: it builds a Bloom filter over every match,
 *   then walks the partner's sort index until it has a page. Building the filter costs ~0.2 µs a
 *   match (~30 ms for a term in all 137,000 clients of the 1M-event bench); when the matches are
 *   sparse in the partner's rows the walk reads most of its index (a three-digit number in 100,000
 *   "bcNNNNN" names: ~17,000 rows for a page).
 *
 * The trigram index folds case more loosely than the definition (lower-cased by JavaScript, then
 * compared exactly): it takes final and medial sigma, micro sign and mu, and a few more Greek variants
 * for one letter. So it only proposes rows, and every plan keeps those that `instr` confirms.
 *
 * The matches are counted first, up to `collectBelow` (the index stops there), and collected
 * when fewer. A common term is walked next (a term in most clients fills a page within the window),
 * and filtered only when the window held too few. The statements read separate snapshots, but each
 * answers exactly on its own; the count only chooses. A term shorter than a trigram is tested row by
 * row along the whole sort index.
 */
async function substringPageSqlite(store: ReadModelStore, q: SearchQuery): Promise<ClientRow[]> {
  const statement = (build: (clients: RawSql, fts: RawSql) => SqlFragment) =>
    store.query<ClientRow>(clientListProjection, (t) => build(t('clients'), t.object('clients_fts')));
  const where = sql.join(q.where, ' AND ');
  const contains = containsSqlite(q.term);
  /** The partner's rows in page order that meet `conditions` too: the first `take`. */
  const page = (clients: RawSql, ...conditions: SqlFragment[]) =>
    sql`SELECT c.* FROM ${clients} c WHERE ${sql.join([where, ...conditions], ' AND ')} ORDER BY ${q.order} LIMIT ${q.take}`;
  if ([...q.term].length < 3) {
    return statement((clients) => page(clients, contains));
  }
  const phrase = `"${q.term.replace(/"/g, '""')}"`;
  const matching = (fts: RawSql) => sql`SELECT rowid AS id FROM ${fts} WHERE ${fts} MATCH ${phrase}`;
  const fewMatches = async (): Promise<boolean> => {
    const [counted] = await statement(
      (_, fts) => sql`SELECT count(*) AS n FROM (${matching(fts)} LIMIT ${q.collectBelow})`,
    );
    return num(counted?.n) < q.collectBelow;
  };
  if (q.collectBelow > 0 && (await fewMatches())) {
    return statement(
      (clients, fts) =>
        sql`SELECT c.* FROM (${matching(fts)}) m CROSS JOIN ${clients} c ON c.rowid = m.id WHERE ${where} AND ${contains} ORDER BY ${q.order} LIMIT ${q.take}`,
    );
  }
  if (q.window > 0) {
    const walked = await statement((clients) => walkSqlite(clients, q, contains));
    if (walked.length >= q.take) return walked;
  }
  return statement((clients, fts) => page(clients, sql`c.rowid IN (${matching(fts)})`, contains));
}

/**
 * Both plans in one PostgreSQL statement (one snapshot, one round trip): `hits` is the walk; its
 * count gates the two branches, which PostgreSQL evaluates once, as one-time filters, so the
 * collection only runs when the walk fell short. OFFSET 0 keeps the collection from being turned
 * back into a walk of the whole sort index. The collection's indexes: for prefixes the
 * text_pattern_ops btrees (partner_id, name_lower) and (partner_id, primary_domain), which answer
 * `^@` (starts_with) in byte order whatever the database's collation; for substrings the trigram
 * GIN indexes, which answer LIKE '%term%'.
 */
function searchPostgres(clients: RawSql, q: SearchQuery): SqlFragment {
  const matches =
    q.match === 'prefix'
      ? sql`(c.name_lower ^@ ${q.term} OR c.primary_domain ^@ ${q.term})`
      : sql`(c.name_lower LIKE ${`%${likeEscape(q.term)}%`} OR c.primary_domain LIKE ${`%${likeEscape(q.term)}%`})`;
  const where = sql.join(q.where, ' AND ');
  const window = sql`SELECT c.* FROM ${clients} c WHERE ${where} ORDER BY ${q.order} LIMIT ${q.window}`;
  const hits = sql`SELECT c.* FROM (${window}) c WHERE ${matches} ORDER BY ${q.order} LIMIT ${q.take}`;
  const collect = sql`SELECT c.* FROM ${clients} c WHERE ${where} AND ${matches} OFFSET 0`;
  const walked = sql`(SELECT count(*) FROM hits) = ${q.take}`;
  return sql`WITH hits AS MATERIALIZED (${hits})
    SELECT c.* FROM (SELECT * FROM hits WHERE ${walked}
                     UNION ALL SELECT * FROM (${collect}) m WHERE NOT ${walked}) c
    ORDER BY ${q.order} LIMIT ${q.take}`;
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
