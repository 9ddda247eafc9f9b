/**
 * The pipeline on EventStoreDB (the adapter through the real client against the in-process gRPC test
 * double, test/support/esdb-double) when the same command id runs in two processes at once: the
 * scheduler runs on every instance, and a client may retry on another one. Each process has its
 * own connection and pipeline.
 *
 * Regression (review): process B has read and decided; A's append of the same command (the SAME event
 * ids: UUIDv5 of the command id, but another occurredAt and other hashes) commits between B's `$all`
 * head read and B's append. The server takes B's append as an idempotent retry and answers with A's
 * position; the adapter reported `duplicate: false`, so B answered 201 instead of a replay and cached
 * its own events, which the store never held: its next command on the stream chained from a hash the
 * store does not have, a permanent break that `/audit/verify` reports.
 * The SQL stores' version of this race: test/pipeline/pipeline.test.ts ("with another process writing
 * the same streams").
 */
import { randomUUID } from 'node:crypto';
import type { EventStore } from '@pc/event-store';
import { createEventStoreDbEventStore } from '@pc/event-store/eventstoredb/eventstoredb-event-store';
import { type DomainEvent, type Evolver, defineCommand, refuse, registry, releases } from '@pc/domain';
import { type CommandContext, GENESIS_HASH, createCommandPipeline, eventHash } from '@pc/pipeline';
import { verifyHistory } from '@pc/audit';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double';
import { raceAfterHeadRead } from '../support/esdb-double/race';

/** How many notes a stream holds: a state the next decision depends on. */
const notes: Evolver<{ count: number }, DomainEvent> = {
  initialState: { count: 0 },
  evolve: (s, e) => (e.type === 'Noted' ? { count: s.count + 1 } : s),
};
const claim: Evolver<{ taken: boolean }, DomainEvent> = {
  initialState: { taken: false },
  evolve: (s, e) => (releases(e, 'Claimed') ? { taken: false } : e.type === 'Claimed' ? { taken: true } : s),
};

const commands = registry(
  defineCommand<{ name: string }>({
    type: 'Note',
    primary: 'notes',
    streams: (p) => ({
      notes: { stream: `notes-${p.name}`, evolver: notes as Evolver<unknown, DomainEvent> },
    }),
    decide: (_p, loaded) => ({
      events: {
        notes: [{ type: 'Noted', data: { seen: (loaded.notes.state as { count: number }).count } }],
      },
    }),
  }),
  // A claim first, then the primary stream: the race then hits the claim's append.
  defineCommand<{ name: string; label: string }>({
    type: 'NoteWithLabel',
    primary: 'notes',
    streams: (p) => ({
      notes: { stream: `notes-${p.name}`, evolver: notes as Evolver<unknown, DomainEvent> },
      label: { stream: `label-${p.label}`, evolver: claim as Evolver<unknown, DomainEvent> },
    }),
    decide(p, loaded) {
      if ((loaded.label.state as { taken: boolean }).taken) refuse('label-taken', 'Taken', {}, 'conflict');
      return {
        events: {
          notes: [{ type: 'Noted', data: { seen: (loaded.notes.state as { count: number }).count } }],
          label: [{ type: 'Claimed', data: { notes: p.name } }],
        },
      };
    },
  }),
  // Writes to a label stream as its primary (its next event chains from the claim).
  defineCommand<{ label: string }>({
    type: 'Touch',
    primary: 'label',
    streams: (p) => ({
      label: { stream: `label-${p.label}`, evolver: claim as Evolver<unknown, DomainEvent> },
    }),
    decide: () => ({ events: { label: [{ type: 'Touched', data: {} }] } }),
  }),
);

const ctx = (over: Partial<CommandContext> = {}): CommandContext => ({
  commandId: randomUUID(),
  correlationId: 'corr-1',
  actor: { kind: 'partner-user', id: 'jana', partnerId: 'p1' },
  service: { kind: 'service', id: 'admin-center' },
  now: '2026-01-05T09:00:00.000Z',
  ...over,
});

describe.each(['current', 'legacy'] as const)(
  'pipeline on EventStoreDB (gRPC double, %s node): one command id run by two processes at once',
  (profile) => {
    let double: EsdbDouble;
    let storeA: EventStore;
    let storeB: EventStore;
    let remote: ReturnType<typeof createCommandPipeline>;
    let local: ReturnType<typeof createCommandPipeline>;

    beforeEach(async () => {
      double = await startEsdbDouble({ profile });
      storeA = await createEventStoreDbEventStore(double.connectionString);
      storeB = await createEventStoreDbEventStore(double.connectionString);
      remote = createCommandPipeline({ store: storeA, commands });
      local = createCommandPipeline({ store: storeB, commands });
    });
    afterEach(async () => {
      await storeA.close();
      await storeB.close();
      await double.stop();
    });

    async function expectWholeChains(streams: string[]): Promise<void> {
      for (const stream of streams) {
        const events = await storeA.readStream(stream);
        events.forEach((e, i) => {
          expect(e.metadata.prevHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1].metadata.hash);
          expect(e.metadata.hash).toBe(eventHash(e.type, e.data, e.metadata));
        });
      }
      const report = await verifyHistory(storeA);
      expect(report.breaks).toEqual([]);
      expect(report.ok).toBe(true);
    }

    it('the process whose append the server deduplicated answers as a replay; the chain stays whole', async () => {
      const name = randomUUID();
      await local.execute('Note', { name }, ctx()); // both processes know the stream at revision 0
      const command = ctx({ now: '2026-01-05T09:00:01.000Z' });
      let first: Awaited<ReturnType<typeof remote.execute>> | undefined;
      raceAfterHeadRead(storeB, async () => {
        first = await remote.execute('Note', { name }, command);
      });
      const raced = await local.execute('Note', { name }, { ...command, now: '2026-01-05T09:00:02.000Z' });
      expect(first).toMatchObject({ replayed: false, revision: 1 });
      expect(raced).toEqual({ ...first, replayed: true });
      // The next command decides on what the store holds and chains from the stored hash.
      const next = await local.execute('Note', { name }, ctx());
      expect(next).toMatchObject({ replayed: false, revision: 2 });
      const events = await storeA.readStream(`notes-${name}`);
      expect(events.map((e) => [e.metadata.commandId, e.metadata.occurredAt, e.data])).toEqual([
        [expect.any(String), '2026-01-05T09:00:00.000Z', { seen: 0 }],
        [command.commandId, '2026-01-05T09:00:01.000Z', { seen: 1 }],
        [expect.any(String), '2026-01-05T09:00:00.000Z', { seen: 2 }],
      ]);
      await expectWholeChains([`notes-${name}`]);
    });

    it('the same when the race hits a claim written before the primary stream', async () => {
      const name = randomUUID();
      const label = randomUUID();
      await local.execute('Note', { name }, ctx());
      const command = ctx({ now: '2026-01-05T09:00:01.000Z' });
      let first: Awaited<ReturnType<typeof remote.execute>> | undefined;
      raceAfterHeadRead(storeB, async () => {
        first = await remote.execute('NoteWithLabel', { name, label }, command);
      });
      const raced = await local.execute(
        'NoteWithLabel',
        { name, label },
        { ...command, now: '2026-01-05T09:00:02.000Z' },
      );
      expect(first).toMatchObject({ replayed: false, revision: 1 });
      expect(raced).toEqual({ ...first, replayed: true });
      // The next commands chain from the stored hashes, the claim's included.
      await local.execute('Note', { name }, ctx());
      await local.execute('Touch', { label }, ctx());
      const claims = await storeA.readStream(`label-${label}`);
      expect(claims.map((e) => [e.type, e.metadata.occurredAt])).toEqual([
        ['Claimed', '2026-01-05T09:00:01.000Z'],
        ['Touched', '2026-01-05T09:00:00.000Z'],
      ]);
      expect(await storeA.readStream(`notes-${name}`)).toHaveLength(3);
      await expectWholeChains([`notes-${name}`, `label-${label}`]);
    });
  },
);
