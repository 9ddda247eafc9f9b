import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  type EventStore,
  type NewEvent,
  SqliteEventStore,
  WrongExpectedVersionError,
  createEventStore,
} from '@pc/event-store';
import { createTestSchema, pgUrl } from '../support/postgres';

const ev = (type: string, id: string = randomUUID()): NewEvent => ({ id, type, data: { type } });

interface Opened {
  store: EventStore;
  /** A second store on the same database (another process, as far as the first one knows). */
  reopen(): Promise<EventStore>;
  cleanUp(): Promise<void>;
}

const adapters: { name: string; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'pc-es-group-'));
      const path = join(dir, 'events.sqlite');
      return {
        store: new SqliteEventStore({ path }),
        reopen: async () => new SqliteEventStore({ path }),
        cleanUp: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await createTestSchema('group');
      const config = { kind: 'postgres' as const, url: pgUrl(), schema: schema.name };
      return {
        store: await createEventStore(config),
        reopen: () => createEventStore(config),
        cleanUp: () => schema.drop(),
      };
    },
  },
];

/**
 * Group commit, in both adapters: appends that arrive together share one transaction (SQLite: those
 * of one event-loop turn; PostgreSQL: those that queue while the writer's previous transaction runs).
 * Each promise settles after the commit, each append succeeds or fails on its own, positions follow
 * the order of the calls. Every group below starts with a filler append, so that on PostgreSQL the
 * appends under test queue behind it and share the next transaction.
 */
describe.each(adapters)('group commit ($name)', ({ open }) => {
  let opened: Opened;
  let store: EventStore;

  beforeEach(async () => {
    opened = await open();
    store = opened.store;
  });
  afterEach(async () => {
    await store.close();
    await opened.cleanUp();
  });

  const filler = () => store.append(`filler-${randomUUID()}`, [ev('Filler')]);
  const types = async () => (await store.readAll()).map((e) => e.type).filter((t) => t !== 'Filler');

  it('appends arriving together are written in call order, positions increasing', async () => {
    const results = await Promise.all([
      filler(),
      ...Array.from({ length: 20 }, (_, i) => store.append(`s-${i % 5}`, [ev(`E${i}`)])),
    ]);
    const positions = results.map((r) => BigInt(r.position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(positions).size).toBe(21);
    expect(await types()).toEqual(Array.from({ length: 20 }, (_, i) => `E${i}`));
    expect(results.slice(1).map((r) => r.nextExpectedRevision)).toEqual(
      Array.from({ length: 20 }, (_, i) => Math.floor(i / 5)),
    );
  });

  it('a refused append fails alone; the others of its group are committed', async () => {
    await store.append('taken', [ev('First')], { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled([
      filler(),
      store.append('a', [ev('A')]),
      store.append('taken', [ev('Stale')], { expectedRevision: 'no_stream' }),
      store.append('b', [ev('B1'), ev('B2')]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
    expect(await types()).toEqual(['First', 'A', 'B1', 'B2']);
  });

  it('a multi-event append overlapping stored ids is undone alone, after writing part of it', async () => {
    const known = randomUUID();
    await store.append('x', [ev('X0', known)]);
    const outcomes = await Promise.allSettled([
      filler(),
      store.append('y', [ev('Y')]),
      // Its first event is new, its second repeats a stored id: the first insert must be undone.
      store.append('x', [ev('X1'), ev('X0 again', known)]),
      store.append('z', [ev('Z')]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
    expect(await types()).toEqual(['X0', 'Y', 'Z']);
    expect((await store.readStream('x')).map((e) => e.type)).toEqual(['X0']);
  });

  it('a single-event append whose id is stored elsewhere in its stream fails alone', async () => {
    const known = randomUUID();
    await store.append('w', [ev('W0', known)]);
    await store.append('w', [ev('W1')]);
    const outcomes = await Promise.allSettled([
      filler(),
      store.append('v', [ev('V')]),
      // Not a retry (that would be at revision 0 with the same batch): a conflict.
      store.append('w', [ev('W0 again', known)], { expectedRevision: 1 }),
      store.append('u', [ev('U')]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await types()).toEqual(['W0', 'W1', 'V', 'U']);
  });

  it('appends to one stream in one group see each other: chained expectations pass, a repeated one fails', async () => {
    const outcomes = await Promise.allSettled([
      filler(),
      store.append('s', [ev('S0')], { expectedRevision: 'no_stream' }),
      store.append('s', [ev('S1')], { expectedRevision: 0 }),
      store.append('s', [ev('S1 again')], { expectedRevision: 0 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect((await store.readStream('s')).map((e) => e.type)).toEqual(['S0', 'S1']);
  });

  it('a retried append in a group answers with its original result and writes nothing', async () => {
    const events = [ev('R0'), ev('R1')];
    const first = await store.append('r', events, { expectedRevision: 'no_stream' });
    const [, again, other] = await Promise.all([
      filler(),
      store.append('r', events, { expectedRevision: 'no_stream' }),
      store.append('o', [ev('O')]),
    ]);
    expect(again).toEqual({ ...first, duplicate: true });
    expect(other.nextExpectedRevision).toBe(0);
    expect((await store.readStream('r')).map((e) => e.type)).toEqual(['R0', 'R1']);
  });

  it('close() writes what was accepted before it', async () => {
    const pending = [filler(), store.append('late', [ev('Late')])];
    await store.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(2);
    store = await opened.reopen();
    expect((await store.readStream('late')).map((e) => e.type)).toEqual(['Late']);
  });

  // Regression guard for the SQLite adapter's remembered stream heads (a read past the head answers []
  // without SQL): after another connection's commit, the head must come from SQL again.
  it("a read past this store's head sees another connection's later events", async () => {
    const other = await opened.reopen();
    try {
      await store.append('h', [ev('Mine0')]);
      expect(await store.readStream('h', { fromRevision: 1 })).toEqual([]);
      await other.append('h', [ev('Other1')], { expectedRevision: 0 });
      expect((await store.readStream('h', { fromRevision: 1 })).map((e) => e.type)).toEqual(['Other1']);
      // A read that reached the head remembers it; the other connection moves it again.
      await other.append('h', [ev('Other2')], { expectedRevision: 1 });
      expect((await store.readStream('h', { fromRevision: 2 })).map((e) => e.type)).toEqual(['Other2']);
      expect(await store.readStream('h', { fromRevision: 3 })).toEqual([]);
      await store.append('h', [ev('Mine3')], { expectedRevision: 2 });
      expect((await other.readStream('h', { fromRevision: 3 })).map((e) => e.type)).toEqual(['Mine3']);
    } finally {
      await other.close();
    }
  });

  // The head of a stream first met by a read is remembered without checking data_version (the read
  // went to SQL anyway); the check before that head is used must still see the other connection.
  it("a head remembered from a first read gives way to another connection's later events", async () => {
    const other = await opened.reopen();
    try {
      await other.append('c', [ev('Other0')]);
      await store.append('x', [ev('X0')]);
      expect(await store.readStream('x', { fromRevision: 1 })).toEqual([]);
      expect((await store.readStream('c')).map((e) => e.type)).toEqual(['Other0']);
      await other.append('c', [ev('Other1')], { expectedRevision: 0 });
      expect((await store.readStream('c', { fromRevision: 1 })).map((e) => e.type)).toEqual(['Other1']);
      expect(await store.readStream('c', { fromRevision: 2 })).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('group commit (sqlite): one transaction per event-loop turn', () => {
  it('the appends of one turn are one commit, seen by another connection as one change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-es-group-'));
    const path = join(dir, 'events.sqlite');
    const store = new SqliteEventStore({ path });
    await store.append('warm', [ev('Warm')]);
    const observer = new Database(path, { readonly: true });
    const commits = () => observer.pragma('data_version', { simple: true }) as number;
    try {
      const before = commits();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(`s-${i % 5}`, [ev(`E${i}`)])));
      expect(commits() - before).toBe(1);
    } finally {
      observer.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('group commit (postgres): an append that breaks the shared transaction', () => {
  it('fails alone: the others of its group are written on their own', async () => {
    const schema = await createTestSchema('group');
    const store = await createEventStore({ kind: 'postgres', url: pgUrl(), schema: schema.name });
    try {
      const outcomes = await Promise.allSettled([
        store.append('filler', [ev('Filler')]),
        store.append('a', [ev('A')]),
        // A text column refuses a NUL character: PostgreSQL aborts the whole transaction on it.
        store.append('bad', [{ id: randomUUID(), type: 'Bad\u0000', data: {} }]),
        store.append('b', [ev('B')]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect((await store.readAll()).map((e) => e.type)).toEqual(['Filler', 'A', 'B']);
    } finally {
      await store.close();
      await schema.drop();
    }
  });
});
