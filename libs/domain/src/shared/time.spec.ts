import { addDays, addMonths, daysBetween } from './time';

describe('addMonths', () => {
  it('adds calendar months keeping the time of day', () => {
    expect(addMonths('2026-01-15T10:30:00.000Z', 1)).toBe('2026-02-15T10:30:00.000Z');
    expect(addMonths('2026-01-15T10:30:00.000Z', 12)).toBe('2027-01-15T10:30:00.000Z');
    expect(addMonths('2026-11-15', 3)).toBe('2027-02-15T00:00:00.000Z');
  });

  it('clamps to the last day of a shorter month (leap years included)', () => {
    expect(addMonths('2026-01-31T00:00:00.000Z', 1)).toBe('2026-02-28T00:00:00.000Z');
    expect(addMonths('2028-01-31T00:00:00.000Z', 1)).toBe('2028-02-29T00:00:00.000Z');
    expect(addMonths('2026-03-31T00:00:00.000Z', 1)).toBe('2026-04-30T00:00:00.000Z');
    expect(addMonths('2028-02-29T00:00:00.000Z', 12)).toBe('2029-02-28T00:00:00.000Z');
  });

  it('lands on the anchor day when given, so terms do not drift', () => {
    expect(addMonths('2026-02-28T00:00:00.000Z', 1, 31)).toBe('2026-03-31T00:00:00.000Z');
    expect(addMonths('2026-02-28T00:00:00.000Z', 2, 31)).toBe('2026-04-30T00:00:00.000Z');
  });

  it('goes backwards with negative months', () => {
    expect(addMonths('2026-03-31T00:00:00.000Z', -1)).toBe('2026-02-28T00:00:00.000Z');
    expect(addMonths('2026-01-10T00:00:00.000Z', -13)).toBe('2024-12-10T00:00:00.000Z');
  });

  it('agrees with day arithmetic', () => {
    expect(daysBetween('2026-01-01T00:00:00.000Z', addMonths('2026-01-01T00:00:00.000Z', 12))).toBe(365);
    expect(addDays('2026-01-01T00:00:00.000Z', 30)).toBe('2026-01-31T00:00:00.000Z');
  });
});
