import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '@pc/event-store';
import {
  CheckpointConflictError,
  decodeCursor,
  defineProjection,
  encodeCursor,
  increment,
  PostgresReadModelStore,
  ProjectionRunner,
  rebuildInto,
  recordedStatuses,
  SqliteReadModelStore,
  sql,
  upsert,
  type Projection,
  type ProjectionDefinition,
  type ReadModelStore,
} from '@pc/projections';
import { eventually, project } from '@pc/projections/testing';
import { touchy as touchyProjection } from '@pc/projections/testing/sample-projections';
import { postgresBackend, sqliteBackend, type Backend } from './fixtures/backends';
import { counted, directory, fragile, picky, streamStats, strict } from './fixtures/sample-projections';

/** An account keeps its name: an upsert or increment that leaves it out is refused, the row existing or not. */
const accounts = defineProjection({
  name: 'accounts',
  version: 1,
  schema: {
    tables: { accounts: { columns: { id: 'text', name: 'text', balance: 'integer' }, primaryKey: ['id'] } },
  },
  on: {
    'Account.Opened': (e) => [
      upsert('accounts', { id: e.streamName }, { name: String(e.data.name), balance: 0 }),
    ],
    'Account.Deposited': (e) => [
      increment('accounts', { id: e.streamName }, { balance: Number(e.data.amount) }),
    ],
    'Account.Reset': (e) => [upsert('accounts', { id: e.streamName }, { balance: 0 })],
  },
});

const sample = (type = 'Sample.Created', partnerId = 'p1'): NewEvent => ({
  id: randomUUID(),
  type,
  data: { partnerId },
});

async function appendMany(eventStore: EventStore, count: number, type = 'Sample.Created') {
  let last = '';
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) => sample(type, `p${(i + j) % 3}`));
    last = (await eventStore.append(`s-${i % 11}`, batch)).position;
  }
  return last;
}

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
])('projection runtime on %s', (_name, makeBackend) => {
  let backend: Backend;
  let store: ReadModelStore;
  const runners: ProjectionRunner[] = [];

  beforeEach(async () => {
    backend = await makeBackend();
    store = await backend.openStore();
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await backend.cleanup();
  });

  const startRunner = async (
    projections: Projection[],
    options: { store?: ReadModelStore; batchSize?: number } = {},
  ) => {
    const runner = new ProjectionRunner({
      eventStore: backend.eventStore,
      store: options.store ?? store,
      projections,
      batchSize: options.batchSize ?? 100,
      leaseTtlMs: 1000,
      retryBackoffMs: 50,
    });
    runners.push(runner);
    await runner.start();
    return runner;
  };

  it('commits changes and checkpoint together: a failing statement leaves neither', async () => {
    await store.createGeneration(strict, 1, { activate: true });
    const commit = (
      changes: ReturnType<typeof upsert>[],
      expectedPosition: string | null,
      position: string,
    ) =>
      store.commit({
        projection: strict,
        generation: 1,
        expectedPosition,
        position,
        recordedAt: null,
        changes,
      });
    await commit([upsert('items', { id: 'a' }, { label: 'A' })], null, '00000000000000000001');
    await expect(
      commit(
        [upsert('items', { id: 'b' }, { label: 'B' }), upsert('items', { id: 'c' }, {})],
        '00000000000000000001',
        '00000000000000000002',
      ),
      // Not toThrow(): errors from the native driver are not always `instanceof Error` in jest's realm.
    ).rejects.toMatchObject({ message: expect.stringMatching(/not[ -]null/i) });
    await expect(
      commit([upsert('items', { id: 'd' }, { label: 'D' })], null, '00000000000000000003'),
    ).rejects.toBeInstanceOf(CheckpointConflictError);
    expect((await store.dumpTables(strict)).items).toEqual([{ id: 'a', label: 'A' }]);
    expect((await store.listGenerations('strict'))[0].position).toBe('00000000000000000001');
  });

  it('a query prepared before another connection swapped generations reads the new one', async () => {
    // Regression guard for the store's prepared-query cache: the API's store keeps its statements
    // while a projector's store (another connection) rebuilds, activates and drops generations.
    // The backend closes every store it opened.
    const projector = await backend.openStore();
    const fill = async (generation: number, label: string) => {
      await projector.createGeneration(strict, generation, { activate: generation === 1 });
      await projector.commit({
        projection: strict,
        generation,
        expectedPosition: null,
        position: '00000000000000000001',
        recordedAt: null,
        changes: [upsert('items', { id: 'a' }, { label })],
      });
    };
    const labels = async () =>
      (
        await store.query<{ label: string }>(strict, (t) => sql`SELECT label FROM ${t('items')} ORDER BY id`)
      ).map((row) => row.label);
    await fill(1, 'first');
    expect(await labels()).toEqual(['first']);
    await fill(2, 'second');
    await projector.activateGeneration('strict', 2);
    await projector.dropGeneration('strict', 1);
    expect(await labels()).toEqual(['second']);
    expect(await labels()).toEqual(['second']);
    // The same text over tables dropped and created anew: the cached statement must not read the old ones.
    await projector.dropGeneration('strict', 2);
    await fill(2, 'third');
    await projector.activateGeneration('strict', 2);
    expect(await labels()).toEqual(['third']);
  });

  it('batches committed concurrently stand or fall each on their own', async () => {
    for (const generation of [1, 2, 3]) await store.createGeneration(strict, generation, { activate: false });
    const commit = (
      generation: number,
      changes: ReturnType<typeof upsert>[],
      expectedPosition: string | null,
    ) =>
      store.commit({
        projection: strict,
        generation,
        expectedPosition,
        position: '00000000000000000007',
        recordedAt: null,
        changes,
      });
    const outcomes = await Promise.allSettled([
      commit(1, [upsert('items', { id: 'a' }, { label: 'A' })], null),
      // A statement fails after another one of its batch succeeded: both are undone.
      commit(2, [upsert('items', { id: 'b' }, { label: 'B' }), upsert('items', { id: 'c' }, {})], null),
      // Its checkpoint moved (it expects one that was never stored).
      commit(3, [upsert('items', { id: 'd' }, { label: 'D' })], '00000000000000000005'),
      commit(3, [upsert('items', { id: 'e' }, { label: 'E' })], null),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(CheckpointConflictError);
    expect((await store.dumpTables(strict, 1)).items).toEqual([{ id: 'a', label: 'A' }]);
    expect((await store.dumpTables(strict, 2)).items).toEqual([]);
    expect((await store.dumpTables(strict, 3)).items).toEqual([{ id: 'e', label: 'E' }]);
    const positions = (await store.listGenerations('strict')).map((g) => [g.generation, g.position]);
    expect(positions).toEqual([
      [1, '00000000000000000007'],
      [2, null],
      [3, '00000000000000000007'],
    ]);
  });

  it('applies in batches with the checkpoint, equal to a pure projection, and ignores unknown types', async () => {
    await appendMany(backend.eventStore, 730);
    await backend.eventStore.append('s-x', [sample('Sample.FromTheFuture'), sample('Other.Thing')]);
    const runner = await startRunner([streamStats, picky]);
    const last = await appendMany(backend.eventStore, 70);
    expect(await runner.waitForPosition(last, 30_000)).toBe(true);
    const all = await backend.eventStore.readAll();
    expect(await store.dumpTables(streamStats)).toEqual(await project(streamStats, all));
    expect(await store.dumpTables(picky)).toEqual(await project(picky, all));
    const created = (await store.dumpTables(picky)).created.reduce((sum, row) => sum + Number(row.n), 0);
    expect(created).toBe(800);
    const statuses = await runner.status();
    expect(statuses.map((s) => [s.name, s.state, s.lag.events])).toEqual([
      ['stream_stats', 'running', 0],
      ['picky', 'running', 0],
    ]);
  });

  it('stops only the projection that cannot handle an event, persisting the event and error', async () => {
    const runner = await startRunner([fragile, streamStats]);
    await backend.eventStore.append('s-1', [sample()]);
    const poison = await backend.eventStore.append('s-2', [sample('Sample.Poison')]);
    const after = await backend.eventStore.append('s-3', [sample()]);
    expect(await runner.waitForPosition(after.position, 30_000, ['stream_stats'])).toBe(true);
    await eventually('fragile stopped', async () => (await runner.status())[0].state === 'stopped-on-error');
    const [status] = await runner.status();
    const poisonEvent = (await backend.eventStore.readStream('s-2'))[0];
    expect(status.error).toMatchObject({
      eventId: poisonEvent.id,
      position: poison.position,
      eventType: 'Sample.Poison',
    });
    expect(status.lag.events).toBe(2);
    // Persisted: another process (or a restart) sees it.
    const other = await backend.openStore();
    expect((await other.listGenerations('fragile'))[0]).toMatchObject({
      state: 'stopped-on-error',
      error: status.error,
    });
    expect(await runner.waitForPosition(after.position, 100, ['fragile'])).toBe(false);
  });

  it('isolates an event the database refuses: earlier events commit, none of that event does', async () => {
    const runner = await startRunner([strict], { batchSize: 500 });
    await backend.eventStore.append('s-1', [sample(), sample(), sample('Sample.Incomplete'), sample()]);
    await eventually('strict stopped', async () => (await runner.status())[0].state === 'stopped-on-error');
    const [status] = await runner.status();
    const events = await backend.eventStore.readStream('s-1');
    expect(status.error).toMatchObject({ eventId: events[2].id, eventType: 'Sample.Incomplete' });
    expect(status.position).toBe(events[1].position);
    const dump = await store.dumpTables(strict);
    expect(dump.totals).toEqual([{ id: 'all', events: 2 }]);
    expect(dump.items.map((row) => row.id).sort()).toEqual([events[0].id, events[1].id].sort());
  });

  it.each(['Account.Deposited', 'Account.Reset'])(
    'refuses a %s that leaves a NOT NULL column out of an existing row, as the in-memory model does',
    async (type) => {
      const runner = await startRunner([accounts]);
      await backend.eventStore.append('acc-1', [
        { id: randomUUID(), type: 'Account.Opened', data: { name: 'Contoso' } },
      ]);
      await backend.eventStore.append('acc-1', [{ id: randomUUID(), type, data: { amount: 5 } }]);
      await eventually('stopped', async () => (await runner.status())[0].state === 'stopped-on-error');
      const events = await backend.eventStore.readStream('acc-1');
      expect((await runner.status())[0]).toMatchObject({
        position: events[0].position,
        error: { eventId: events[1].id, eventType: type, message: expect.stringMatching(/not[ -]null/i) },
      });
      await expect(project(accounts, events)).rejects.toThrow(/NOT NULL constraint failed: accounts.name/);
    },
  );

  it('retries a batch whose row load the database failed (statement timeout), blaming no event', async () => {
    const last = await appendMany(backend.eventStore, 120);
    // A genuine driver error: PostgreSQL cancels a statement past statement_timeout (57014); SQLite
    // answers SQLITE_BUSY when another connection holds the lock too long.
    const outage = async (): Promise<never> => {
      if (store instanceof PostgresReadModelStore) {
        const client = await store.pool.connect();
        try {
          await client.query('SET statement_timeout = 1');
          await client.query('SELECT pg_sleep(1)');
        } finally {
          await client.query('RESET statement_timeout').catch(() => undefined);
          client.release();
        }
      }
      throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    };
    jest.spyOn(store, 'loadRow').mockImplementationOnce(outage);
    const runner = await startRunner([streamStats]);
    await eventually('settled', async () =>
      ['running', 'stopped-on-error'].includes((await runner.status())[0].state),
    );
    expect((await runner.status())[0]).toMatchObject({ state: 'running', error: null, position: last });
    expect(await store.dumpTables(streamStats)).toEqual(
      await project(streamStats, await backend.eventStore.readAll()),
    );
  });

  it('reports a rebuild that failed beside a healthy live generation; a new request starts it over', async () => {
    const poisonous = { now: false };
    const touchy = touchyProjection(poisonous);
    const runner = await startRunner([touchy]);
    await backend.eventStore.append('s-1', [sample(), sample('Sample.Poison')]);
    const live = await backend.eventStore.append('s-2', [sample()]);
    expect(await runner.waitForPosition(live.position, 30_000)).toBe(true);
    poisonous.now = true;
    await runner.rebuild('touchy');
    await eventually('rebuild failed', async () => (await runner.status())[0].rebuild?.error != null);
    const poison = (await backend.eventStore.readStream('s-1'))[1];
    expect((await runner.status())[0]).toMatchObject({
      state: 'running',
      generation: 1,
      error: null,
      rebuild: { generation: 2, error: { eventId: poison.id, eventType: 'Sample.Poison' } },
    });
    // What another process (the API beside a projector) reads from the store says the same.
    const [recorded] = await recordedStatuses(backend.eventStore, await backend.openStore(), [touchy]);
    expect(recorded.rebuild?.error).toMatchObject({ eventId: poison.id });
    poisonous.now = false;
    const swapped = new Promise<void>((resolve) => runner.changes$.subscribe((c) => c.swapped && resolve()));
    await runner.rebuild('touchy');
    await swapped;
    const after = await backend.eventStore.append('s-3', [sample()]);
    expect(await runner.waitForPosition(after.position, 30_000)).toBe(true);
    expect((await store.listGenerations('touchy')).map((g) => [g.generation, g.status, g.error])).toEqual([
      [2, 'live', null],
    ]);
    expect((await store.dumpTables(touchy)).seen).toHaveLength(4);
  });

  it('rebuilds beside the live tables and swaps in a copy equal to the live one', async () => {
    await appendMany(backend.eventStore, 400);
    const runner = await startRunner([streamStats]);
    const before = await appendMany(backend.eventStore, 10);
    await runner.waitForPosition(before, 30_000);
    const swapped = new Promise<void>((resolve) => runner.changes$.subscribe((c) => c.swapped && resolve()));
    await runner.rebuild('stream_stats');
    const during = await appendMany(backend.eventStore, 120);
    await swapped;
    await runner.waitForPosition(during, 30_000);
    expect(await store.activeGeneration('stream_stats')).toBe(2);
    expect((await store.listGenerations('stream_stats')).map((g) => g.generation)).toEqual([2]);
    const scratch = new SqliteReadModelStore({ path: ':memory:' });
    try {
      await rebuildInto(backend.eventStore, streamStats, scratch);
      expect(await store.dumpTables(streamStats)).toEqual(await scratch.dumpTables(streamStats));
    } finally {
      await scratch.close();
    }
  });

  it('waitForPosition is true once reached and false on timeout', async () => {
    const stalled = counted(
      {
        name: 'stalled',
        version: 1,
        schema: { tables: { t: { columns: { id: 'text', n: 'integer' }, primaryKey: ['id'] } } },
        eventTypePrefixes: ['Sample.'],
        apply: () => [increment('t', { id: 'x' }, { n: 1 })],
      },
      { calls: 0 },
    );
    const runner = await startRunner([streamStats]);
    const written = await backend.eventStore.append('s-1', [sample()]);
    expect(await runner.waitForPosition(written.position, 30_000)).toBe(true);
    // A projection nobody runs never gets there.
    const { PositionWaiter } = await import('@pc/projections');
    const waiter = new PositionWaiter({ eventStore: backend.eventStore, store, projections: [stalled] });
    expect(await waiter.waitForPosition(written.position, 100)).toBe(false);
  });

  it('runs each projection in one runner only; the other takes over when it stops', async () => {
    const first = { calls: 0 };
    const second = { calls: 0 };
    const definition: ProjectionDefinition = {
      name: 'leased',
      version: 1,
      schema: { tables: { totals: { columns: { id: 'text', events: 'integer' }, primaryKey: ['id'] } } },
      eventTypePrefixes: ['Sample.'],
      apply: () => [increment('totals', { id: 'all' }, { events: 1 })],
    };
    const runnerA = await startRunner([counted(definition, first)]);
    await eventually('A owns it', () => runnerA.leases.isHeld('leased'));
    const runnerB = await startRunner([counted(definition, second)], { store: await backend.openStore() });
    const last = await appendMany(backend.eventStore, 300);
    expect(await runnerA.waitForPosition(last, 30_000)).toBe(true);
    expect(await runnerB.waitForPosition(last, 30_000)).toBe(true);
    expect(first.calls).toBe(300);
    expect(second.calls).toBe(0);
    expect(runnerB.leases.isHeld('leased')).toBe(false);
    expect((await runnerB.status())[0].ownedHere).toBe(false);

    await runnerA.stop();
    runners.splice(runners.indexOf(runnerA), 1);
    const more = await appendMany(backend.eventStore, 50);
    expect(await runnerB.waitForPosition(more, 30_000)).toBe(true);
    expect(second.calls).toBe(50);
    expect((await store.dumpTables(counted(definition, { calls: 0 }))).totals).toEqual([
      { id: 'all', events: 350 },
    ]);
  });

  // Probe finding: with PROJECTIONS_IN_PROCESS=false, a projector killed outright (SIGKILL) left its
  // projections recorded as running, and the API's /ready stayed green while nothing followed the log.
  it('what the store records reads stopped for a projection recorded as running that no process holds', async () => {
    const runner = await startRunner([streamStats]);
    const last = await appendMany(backend.eventStore, 5);
    expect(await runner.waitForPosition(last, 30_000)).toBe(true);
    const reader = await backend.openStore();
    const recorded = async () => (await recordedStatuses(backend.eventStore, reader, [streamStats]))[0].state;
    await eventually('recorded as running', async () => (await recorded()) === 'running');

    await runner.stop();
    runners.splice(runners.indexOf(runner), 1);
    expect(await recorded()).toBe('stopped');
    // What a killed process leaves behind: its last state, and no lease.
    const generation = (await store.activeGeneration('stream_stats')) as number;
    await store.updateState('stream_stats', generation, 'running');
    expect(await store.leaseHeld('stream_stats')).toBe(false);
    expect(await recorded()).toBe('stopped');
  });

  // Review finding: a request asked again while the holder carried out the first was merged with it
  // and cleared with it, so the second ask (a resume after a new failure) did nothing.
  it('a request asked again after it was picked up stays recorded when the first is cleared', async () => {
    await store.request('stream_stats', 'resume');
    const [first] = await store.pendingRequests('stream_stats');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.request('stream_stats', 'resume');
    await store.clearRequest('stream_stats', 'resume', first.requestedAt);
    const [again] = await store.pendingRequests('stream_stats');
    expect(again).toMatchObject({ action: 'resume' });
    expect(again.requestedAt > first.requestedAt).toBe(true);
    await store.clearRequest('stream_stats', 'resume', again.requestedAt);
    expect(await store.pendingRequests('stream_stats')).toEqual([]);
  });

  // Probe finding (two replicas): a rebuild asked of the standby answered as accepted, did nothing,
  // and ran whenever the standby took the lease over, maybe days later.
  it('a rebuild asked of a standby runner is carried out by the lease holder, once', async () => {
    await appendMany(backend.eventStore, 50);
    const holder = await startRunner([streamStats]);
    await eventually('the holder owns it', () => holder.leases.isHeld('stream_stats'));
    const standby = await startRunner([streamStats], { store: await backend.openStore() });
    expect(await holder.waitForPosition(await appendMany(backend.eventStore, 5), 30_000)).toBe(true);
    const swapped = new Promise<void>((resolve) => holder.changes$.subscribe((c) => c.swapped && resolve()));

    await standby.rebuild('stream_stats');
    await swapped;
    expect(await store.activeGeneration('stream_stats')).toBe(2);
    expect(await store.pendingRequests('stream_stats')).toEqual([]);

    // The standby takes over: the request was carried out, so it does not rebuild again.
    await holder.stop();
    runners.splice(runners.indexOf(holder), 1);
    const more = await appendMany(backend.eventStore, 5);
    expect(await standby.waitForPosition(more, 30_000)).toBe(true);
    await eventually('the standby owns it', () => standby.leases.isHeld('stream_stats'));
    expect(await store.activeGeneration('stream_stats')).toBe(2);
    expect((await store.listGenerations('stream_stats')).map((g) => g.generation)).toEqual([2]);
  });

  it('answers dialect-specific substring search and keyset paging against the active tables', async () => {
    const runner = await startRunner([directory]);
    const names = ['Contoso Ltd', 'Fabrikam Inc', 'Northwind Traders', 'Tailspin Toys', 'Wingtip Toys'];
    let last = '';
    for (const [i, name] of names.entries()) {
      last = (
        await backend.eventStore.append(`client-${i}`, [
          {
            id: randomUUID(),
            type: 'Directory.ClientAdded',
            data: { partnerId: 'p1', clientId: `c${i}`, name },
          },
        ])
      ).position;
    }
    await backend.eventStore.append('client-x', [
      {
        id: randomUUID(),
        type: 'Directory.ClientAdded',
        data: { partnerId: 'p2', clientId: 'c9', name: 'Other Toys' },
      },
    ]);
    expect(await runner.waitForPosition(last, 30_000)).toBe(true);
    const search = (term: string) =>
      store.query<{ name: string }>(directory, (t) =>
        store.dialect === 'postgres'
          ? sql`SELECT name FROM ${t('clients')} WHERE partner_id = ${'p1'} AND name ILIKE ${`%${term}%`} ORDER BY name`
          : sql`SELECT c.name FROM ${t('clients')} c JOIN ${t.object('clients_fts')} f ON f.rowid = c.rowid
                WHERE f.name MATCH ${`"${term}"`} AND c.partner_id = ${'p1'} ORDER BY c.name`,
      );
    expect((await search('toy')).map((r) => r.name)).toEqual(['Tailspin Toys', 'Wingtip Toys']);

    const page = async (cursor?: string) => {
      const after = cursor ? decodeCursor(cursor) : null;
      const rows = await store.query<{ name: string; client_id: string }>(directory, (t) =>
        after
          ? sql`SELECT name, client_id FROM ${t('clients')} WHERE partner_id = ${'p1'}
                AND (name, client_id) > (${after.name}, ${after.client_id}) ORDER BY name, client_id LIMIT 2`
          : sql`SELECT name, client_id FROM ${t('clients')} WHERE partner_id = ${'p1'} ORDER BY name, client_id LIMIT 2`,
      );
      const tail = rows[rows.length - 1];
      return {
        rows: rows.map((r) => r.name),
        next: tail ? encodeCursor({ name: tail.name, client_id: tail.client_id }) : undefined,
      };
    };
    const one = await page();
    const two = await page(one.next);
    const three = await page(two.next);
    expect([...one.rows, ...two.rows, ...three.rows]).toEqual(names);
    expect(await store.tableName(directory, 'clients')).toContain('directory__clients__g1');
  });
});
