import type { ReadModelStore } from '@pc/projections';
import { InMemoryReadModel } from '@pc/projections/testing';
import { clientListProjection } from '@pc/read-models';
import { customerCreated, Story } from '@pc/read-models/testing/story';
import { listClientsPage } from '../../apps/api/src/read-models/queries/client-list.queries';
import { freshReadModelStore } from '../support/read-model-stores';
import { seedClientList } from './seed-client-list';

/**
 * The same name can reach the service in two Unicode forms: "é" precomposed (NFC, what most keyboards
 * send) or "e" followed by a combining accent (NFD, what macOS file names and some input methods
 * send). Search compared the lower-cased code points exactly, so a client named in one form was not
 * found by the same text typed in the other, and the two forms sorted apart. Names and terms are now
 * both put in one form (searchForm: lower case, NFC) before they are compared.
 */
const NFC = 'Café Émile s.r.o.'.normalize('NFC');
const NFD = 'Café Émile s.r.o.'.normalize('NFD');

/** Client rows as the projection writes them, for a customer named in each form. */
async function projectedRows() {
  const story = new Story(clientListProjection);
  const e = story.event.bind(story);
  const via = { kind: 'trial-invite', id: 'inv-1', partnerId: 'p1' };
  await story.given(
    e('CustomerCreated', customerCreated('composed', NFC, 'composed.example')),
    e('CustomerAdvisorAdded', { customerId: 'composed', partnerId: 'p1', via }),
    e('CustomerCreated', customerCreated('decomposed', NFD, 'decomposed.example')),
    e('CustomerAdvisorAdded', { customerId: 'decomposed', partnerId: 'p1', via }),
    e('CustomerCreated', customerCreated('other', 'Cafeteria Emil', 'other.example')),
    e('CustomerAdvisorAdded', { customerId: 'other', partnerId: 'p1', via }),
  );
  return story.model;
}

describe.each(['sqlite', 'postgres'] as const)('client-list search across Unicode forms (%s)', (dialect) => {
  let store: ReadModelStore;
  let cleanup: () => Promise<void>;
  let model: InMemoryReadModel;

  beforeAll(async () => {
    ({ store, cleanup } = await freshReadModelStore(dialect, 'client-nfc'));
    model = await projectedRows();
    await seedClientList(store, model.rows('clients'));
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  const ids = async (search: string, match: 'prefix' | 'contains') =>
    (await listClientsPage(store, 'p1', { search, match, limit: 50 })).items.map((c) => c.customerId).sort();

  it('stores both names in one form, and shows each as it was given', async () => {
    const rows = model.rows('clients');
    expect(new Set(rows.filter((r) => r.customer_id !== 'other').map((r) => r.name_lower))).toEqual(
      new Set(['café émile s.r.o.'.normalize('NFC')]),
    );
    const page = await listClientsPage(store, 'p1', { limit: 50 });
    expect(page.items.map((c) => [c.customerId, c.name])).toEqual([
      ['other', 'Cafeteria Emil'],
      // Same sort key: the id breaks the tie, so the two forms sort together.
      ['composed', NFC],
      ['decomposed', NFD],
    ]);
  });

  it.each([
    ['prefix', 'CAFÉ'],
    ['contains', 'ÉMILE'],
    ['contains', 'é émi'],
    ['contains', 'café émile s.r.o.'],
  ] as const)('a %s term finds the client whichever form either is in: %p', async (match, term) => {
    for (const typed of [term.normalize('NFC'), term.normalize('NFD')]) {
      expect({ typed: typed.length, found: await ids(typed, match) }).toEqual({
        typed: typed.length,
        found: ['composed', 'decomposed'],
      });
    }
  });

  it('accents still count', async () => {
    expect(await ids('emile', 'contains')).toEqual([]);
    expect(await ids('cafe', 'prefix')).toEqual(['other']);
  });
});
