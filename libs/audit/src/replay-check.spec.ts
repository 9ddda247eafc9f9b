import type { EventStore } from '@pc/event-store';
import { SqliteReadModelStore, generationTableName, rebuildInto } from '@pc/projections';
import { streamStats } from '@pc/projections/testing/sample-projections';
import { replayCheck } from './replay-check';
import { appendChained, memoryStore, platformActor } from './testing/fixtures';

describe('replayCheck', () => {
  let events: EventStore;
  let live: SqliteReadModelStore;

  beforeEach(async () => {
    events = await memoryStore();
    for (let i = 0; i < 6; i++) {
      await appendChained(
        events,
        `thing-${i % 2}`,
        [{ type: 'Sample.Added', data: { partnerId: `p${i % 2}` } }],
        platformActor,
        '2026-01-01T00:00:00Z',
      );
    }
    live = new SqliteReadModelStore({ path: ':memory:' });
    await rebuildInto(events, streamStats, live);
  });
  afterEach(async () => {
    await live.close();
    await events.close();
  });

  it('a rebuild from the history equals the live tables', async () => {
    const report = await replayCheck({ eventStore: events, live, projections: [streamStats] });
    expect(report).toMatchObject({
      ok: true,
      projections: [{ projection: 'stream_stats', status: 'identical', eventsReplayed: 6 }],
    });
  });

  it('only up to the live checkpoint: events the live projection has not reached yet are no difference', async () => {
    await appendChained(
      events,
      'thing-9',
      [{ type: 'Sample.Added', data: {} }],
      platformActor,
      '2026-01-02T00:00:00Z',
    );
    expect((await replayCheck({ eventStore: events, live, projections: [streamStats] })).ok).toBe(true);
  });

  it('finds a live row changed by hand, and names the table and key', async () => {
    const table = generationTableName('stream_stats', 'streams', 1);
    live.db.prepare(`UPDATE "${table}" SET events = 99 WHERE stream = 'thing-1'`).run();
    live.db.prepare(`DELETE FROM "${generationTableName('stream_stats', 'totals', 1)}"`).run();
    const report = await replayCheck({ eventStore: events, live, projections: [streamStats] });
    expect(report.ok).toBe(false);
    expect(report.projections[0]).toMatchObject({
      status: 'different',
      differences: [
        { table: 'streams', changed: 1, missingInLive: 0, extraInLive: 0, exampleKeys: ['["thing-1"]'] },
        { table: 'totals', changed: 0, missingInLive: 1, extraInLive: 0 },
      ],
    });
  });

  it('a projection without a live generation is reported, not passed', async () => {
    const empty = new SqliteReadModelStore({ path: ':memory:' });
    await empty.init();
    const report = await replayCheck({ eventStore: events, live: empty, projections: [streamStats] });
    expect(report).toMatchObject({ ok: false, projections: [{ status: 'not-built' }] });
    await empty.close();
  });
});
