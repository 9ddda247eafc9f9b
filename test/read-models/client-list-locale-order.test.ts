import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresReadModelStore, type ReadModelStore, type Row, SqliteReadModelStore } from '@pc/projections';
import { Client } from 'pg';
import {
  listClientsPage,
  type ListClientsParams,
} from '../../apps/api/src/read-models/queries/client-list.queries';
import { pgUrl, withClient } from '../support/postgres';
import { seedClientList } from './seed-client-list';

/**
 * The client list's name order (and its keyset cursors) is the lower-cased name's code-point order on
 * both stores. The test database's collation is C, where PostgreSQL's default already agrees with
 * SQLite; a production database usually has a locale (en_US.UTF-8, or ICU), where `ORDER BY name_lower`
 * put "émile" before "zeta" and "a-c" after "ab" on PostgreSQL only: the same list in another order
 * than on SQLite, and than an auditor's as-of answer replayed into a scratch SQLite store. Here the
 * PostgreSQL store runs in a database whose default collation is ICU English.
 */
const NAMES = [
  'Zeta',
  'Émile',
  'émile 2',
  'a-c',
  'ab',
  'a b',
  'Alpha',
  'alpha',
  'Ärger',
  'b',
  '_x',
  'Straße',
];

const rows = (): Row[] =>
  NAMES.map((name, i) => ({
    partner_id: 'p1',
    customer_id: `c${String(i).padStart(3, '0')}`,
    name,
    name_lower: name.toLowerCase(),
    primary_domain: `d${i}.example`,
    advisor: true,
    por: false,
    delegation_state: 'none',
    delegation_access: null,
    delegation_ends_at: null,
    subscription_count: 0,
    license_count: 0,
    trial_count: 0,
    trial_ends: [],
    next_trial_end: null,
    subscriptions: [],
    last_change: '2026-01-05T09:00:00.000Z',
  }));

async function seed(store: ReadModelStore): Promise<void> {
  await store.init();
  await seedClientList(store, rows());
}

/** Every page of the list, two rows a page (so the cursors are used), as names. */
async function pages(store: ReadModelStore, params: ListClientsParams): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listClientsPage(store, 'p1', { ...params, limit: 2, cursor });
    names.push(...page.items.map((item) => item.name));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return names;
}

describe('client list order on a PostgreSQL database with a locale collation', () => {
  const database = `pc_locale_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let postgres: PostgresReadModelStore;
  let sqlite: SqliteReadModelStore;
  let dir: string;
  const databaseUrl = () => {
    const url = new URL(pgUrl());
    url.pathname = `/${database}`;
    return url.toString();
  };

  beforeAll(async () => {
    await withClient((client) =>
      client.query(
        `CREATE DATABASE "${database}" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en'`,
      ),
    );
    postgres = new PostgresReadModelStore({ url: databaseUrl(), schema: 'read_models', poolSize: 2 });
    dir = mkdtempSync(join(tmpdir(), 'pc-locale-'));
    sqlite = new SqliteReadModelStore({ path: join(dir, 'read-models.sqlite') });
    await seed(postgres);
    await seed(sqlite);
  });

  afterAll(async () => {
    await postgres?.close();
    await sqlite?.close();
    await withClient((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    rmSync(dir, { recursive: true, force: true });
  });

  it('the database really sorts by locale (the premise)', async () => {
    const client = new Client({ connectionString: databaseUrl() });
    await client.connect();
    try {
      const { rows } = await client.query<{ before: boolean }>(`SELECT 'émile' < 'zeta' AS before`);
      expect(rows[0].before).toBe(true);
    } finally {
      await client.end();
    }
  });

  it.each<ListClientsParams>([
    {},
    { search: 'a', match: 'prefix' },
    { search: 'ile', match: 'contains' },
    { search: 'émile', match: 'contains' },
  ])('pages in code-point order of the lower-cased name, as on SQLite: %p', async (params) => {
    const expected = NAMES.map((name, i) => ({ name, key: name.toLowerCase(), id: i }))
      .filter(({ key }) =>
        params.search === undefined
          ? true
          : params.match === 'prefix'
            ? key.startsWith(params.search)
            : key.includes(params.search),
      )
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id - b.id))
      .map(({ name }) => name);
    expect(await pages(sqlite, params)).toEqual(expected);
    expect(await pages(postgres, params)).toEqual(expected);
  });
});
