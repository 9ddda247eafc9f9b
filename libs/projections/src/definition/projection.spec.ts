import { increment, patch, remove, upsert } from './changes';
import { defineProjection } from './projection';
import { ProjectionDefinitionError } from './schema';
import { EventLog, InMemoryReadModel, project } from '../testing';
import { streamStats } from '../testing/sample-projections';

const clients = defineProjection({
  name: 'clients',
  version: 1,
  schema: {
    tables: {
      clients: {
        columns: {
          partner_id: 'text',
          client_id: 'text',
          name: 'text',
          seats: 'integer',
          note: { type: 'text', nullable: true },
        },
        primaryKey: ['partner_id', 'client_id'],
        indexes: { by_name: { columns: ['partner_id', 'name', 'client_id'] } },
        partnerIdColumn: 'partner_id',
      },
    },
  },
  on: {
    ClientAdded: (e) => [
      upsert(
        'clients',
        { partner_id: String(e.data.partnerId), client_id: String(e.data.clientId) },
        {
          name: String(e.data.name),
          seats: 0,
        },
      ),
    ],
    SeatsBought: (e) => [
      increment(
        'clients',
        { partner_id: String(e.data.partnerId), client_id: String(e.data.clientId) },
        {
          seats: Number(e.data.seats),
        },
        // An increment is an INSERT first: without a name the databases refuse it, even on an existing row.
        typeof e.data.name === 'string' ? { name: e.data.name } : undefined,
      ),
    ],
    ClientRenamed: (e) => [
      patch(
        'clients',
        { partner_id: String(e.data.partnerId), client_id: String(e.data.clientId) },
        {
          name: String(e.data.name),
        },
      ),
    ],
    ClientRemoved: (e) => [
      remove('clients', { partner_id: String(e.data.partnerId), client_id: String(e.data.clientId) }),
    ],
    Broken: () => [upsert('clients', { partner_id: 'p' }, { name: 'x' })],
  },
});

describe('projection definitions (given events → then rows)', () => {
  it('applies upsert, increment, patch and delete, ignoring unknown event types', async () => {
    const log = new EventLog();
    const rows = await project(
      clients,
      log.events(
        { type: 'ClientAdded', data: { partnerId: 'p1', clientId: 'c2', name: 'Beta' } },
        { type: 'ClientAdded', data: { partnerId: 'p1', clientId: 'c1', name: 'Alpha' } },
        { type: 'SeatsBought', data: { partnerId: 'p1', clientId: 'c1', seats: 5, name: 'Alpha' } },
        { type: 'SomethingFromTheFuture', data: { partnerId: 'p1' } },
        { type: 'SeatsBought', data: { partnerId: 'p1', clientId: 'c1', seats: 2, name: 'Alpha' } },
        { type: 'ClientRenamed', data: { partnerId: 'p1', clientId: 'c1', name: 'Alpha 2' } },
        { type: 'ClientRenamed', data: { partnerId: 'p1', clientId: 'missing', name: 'nobody' } },
        { type: 'ClientRemoved', data: { partnerId: 'p1', clientId: 'c2' } },
      ),
    );
    expect(rows.clients).toEqual([
      { partner_id: 'p1', client_id: 'c1', name: 'Alpha 2', seats: 7, note: null },
    ]);
  });

  it('reads its own rows, including changes of earlier events in the same batch', async () => {
    const log = new EventLog();
    const model = new InMemoryReadModel(streamStats);
    await model.given(
      ...log.events(
        { type: 'Sample.Created', streamName: 's-1', data: { partnerId: 'p1' } },
        { type: 'Sample.Flagged', streamName: 's-1', data: { partnerId: 'p1' } },
        { type: 'Sample.Created', streamName: 's-2', data: { partnerId: 'p2' } },
      ),
    );
    await model.given(log.next({ type: 'Sample.Touched', streamName: 's-1', data: { partnerId: 'p1' } }));
    expect(model.rows('streams')).toEqual([
      {
        stream: 's-1',
        partner_id: 'p1',
        events: 3,
        last_revision: 2,
        last_type: 'Sample.Touched',
        tags: { n: 2, type: 'Sample.Touched' },
        flagged: false,
      },
      expect.objectContaining({ stream: 's-2', events: 1 }),
    ]);
    expect(model.rows('totals')).toEqual([{ id: 'all', events: 4, streams: 2 }]);
  });

  it('deleteWhere removes matching rows, also rows created earlier in the batch', async () => {
    const log = new EventLog();
    const rows = await project(
      streamStats,
      log.events(
        { type: 'Sample.Created', streamName: 's-1', data: { partnerId: 'p1' } },
        { type: 'Sample.Created', streamName: 's-2', data: { partnerId: 'p2' } },
        { type: 'Sample.Cleared', streamName: 'x', data: { partnerId: 'p1' } },
        { type: 'Sample.Created', streamName: 's-1', data: { partnerId: 'p1' } },
      ),
    );
    expect(rows.streams.map((r) => [r.stream, r.events])).toEqual([
      ['s-1', 1],
      ['s-2', 1],
    ]);
  });

  it('rejects a change that does not fit the schema, naming the event', async () => {
    const log = new EventLog();
    const model = new InMemoryReadModel(clients);
    await expect(model.given(log.next({ type: 'Broken' }))).rejects.toThrow(
      /Broken .*must give exactly the key \(partner_id, client_id\)/,
    );
  });

  it('enforces NOT NULL on insert like the databases do', async () => {
    const model = new InMemoryReadModel(clients);
    const log = new EventLog();
    // increment on a missing row inserts it, but 'name' has no value.
    await expect(
      model.given(log.next({ type: 'SeatsBought', data: { partnerId: 'p', clientId: 'c', seats: 1 } })),
    ).rejects.toThrow(/NOT NULL constraint failed: clients.name/);
  });

  // SQLite and PostgreSQL check NOT NULL on the INSERT of INSERT ... ON CONFLICT before the conflict
  // turns it into an update: an upsert or increment that leaves out a NOT NULL column is refused
  // whether the row exists or not, so the in-memory model must refuse it too.
  it.each([
    ['in a later batch', false],
    ['in the same batch', true],
  ])('enforces NOT NULL on an increment of an existing row, created %s', async (_when, sameBatch) => {
    const model = new InMemoryReadModel(clients);
    const log = new EventLog();
    const added = log.next({ type: 'ClientAdded', data: { partnerId: 'p', clientId: 'c', name: 'Alpha' } });
    const bought = log.next({ type: 'SeatsBought', data: { partnerId: 'p', clientId: 'c', seats: 1 } });
    if (!sameBatch) await model.given(added);
    await expect(model.given(...(sameBatch ? [added, bought] : [bought]))).rejects.toThrow(
      /NOT NULL constraint failed: clients.name/,
    );
  });

  it('enforces NOT NULL on an upsert of an existing row that leaves a NOT NULL column out', async () => {
    const partial = defineProjection({
      name: 'partial',
      version: 1,
      schema: { tables: { t: { columns: { id: 'text', n: 'integer', label: 'text' }, primaryKey: ['id'] } } },
      on: {
        Created: () => [upsert('t', { id: 'a' }, { n: 1, label: 'x' })],
        Relabelled: () => [upsert('t', { id: 'a' }, { label: 'y' })],
      },
    });
    const model = new InMemoryReadModel(partial);
    const log = new EventLog();
    await model.given(log.next({ type: 'Created' }));
    await expect(model.given(log.next({ type: 'Relabelled' }))).rejects.toThrow(
      /NOT NULL constraint failed: t.n/,
    );
  });

  it('defaults the event-type filter to the handled types', () => {
    expect(clients.filter).toEqual({
      eventTypePrefixes: ['ClientAdded', 'SeatsBought', 'ClientRenamed', 'ClientRemoved', 'Broken'],
    });
    expect(streamStats.filter).toEqual({ eventTypePrefixes: ['Sample.'] });
  });

  it('validates names and keys at definition time', () => {
    const table = { columns: { id: 'text' as const }, primaryKey: ['id'] };
    expect(() =>
      defineProjection({ name: 'Bad-Name', version: 1, schema: { tables: { t: table } }, on: {} }),
    ).toThrow(ProjectionDefinitionError);
    expect(() =>
      defineProjection({
        name: 'ok',
        version: 1,
        schema: { tables: { t: { ...table, primaryKey: ['nope'] } } },
        on: {},
      }),
    ).toThrow(/unknown column 'nope'/);
    expect(() =>
      defineProjection({ name: 'ok', version: 0, schema: { tables: { t: table } }, on: {} }),
    ).toThrow(/version/);
  });

  it('changes the schema hash when the schema changes', () => {
    const make = (extra: boolean) =>
      defineProjection({
        name: 'h',
        version: 1,
        schema: {
          tables: { t: { columns: extra ? { id: 'text', x: 'text' } : { id: 'text' }, primaryKey: ['id'] } },
        },
        on: {},
      });
    expect(make(false).schemaHash).toBe(make(false).schemaHash);
    expect(make(true).schemaHash).not.toBe(make(false).schemaHash);
  });
});
