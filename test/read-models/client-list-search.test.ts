import { encodeCursor, type ReadModelStore, type Row, sql, SqlFragment } from '@pc/projections';
import { clientListProjection } from '@pc/read-models';
import {
  type ClientListTuning,
  listClientsPage,
  type ListClientsParams,
} from '../../apps/api/src/read-models/queries/client-list.queries';
import type { ClientSort, Relationship, SearchMode } from '../../apps/api/src/read-models/dto/read-model.dto';
import { freshReadModelStore } from '../support/read-model-stores';
import { seedClientList } from './seed-client-list';

/**
 * Client-list search answers with one of two plans (walk the sort index for a window of rows, or
 * collect every match from the search indexes and sort them; see searchPage). Both must give the
 * same pages and cursors as the plain definition: the partner's rows in page order, filtered on the
 * term. The window forces the plan: 0 always collects, a huge one walks every full page, 5 (under a
 * page of 8) never answers, 20 answers where its window holds a page and mixes both within one paging. SQLite substrings first count their matches: with each window goes
 * a bound below which they are collected (always, for terms under 3 matches, never), else walked in
 * the window and filtered with the trigram index when it held too few.
 */
const WINDOWS = [0, 5, 20, 100_000];
const tuningFor = (window: number): ClientListTuning => ({
  searchWalkWindow: window,
  substringCollectBelow: window === 0 ? 1_000_000 : window === 5 ? 3 : 0,
});

function client(partnerId: string, i: number, name: string, domain: string): Row {
  return {
    partner_id: partnerId,
    // Ids in another order than names, so ties on the sort key are broken by the id.
    customer_id: `c${String((i * 37) % 1000).padStart(4, '0')}`,
    name,
    name_lower: name.toLowerCase(),
    primary_domain: domain.toLowerCase(),
    advisor: i % 2 === 0,
    por: i % 3 === 0,
    delegation_state: ['none', 'offered', 'active'][i % 3],
    delegation_access: null,
    delegation_ends_at: null,
    subscription_count: i % 4,
    license_count: i % 7,
    trial_count: 0,
    trial_ends: [],
    next_trial_end: null,
    subscriptions: {},
    // Many ties on the change sort.
    last_change: `2026-01-${String((i % 9) + 10)}T08:00:00.000Z`,
  };
}

const SPECIAL: Array<[string, string]> = [
  ['Émile Zola', 'emile.example'],
  ['émile', 'zola.example'],
  ['Ärger GmbH', 'aerger.example'],
  ['a_b corp', 'ab.example'],
  ['a%b corp', 'apb.example'],
  ['100% Pure', 'pure.example'],
  ['Straße AG', 'strasse.example'],
  ['alpha', 'zzz.example'],
  ['Alpha', 'alpha.example'],
  ['ALPHA', 'beta.example'],
];

const GREEK: Array<[string, string]> = [
  ['ΑΧΑΣ 1', 'gr1.test'],
  ['ΒΧΑΣΑ', 'gr2.test'],
  ['ΓΧΑΣ 2', 'gr3.test'],
  ['µ-Tec', 'micro.test'],
  ['Μ-Tec', 'mu.test'],
];

/** 265 clients of p1 in deliberately awkward shapes, and a few of p2 that must never show. */
function clientRows(): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < 120; i++) {
    // Dense name matches at the start of the name order; domains that match, don't, or match another term.
    const domain = [`alpha${i}.example`, `zz${i}.example`, `beta${i}.example`][i % 3];
    rows.push(client('p1', i, `Alpha ${String(i).padStart(3, '0')}`, domain));
  }
  for (let i = 120; i < 200; i++) {
    // Far in the name order, half of them matching "al" by their domain only.
    rows.push(client('p1', i, `Zeta ${i}`, i % 2 === 0 ? `al${i}.example` : `ze${i}.example`));
  }
  for (let i = 200; i < 230; i++) rows.push(client('p1', i, 'Same Name', `same${i}.test`));
  SPECIAL.forEach(([name, domain], k) => rows.push(client('p1', 230 + k, name, domain)));
  for (let i = 240; i < 260; i++) rows.push(client('p1', i, `Mid ${i}`, `alpine${i}.example`));
  // The trigram index folds final and medial sigma, and micro sign and mu, together; the definition
  // (lower-cased, then exact) does not: "βχασα" does not contain "χας", nor "μ-tec" "µ-t".
  GREEK.forEach(([name, domain], k) => rows.push(client('p1', 300 + k, name, domain)));
  for (let i = 0; i < 15; i++) rows.push(client('p2', 500 + i, `Alpha other ${i}`, `al-other${i}.example`));
  return rows;
}

const PREFIXES = [
  'a',
  'al',
  'alp',
  'alpha',
  'alpha 01',
  'alpi',
  'z',
  'ze',
  'zz',
  'same',
  'é',
  'émile',
  'ä',
  'a_b',
  'a%',
  '100%',
  'stra',
  'be',
  'nothing',
];
const SUBSTRINGS = ['pha', 'a_b', '%', '0% p', 'mile', 'e', 'xyz', 'ße', 'example', 'a 0', 'ΧΑΣ', 'µ-t'];
const SORTS: ClientSort[] = ['name', 'lastChange'];
const RELATIONSHIPS: Array<Relationship | undefined> = [undefined, 'advisor', 'delegated'];

const matches = (row: Row, term: string, mode: SearchMode): boolean => {
  const name = String(row.name_lower);
  const domain = String(row.primary_domain);
  return mode === 'prefix'
    ? name.startsWith(term) || domain.startsWith(term)
    : name.includes(term) || domain.includes(term);
};

const relationshipHolds = (row: Row, relationship: Relationship | undefined): boolean => {
  const flag = (value: unknown) => value === true || value === 1;
  switch (relationship) {
    case 'advisor':
      return flag(row.advisor);
    case 'delegated':
      return row.delegation_state === 'active';
    default:
      return true;
  }
};

describe.each(['sqlite', 'postgres'] as const)('client-list search plans (%s)', (dialect) => {
  let store: ReadModelStore;
  let cleanup: () => Promise<void>;
  /** Statements the store ran, for telling the SQLite plans apart. */
  const statements: string[] = [];

  beforeAll(async () => {
    ({ store, cleanup } = await freshReadModelStore(dialect, 'client-search'));
    await seedClientList(store, clientRows());
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  /** A statement's SQL text, nested fragments included, values as `?`. */
  const statementText = (fragment: SqlFragment): string =>
    fragment.strings
      .map((text, i) => {
        const value = fragment.values[i];
        return i === fragment.values.length
          ? text
          : text + (value instanceof SqlFragment ? statementText(value) : '?');
      })
      .join('');

  const spy = (): ReadModelStore =>
    new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
        return (projection: typeof clientListProjection, build: Parameters<ReadModelStore['query']>[1]) =>
          target.query(projection, (t) => {
            const fragment = build(t);
            statements.push(statementText(fragment));
            return fragment;
          });
      },
    });

  /** The definition: every row of the partner in page order (the plain listing), filtered on the term. */
  async function expected(params: ListClientsParams): Promise<Row[]> {
    const order =
      params.sort === 'lastChange' ? 'c.last_change DESC, c.customer_id DESC' : 'c.name_lower, c.customer_id';
    const all = await store.query<Row>(
      clientListProjection,
      (t) => sql`SELECT c.* FROM ${t('clients')} c WHERE c.partner_id = ${'p1'} ORDER BY ${sql.raw(order)}`,
    );
    const term = (params.search ?? '').trim().toLowerCase();
    return all.filter(
      (row) => relationshipHolds(row, params.relationship) && matches(row, term, params.match ?? 'contains'),
    );
  }

  /** Pages through the whole result; checks every page's items and cursor against the definition. */
  async function pageThrough(params: ListClientsParams, window: number): Promise<number> {
    const want = await expected(params);
    const limit = params.limit ?? 50;
    let cursor: string | undefined;
    let seen = 0;
    for (let pageNo = 0; ; pageNo++) {
      const page = await listClientsPage(spy(), 'p1', { ...params, cursor }, tuningFor(window));
      const slice = want.slice(seen, seen + limit);
      const context = `${JSON.stringify(params)} window ${window} page ${pageNo}`;
      expect({ context, ids: page.items.map((item) => item.customerId) }).toEqual({
        context,
        ids: slice.map((row) => row.customer_id),
      });
      seen += page.items.length;
      const last = slice[slice.length - 1];
      const nextCursor =
        seen < want.length && last
          ? encodeCursor({
              s: params.sort ?? 'name',
              k: String(params.sort === 'lastChange' ? last.last_change : last.name_lower),
              id: String(last.customer_id),
            })
          : null;
      expect({ context, nextCursor: page.nextCursor }).toEqual({ context, nextCursor });
      if (!page.nextCursor) return seen;
      cursor = page.nextCursor;
    }
  }

  it.each(WINDOWS)('prefix search pages like the definition, walk window %p', async (window) => {
    let total = 0;
    for (const search of PREFIXES) {
      for (const sort of SORTS) {
        for (const relationship of RELATIONSHIPS) {
          total += await pageThrough({ search, match: 'prefix', sort, relationship, limit: 7 }, window);
        }
      }
    }
    expect(total).toBeGreaterThan(500);
  });

  it.each(WINDOWS)('substring search pages like the definition, walk window %p', async (window) => {
    for (const search of SUBSTRINGS) {
      for (const sort of SORTS) {
        for (const relationship of RELATIONSHIPS) {
          await pageThrough({ search, match: 'contains', sort, relationship, limit: 7 }, window);
        }
      }
    }
  });

  it('pages of 50 and cased, padded terms answer alike on both plans', async () => {
    for (const window of WINDOWS) {
      await pageThrough({ search: '  AL ', match: 'prefix', limit: 50 }, window);
      await pageThrough({ search: 'Alpha', match: 'prefix', sort: 'lastChange', limit: 50 }, window);
      await pageThrough({ search: 'EXAMPLE', match: 'contains', limit: 50 }, window);
    }
  });

  it('the walk answers when its window holds a page of matches, else the collection does (SQLite)', async () => {
    if (dialect !== 'sqlite') return;
    const plans = async (search: string, window: number): Promise<string[]> => {
      statements.length = 0;
      await listClientsPage(spy(), 'p1', { search, match: 'prefix', limit: 7 }, { searchWalkWindow: window });
      return statements.map((text) => (text.includes('UNION ALL') ? 'collect' : 'walk'));
    };
    // By name the partner starts with "100% pure", "a%b corp", "a_b corp", then 3 × "alpha" and
    // the 120 "alpha nnn": 8 matches within the first 20 rows.
    expect(await plans('alpha', 20)).toEqual(['walk']);
    // "same name" comes after 143 rows of other names.
    expect(await plans('same', 20)).toEqual(['walk', 'collect']);
    expect(await plans('same', 1000)).toEqual(['walk']);
    expect(await plans('same', 0)).toEqual(['collect']);
  });

  it('a SQLite substring is collected when it has fewer matches than the bound, else walked, then filtered', async () => {
    if (dialect !== 'sqlite') return;
    const plans = async (search: string, collectBelow: number, window = 20): Promise<string[]> => {
      statements.length = 0;
      await listClientsPage(
        spy(),
        'p1',
        { search, match: 'contains', limit: 7 },
        { substringCollectBelow: collectBelow, searchWalkWindow: window },
      );
      return statements.map((text) =>
        text.includes('count(*)')
          ? 'count'
          : text.includes('CROSS JOIN')
            ? 'collect'
            : text.includes('MATCH')
              ? 'filter'
              : 'walk',
      );
    };
    // "mile": Émile Zola and émile, whose matches count those of every partner; "pha": the 123 alphas
    // of p1 and the 15 of p2, 8 of them within the first 20 rows by name.
    expect(await plans('mile', 3)).toEqual(['count', 'collect']);
    expect(await plans('mile', 2)).toEqual(['count', 'walk', 'filter']);
    expect(await plans('pha', 138)).toEqual(['count', 'walk']);
    expect(await plans('pha', 139)).toEqual(['count', 'collect']);
    expect(await plans('pha', 0)).toEqual(['walk']);
    expect(await plans('pha', 0, 5)).toEqual(['walk', 'filter']);
    expect(await plans('pha', 0, 0)).toEqual(['filter']);
    // Shorter than a trigram: the whole sort index, row by row, whatever the bound.
    expect(await plans('ph', 1_000_000)).toEqual(['walk']);
  });
});
