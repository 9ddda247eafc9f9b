import type { EventRow } from './sqlite-schema';
import { RecentRows } from './recent-rows';

const row = (position: number, type = 'T', stream = 's-1'): EventRow => ({
  global_position: position,
  stream_name: stream,
  revision: position,
  event_id: `id-${position}`,
  type,
  data: '{}',
  metadata: '{}',
  recorded_at: '2026-01-01T00:00:00.000Z',
});
const none = { eventTypePrefixes: null, streamNamePrefixes: null };
const positions = (rows: EventRow[] | undefined) => rows?.map((r) => r.global_position);

describe('RecentRows', () => {
  it('answers reads that start inside the run, in order, up to the limit', () => {
    const recent = new RecentRows(10);
    [5, 6, 7, 8].forEach((p) => recent.add(row(p)));
    expect(positions(recent.readForwards(4, -1, none))).toEqual([5, 6, 7, 8]);
    expect(positions(recent.readForwards(6, -1, none))).toEqual([7, 8]);
    expect(positions(recent.readForwards(5, 2, none))).toEqual([6, 7]);
    expect(positions(recent.readForwards(8, -1, none))).toEqual([]);
  });

  it('cannot answer a read that needs rows older than the run', () => {
    const recent = new RecentRows(10);
    [5, 6].forEach((p) => recent.add(row(p)));
    expect(recent.readForwards(3, -1, none)).toBeUndefined();
  });

  it('restarts the run at a row that does not follow the last one (another writer in between)', () => {
    const recent = new RecentRows(10);
    [1, 2, 3].forEach((p) => recent.add(row(p)));
    recent.add(row(5));
    expect(recent.first).toBe(5);
    expect(recent.readForwards(3, -1, none)).toBeUndefined();
    expect(positions(recent.readForwards(4, -1, none))).toEqual([5]);
  });

  it('keeps only the newest rows up to its capacity', () => {
    const recent = new RecentRows(3);
    for (let p = 1; p <= 10; p++) recent.add(row(p));
    expect([recent.first, recent.last]).toEqual([8, 10]);
    expect(recent.readForwards(6, -1, none)).toBeUndefined();
    expect(positions(recent.readForwards(7, -1, none))).toEqual([8, 9, 10]);
  });

  it('applies type and stream prefix filters like the SQL read, the limit counting matches only', () => {
    const recent = new RecentRows(10);
    recent.add(row(1, 'CustomerCreated', 'customer-1'));
    recent.add(row(2, 'PartnerRegistered', 'partner-1'));
    recent.add(row(3, 'CustomerSuspended', 'customer-2'));
    recent.add(row(4, 'CustomerCreated', 'other-1'));
    const byType = { eventTypePrefixes: ['Customer'], streamNamePrefixes: null };
    expect(positions(recent.readForwards(0, -1, byType))).toEqual([1, 3, 4]);
    expect(positions(recent.readForwards(0, 2, byType))).toEqual([1, 3]);
    const both = {
      eventTypePrefixes: ['Customer', 'Partner'],
      streamNamePrefixes: ['customer-', 'partner-'],
    };
    expect(positions(recent.readForwards(0, -1, both))).toEqual([1, 2, 3]);
  });

  it('holds nothing when its capacity is 0', () => {
    const recent = new RecentRows(0);
    recent.add(row(1));
    expect(recent.first).toBeNull();
    expect(recent.readForwards(0, -1, none)).toBeUndefined();
  });
});
