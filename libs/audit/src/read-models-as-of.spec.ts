import { type EventStore, InvalidAppendError, type RecordedEvent } from '@pc/event-store';
import { streamStats } from '@pc/projections/testing/sample-projections';
import { AuditNotFoundError } from './errors';
import { eventAtOrBefore, readModelsAsOf } from './read-models-as-of';
import { appendChained, memoryStore, platformActor } from './testing/fixtures';

describe('readModelsAsOf', () => {
  let events: EventStore;
  let log: RecordedEvent[];

  beforeAll(async () => {
    events = await memoryStore();
    for (let i = 0; i < 5; i++) {
      await appendChained(
        events,
        `thing-${i % 2}`,
        [{ type: 'Sample.Added', data: { partnerId: 'p1' } }],
        platformActor,
        `2026-01-0${i + 1}T00:00:00Z`,
      );
    }
    log = await events.readAll();
  });
  afterAll(() => events.close());

  it('finds the event at a position, or the last one before it', async () => {
    expect((await eventAtOrBefore(events, log[2].position))?.id).toBe(log[2].id);
    expect((await eventAtOrBefore(events, log[0].position))?.id).toBe(log[0].id);
    expect((await eventAtOrBefore(events, log[4].position))?.id).toBe(log[4].id);
    expect(await eventAtOrBefore(events, '0'.repeat(20))).toBeNull();
  });

  it('rebuilds into a scratch store exactly up to the position', async () => {
    const asOf = await readModelsAsOf(events, [streamStats], log[2].position);
    try {
      expect(asOf).toMatchObject({ position: log[2].position, eventsReplayed: 3 });
      expect(asOf.event?.id).toBe(log[2].id);
      const dump = await asOf.store.dumpTables(streamStats);
      expect(dump.totals).toEqual([{ id: 'all', events: 3, streams: 2 }]);
      expect(dump.streams.map((row) => [row.stream, row.events])).toEqual([
        ['thing-0', 2],
        ['thing-1', 1],
      ]);
    } finally {
      await asOf.close();
    }
  });

  it('refuses a position the log has not reached, and a malformed one', async () => {
    const beyond = String(Number(log[4].position) + 1).padStart(log[4].position.length, '0');
    await expect(readModelsAsOf(events, [streamStats], beyond)).rejects.toMatchObject({
      code: 'position-not-reached',
    });
    await expect(readModelsAsOf(events, [streamStats], beyond)).rejects.toBeInstanceOf(AuditNotFoundError);
    await expect(readModelsAsOf(events, [streamStats], 'abc')).rejects.toBeInstanceOf(InvalidAppendError);
  });
});
