import { refuse } from '../shared/errors';

/** A service of the suite as sold: what a trial gives and what a paid subscription may hold. */
export interface CatalogService {
  /** Stable id of the offer (kebab-case), e.g. `office-business-standard`. */
  offerId: string;
  name: string;
  /** The trial this service offers, or null when it has none (it can then only be bought). */
  trial: { days: number; seats: number } | null;
  minLicenses: number;
  maxLicenses: number;
  /** Length of one paid term (and of each renewal), in calendar months. */
  termMonths: number;
}

export interface Catalog {
  readonly services: readonly CatalogService[];
  readonly byId: ReadonlyMap<string, CatalogService>;
}

/** Thrown by parseCatalog, with every problem found (not just the first: fix the file once). */
export class CatalogError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid catalog:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'CatalogError';
  }
}

const OFFER_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const SERVICE_KEYS = ['offerId', 'name', 'trial', 'minLicenses', 'maxLicenses', 'termMonths'];
const TRIAL_KEYS = ['days', 'seats'];
/** Sanity bounds: a typo like `termMonths: 120` should fail at boot, not bill a customer for ten years. */
const MAX_TRIAL_DAYS = 365;
const MAX_TERM_MONTHS = 60;
const MAX_LICENSES = 1_000_000;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates the catalog configuration (JSON as loaded at boot) and builds the catalog. Pure: the
 * caller reads the file. Throws a CatalogError listing every problem.
 *
 * Shape: `{ "services": [{ "offerId", "name", "trial": { "days", "seats" } | null, "minLicenses",
 * "maxLicenses", "termMonths" }] }` (`trial` may be omitted: no trial).
 */
export function parseCatalog(json: unknown): Catalog {
  const problems: string[] = [];
  if (!isRecord(json)) throw new CatalogError(['the catalog must be an object with a "services" array']);
  for (const key of Object.keys(json))
    if (key !== 'services') problems.push(`unknown property "${key}" at the top level`);
  const raw = json.services;
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push('"services" must be a non-empty array');
    throw new CatalogError(problems);
  }

  const services: CatalogService[] = [];
  const seen = new Set<string>();
  raw.forEach((entry: unknown, index) => {
    const at = `services[${index}]`;
    if (!isRecord(entry)) {
      problems.push(`${at} must be an object`);
      return;
    }
    const where = typeof entry.offerId === 'string' ? `${at} (${entry.offerId})` : at;
    const before = problems.length;
    for (const key of Object.keys(entry))
      if (!SERVICE_KEYS.includes(key)) problems.push(`${where}: unknown property "${key}"`);

    const { offerId, name, minLicenses, maxLicenses, termMonths } = entry;
    if (typeof offerId !== 'string' || !OFFER_ID.test(offerId))
      problems.push(`${where}.offerId must be a kebab-case string`);
    else if (seen.has(offerId)) problems.push(`${where}.offerId is a duplicate`);
    else seen.add(offerId);
    if (typeof name !== 'string' || name.trim() === '')
      problems.push(`${where}.name must be a non-empty string`);
    const intIn = (value: unknown, field: string, min: number, max: number): value is number => {
      const ok = Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
      if (!ok) problems.push(`${where}.${field} must be an integer from ${min} to ${max}`);
      return ok;
    };
    const minOk = intIn(minLicenses, 'minLicenses', 1, MAX_LICENSES);
    const maxOk = intIn(maxLicenses, 'maxLicenses', 1, MAX_LICENSES);
    if (minOk && maxOk && (minLicenses as number) > (maxLicenses as number))
      problems.push(`${where}: minLicenses (${minLicenses}) exceeds maxLicenses (${maxLicenses})`);
    intIn(termMonths, 'termMonths', 1, MAX_TERM_MONTHS);

    let trial: CatalogService['trial'] = null;
    if (entry.trial !== undefined && entry.trial !== null) {
      if (!isRecord(entry.trial)) problems.push(`${where}.trial must be an object { days, seats } or null`);
      else {
        for (const key of Object.keys(entry.trial))
          if (!TRIAL_KEYS.includes(key)) problems.push(`${where}.trial: unknown property "${key}"`);
        const daysOk = intIn(entry.trial.days, 'trial.days', 1, MAX_TRIAL_DAYS);
        // Trial seats are a fixed allotment; more than a paid subscription may hold makes no sense.
        const seatsOk = intIn(
          entry.trial.seats,
          'trial.seats',
          1,
          maxOk ? (maxLicenses as number) : MAX_LICENSES,
        );
        if (daysOk && seatsOk)
          trial = { days: entry.trial.days as number, seats: entry.trial.seats as number };
      }
    }
    if (problems.length === before) {
      services.push({
        offerId: offerId as string,
        name: (name as string).trim(),
        trial,
        minLicenses: minLicenses as number,
        maxLicenses: maxLicenses as number,
        termMonths: termMonths as number,
      });
    }
  });
  if (problems.length > 0) throw new CatalogError(problems);
  return { services, byId: new Map(services.map((s) => [s.offerId, s])) };
}

/** The service named, or the refusal `unknown-offer` (a payload naming something not for sale). */
export function serviceOf(catalog: Catalog, offerId: string): CatalogService {
  const service = catalog.byId.get(offerId);
  if (!service) return refuse('unknown-offer', `No service '${offerId}' in the catalog`, { offerId });
  return service;
}

/** Is `licenses` a license count this service may hold? */
export function licensesWithinBounds(service: CatalogService, licenses: number): boolean {
  return Number.isInteger(licenses) && licenses >= service.minLicenses && licenses <= service.maxLicenses;
}

/** Refusal `licenses-out-of-bounds` naming the bounds, so the caller can correct the count. */
export function requireLicensesWithinBounds(service: CatalogService, licenses: number): void {
  if (!licensesWithinBounds(service, licenses)) {
    refuse(
      'licenses-out-of-bounds',
      `${service.name} takes from ${service.minLicenses} to ${service.maxLicenses} licenses, not ${licenses}`,
      { offerId: service.offerId, licenses, min: service.minLicenses, max: service.maxLicenses },
    );
  }
}
