import { increment, patch, remove, removeWhere, upsert, type Change } from '../definition/changes';
import { defineProjection } from '../definition/projection';
import type { Row, RowKey } from '../definition/rows';
import { EventLog } from '../testing/events';
import { applyEvents, BatchView } from './batch';

const counters = defineProjection({
  name: 'counters',
  version: 1,
  schema: {
    tables: {
      counters: {
        columns: { id: 'text', n: 'integer', label: { type: 'text', nullable: true }, tags: 'json' },
        primaryKey: ['id'],
      },
    },
  },
  eventTypePrefixes: ['X'],
  apply: () => [],
});

/** A committed store of one table, counting loads. */
function committed(rows: Row[]) {
  const byId = new Map(rows.map((row) => [row.id as string, row]));
  const loads: string[] = [];
  const load = async (_table: string, key: RowKey) => {
    loads.push(String(key.id));
    return byId.get(String(key.id));
  };
  return { load, loads };
}

const fold = async (view: BatchView, changes: Change[]) => {
  changes.forEach((change) => view.add(change));
  return view.coalesce(changes);
};

describe('BatchView', () => {
  it('a read sees the batch so far; later changes to a read row keep it current', async () => {
    const { load, loads } = committed([{ id: 'a', n: 1, label: 'x', tags: [] }]);
    const view = new BatchView(counters, load);
    // Every NOT NULL column given, as the databases require of an increment even on an existing row.
    view.add(increment('counters', { id: 'a' }, { n: 1 }, { tags: [] }));
    expect(await view.get('counters', { id: 'a' })).toEqual({ id: 'a', n: 2, label: 'x', tags: [] });
    view.add(increment('counters', { id: 'a' }, { n: 5 }, { tags: [] }));
    view.add(patch('counters', { id: 'a' }, { label: 'y' }));
    expect(await view.get('counters', { id: 'a' })).toEqual({ id: 'a', n: 7, label: 'y', tags: [] });
    expect(loads).toEqual(['a']);
  });

  it('hands out copies: mutating a read row changes nothing in the view', async () => {
    const { load } = committed([{ id: 'a', n: 1, label: null, tags: ['t'] }]);
    const view = new BatchView(counters, load);
    const row = (await view.get('counters', { id: 'a' })) as Row;
    (row.tags as string[]).push('mutated');
    row.n = 99;
    expect(await view.get('counters', { id: 'a' })).toEqual({ id: 'a', n: 1, label: null, tags: ['t'] });
  });

  it('coalesces a row changed several times into one full-row upsert of its final state', async () => {
    const { load } = committed([{ id: 'a', n: 1, label: 'keep', tags: [] }]);
    const view = new BatchView(counters, load);
    const out = await fold(view, [
      increment('counters', { id: 'a' }, { n: 1 }, { tags: [] }),
      upsert('counters', { id: 'b' }, { n: 0, tags: [] }),
      increment('counters', { id: 'a' }, { n: 2 }, { tags: [] }),
      upsert('counters', { id: 'a' }, { n: 4, tags: ['x'] }),
    ]);
    expect(out).toEqual([
      // Only the columns that differ from the committed row: label is not written again.
      patch('counters', { id: 'a' }, { n: 4, tags: ['x'] }),
      upsert('counters', { id: 'b' }, { n: 0, tags: [] }),
    ]);
  });

  it('writes a new row whole, and nothing for a row that ends as it began', async () => {
    const { load } = committed([{ id: 'a', n: 1, label: null, tags: ['t'] }]);
    const view = new BatchView(counters, load);
    const out = await fold(view, [
      upsert('counters', { id: 'new' }, { n: 1, tags: [] }),
      increment('counters', { id: 'new' }, { n: 1 }, { tags: [] }),
      increment('counters', { id: 'a' }, { n: 1 }, { tags: [] }),
      upsert('counters', { id: 'a' }, { n: 1, tags: ['t'] }),
    ]);
    expect(out).toEqual([upsert('counters', { id: 'new' }, { n: 2, label: null, tags: [] })]);
  });

  it('a row created and deleted in the batch writes nothing; an existing row deleted writes a delete', async () => {
    const { load } = committed([{ id: 'old', n: 1, label: null, tags: [] }]);
    const view = new BatchView(counters, load);
    const out = await fold(view, [
      upsert('counters', { id: 'new' }, { n: 1, tags: [] }),
      remove('counters', { id: 'new' }),
      patch('counters', { id: 'old' }, { n: 2 }),
      remove('counters', { id: 'old' }),
    ]);
    expect(out).toEqual([remove('counters', { id: 'old' })]);
  });

  it('keeps every change as it is when the batch holds a deleteWhere', async () => {
    const { load } = committed([{ id: 'a', n: 1, label: 'l', tags: [] }]);
    const view = new BatchView(counters, load);
    const changes = [
      increment('counters', { id: 'a' }, { n: 1 }, { tags: [] }),
      removeWhere('counters', { label: 'l' }),
      upsert('counters', { id: 'a' }, { n: 5, tags: [] }),
    ];
    expect(await fold(view, changes)).toBe(changes);
    expect(await view.get('counters', { id: 'a' })).toEqual({ id: 'a', n: 5, label: null, tags: [] });
  });

  // SQL checks NOT NULL on the INSERT of an upsert before ON CONFLICT: without n and tags the upsert is
  // refused whether the row exists or not, and whether or not it shares a batch (then retried event by
  // event, naming the event at fault). Coalescing must not turn it into a patch that would pass.
  it.each([
    ['a new row', []],
    ['an existing row', [{ id: 'a', n: 1, label: null, tags: [] }]],
  ])('keeps the changes of %s when one alone would be refused', async (_what, rows: Row[]) => {
    const view = new BatchView(counters, committed(rows).load);
    const changes = [
      upsert('counters', { id: 'a' }, { label: 'x' }),
      patch('counters', { id: 'a' }, { n: 2 }),
    ];
    expect(await fold(view, changes)).toEqual(changes);
  });

  it('writes with the key of a change, not the key a read was made with', async () => {
    const { load } = committed([{ id: 'a', n: 1, label: null, tags: [] }]);
    const view = new BatchView(counters, load);
    await view.get('counters', { id: 'a', extra: 'ignored by the read' } as RowKey);
    const out = await fold(view, [
      increment('counters', { id: 'a' }, { n: 1 }, { tags: [] }),
      increment('counters', { id: 'a' }, { n: 1 }, { tags: [] }),
    ]);
    expect(out).toEqual([patch('counters', { id: 'a' }, { n: 3 })]);
  });
});

describe('applyEvents', () => {
  /** Counts in its own row: every event reads it; `swallow` catches a failed read and goes on. */
  const reader = (swallow = false) =>
    defineProjection({
      name: 'reader',
      version: 1,
      schema: counters.schema,
      eventTypePrefixes: ['X'],
      async apply(_event, view) {
        const row = await view.get('counters', { id: 'a' }).catch((error: unknown) => {
          if (!swallow) throw error;
          return undefined;
        });
        return [upsert('counters', { id: 'a' }, { n: Number(row?.n ?? 0) + 1, tags: [] })];
      },
    });
  const log = new EventLog();
  const events = log.events({ type: 'X.One' }, { type: 'X.Two' });
  const down = Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });

  it.each([
    ['rethrows', false],
    ['swallows', true],
  ])(
    'throws a row load the store failed, blaming no event, when the projection %s it',
    async (_what, swallow) => {
      const load = jest.fn().mockRejectedValueOnce(down);
      await expect(applyEvents(reader(swallow), events, load)).rejects.toBe(down);
    },
  );

  it('blames the event for a load the database refused as a data error (e.g. a key of the wrong type)', async () => {
    const refused = Object.assign(new Error('invalid input syntax for type integer'), { code: '22P02' });
    const applied = await applyEvents(reader(), events, jest.fn().mockRejectedValueOnce(refused));
    expect(applied).toMatchObject({ applied: 0, failure: { event: events[0], error: refused } });
  });
});
