import { refuse } from './errors';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * Whether `value` is a date (YYYY-MM-DD) or UTC instant (YYYY-MM-DDTHH:mm:ss[.sss]Z) that exists on
 * the calendar: the shape alone let 2026-13-45 or 2026-02-31T99:99:99Z through.
 */
export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string' || !(DATE_ONLY.test(value) || INSTANT.test(value))) return false;
  const [y, m, d] = [value.slice(0, 4), value.slice(5, 7), value.slice(8, 10)].map(Number);
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return false;
  if (value.length === 10) return true;
  const [hh, mm, ss] = [value.slice(11, 13), value.slice(14, 16), value.slice(17, 19)].map(Number);
  return hh <= 23 && mm <= 59 && ss <= 59;
}

/**
 * Normalises a date or UTC instant to the canonical `YYYY-MM-DDTHH:mm:ss.sssZ` form, so that
 * instants compare correctly as strings everywhere in the domain. Pure string work: no Date objects.
 */
export function toInstant(value: string, field = 'date'): string {
  if (!isInstant(value)) {
    return refuse('invalid-instant', `${field} must be a date (YYYY-MM-DD) or a UTC instant (…Z)`, {
      field,
      value: String(value),
    });
  }
  // A valid date alone is ten characters (YYYY-MM-DD); an instant is longer.
  if (value.length === 10) return `${value}T00:00:00.000Z`;
  const [head, frac = ''] = value.slice(0, -1).split('.');
  return `${head}.${frac.padEnd(3, '0')}Z`;
}

const DAY_MS = 86_400_000;

/** Adds whole days to a canonical instant (calendar arithmetic in UTC, via epoch milliseconds). */
export function addDays(instant: string, days: number): string {
  return fromEpoch(toEpoch(instant) + days * DAY_MS);
}

/** Whole days from `a` to `b` (may be negative), rounded down. */
export function daysBetween(a: string, b: string): number {
  return Math.floor((toEpoch(b) - toEpoch(a)) / DAY_MS);
}

// Epoch conversion without the Date global (the domain is clock-free by lint rule): a proleptic
// Gregorian civil-date algorithm on plain integers.
function toEpoch(instant: string): number {
  const i = toInstant(instant);
  const y = Number(i.slice(0, 4));
  const m = Number(i.slice(5, 7));
  const d = Number(i.slice(8, 10));
  const ms =
    Number(i.slice(11, 13)) * 3_600_000 +
    Number(i.slice(14, 16)) * 60_000 +
    Number(i.slice(17, 19)) * 1000 +
    Number(i.slice(20, 23));
  return daysFromCivil(y, m, d) * DAY_MS + ms;
}

function fromEpoch(epochMs: number): string {
  const days = Math.floor(epochMs / DAY_MS);
  let rest = epochMs - days * DAY_MS;
  const [y, m, d] = civilFromDays(days);
  const hh = Math.floor(rest / 3_600_000);
  rest -= hh * 3_600_000;
  const mm = Math.floor(rest / 60_000);
  rest -= mm * 60_000;
  const ss = Math.floor(rest / 1000);
  const ms = rest - ss * 1000;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(y, 4)}-${p(m)}-${p(d)}T${p(hh)}:${p(mm)}:${p(ss)}.${p(ms, 3)}Z`;
}

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/**
 * Adds calendar months to a canonical instant, keeping the time of day. A day that does not exist
 * in the target month is clamped to its last day (Jan 31 + 1 month = Feb 28/29), as billing terms do.
 * `dayOfMonth` names the day to land on instead of the instant's own (still clamped): renewals pass
 * the day the subscription started so terms do not drift (Jan 31 → Feb 28 → Mar 31, not Mar 28).
 */
export function addMonths(instant: string, months: number, dayOfMonth?: number): string {
  const i = toInstant(instant);
  const total = Number(i.slice(0, 4)) * 12 + (Number(i.slice(5, 7)) - 1) + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  const d = Math.min(dayOfMonth ?? Number(i.slice(8, 10)), daysInMonth(y, m));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(y, 4)}-${p(m)}-${p(d)}${i.slice(10)}`;
}

function daysInMonth(y: number, m: number): number {
  return daysFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - daysFromCivil(y, m, 1);
}
