import type { JsonValue } from '@pc/event-store';

/**
 * Authorization periods as stored in read models: `[from, until)` with `until` null while open.
 * Same rule as the domain's holdsAuthorization, kept here so read models never import state folds.
 */
export interface Period {
  from: string;
  until: string | null;
}

export function parsePeriods(value: JsonValue | undefined): Period[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) =>
    item !== null && typeof item === 'object' && !Array.isArray(item) && typeof item.from === 'string'
      ? [{ from: item.from, until: typeof item.until === 'string' ? item.until : null }]
      : [],
  );
}

/**
 * A grant opens a period; on an open period that starts later it moves the start earlier, and on
 * one that has started by then it changes nothing (the domain's evolve, partner/state.ts).
 */
export function grant(periods: Period[], from: string): Period[] {
  const last = periods[periods.length - 1];
  if (!last || last.until !== null) return [...periods, { from, until: null }];
  if (from >= last.from) return periods;
  return [...periods.slice(0, -1), { from, until: null }];
}

/**
 * A revocation closes the open period from its effective date, or moves an end already scheduled
 * later earlier; never later (the domain's evolve, partner/state.ts).
 */
export function revoke(periods: Period[], until: string): Period[] {
  const last = periods[periods.length - 1];
  if (!last || (last.until !== null && last.until <= until)) return periods;
  return [...periods.slice(0, -1), { from: last.from, until }];
}

export function holdsAt(periods: readonly Period[], at: string): boolean {
  return periods.some((p) => p.from <= at && (p.until === null || at < p.until));
}

/** For json columns: plain objects only. */
export const periodsJson = (periods: readonly Period[]): JsonValue =>
  periods.map((p) => ({ from: p.from, until: p.until }));
