import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventStore, InvalidAppendError, type RecordedEvent } from '@pc/event-store';
import { SqliteReadModelStore } from '@pc/projections';
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

  describe('the scratch store', () => {
    let scratchDir: string;

    beforeEach(() => {
      scratchDir = mkdtempSync(join(tmpdir(), 'pc-as-of-spec-'));
    });
    afterEach(() => {
      jest.restoreAllMocks();
      rmSync(scratchDir, { recursive: true, force: true });
    });

    /** The files under each directory of scratchDir. */
    const files = () => readdirSync(scratchDir).map((dir) => readdirSync(join(scratchDir, dir)));

    /** The event store, listing scratchDir on each read (the rebuild reads while it writes the store). */
    function watching(seen: string[][][], failAfter = Infinity): EventStore {
      let reads = 0;
      return new Proxy(events, {
        get(target, property) {
          if (property === 'readAll') {
            return (...args: Parameters<EventStore['readAll']>) => {
              seen.push(files());
              if (++reads > failAfter) throw new Error('read failed');
              return target.readAll(...args);
            };
          }
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    }

    it('is a SQLite file in a directory under scratchDir while it is built, removed by close()', async () => {
      const seen: string[][][] = [];
      const asOf = await readModelsAsOf(watching(seen), [streamStats], log[2].position, { scratchDir });
      expect(seen.at(-1)).toEqual([expect.arrayContaining(['read-models.sqlite'])]);
      expect(asOf.store).toBeInstanceOf(SqliteReadModelStore);
      const path = (asOf.store as SqliteReadModelStore).options.path;
      expect(path.startsWith(join(scratchDir, 'pc-read-models-as-of-'))).toBe(true);
      expect(files()).toEqual([expect.arrayContaining(['read-models.sqlite'])]);
      await asOf.close();
      expect(readdirSync(scratchDir)).toEqual([]);
      await asOf.close();
    });

    it('defaults to os.tmpdir() (TMPDIR)', async () => {
      // Jest gives each test file a copy of process.env, so TMPDIR cannot be changed here.
      jest.spyOn(os, 'tmpdir').mockReturnValue(scratchDir);
      const asOf = await readModelsAsOf(events, [streamStats], log[2].position);
      try {
        expect(files()).toEqual([expect.arrayContaining(['read-models.sqlite'])]);
      } finally {
        await asOf.close();
      }
      expect(readdirSync(scratchDir)).toEqual([]);
    });

    it('is removed when the rebuild fails, before the error is thrown', async () => {
      // The two reads of eventAtOrBefore pass; the rebuild's first read fails.
      const seen: string[][][] = [];
      const failing = watching(seen, 2);
      await expect(readModelsAsOf(failing, [streamStats], log[2].position, { scratchDir })).rejects.toThrow(
        'read failed',
      );
      expect(seen.at(-1)).toEqual([expect.arrayContaining(['read-models.sqlite'])]);
      expect(readdirSync(scratchDir)).toEqual([]);
    });

    it('is not made for a refused position', async () => {
      const beyond = String(Number(log[4].position) + 1).padStart(log[4].position.length, '0');
      await expect(readModelsAsOf(events, [streamStats], beyond, { scratchDir })).rejects.toMatchObject({
        code: 'position-not-reached',
      });
      expect(readdirSync(scratchDir)).toEqual([]);
    });
  });
});
