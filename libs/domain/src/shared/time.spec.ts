import { DomainError } from './errors';
import { addDays, addMonths, daysBetween, isInstant, toInstant } from './time';

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

// Regression: the shape alone was checked, so 2026-13-45 or 2026-02-31T99:99:99Z was stored as given.
describe('isInstant / toInstant', () => {
  it('accepts dates and UTC instants that exist, leap days included', () => {
    for (const value of ['2026-01-31', '2028-02-29', '2026-12-31T23:59:59.999Z', '2026-06-01T00:00:00Z'])
      expect(isInstant(value)).toBe(true);
    expect(toInstant('2028-02-29')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('refuses what the calendar does not have, and other shapes', () => {
    for (const value of [
      '2026-13-01',
      '2026-00-10',
      '2026-02-29',
      '2026-04-31',
      '2026-02-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T23:60:00Z',
      '2026-01-01T23:59:60Z',
      '20260101',
      '2026-W05',
      '2026-01-01T00:00:00+02:00',
      42,
    ]) {
      expect(isInstant(value)).toBe(false);
      expect(() => toInstant(value as string, 'expiresAt')).toThrow(DomainError);
    }
  });
});
