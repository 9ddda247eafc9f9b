import { InvalidAppendError } from '../errors';
import type { AllFilter, Direction, ExpectedRevision, JsonObject, NewEvent } from '../types';

/** An event checked and serialised once, ready for any SQL adapter to insert. */
export interface PreparedEvent {
  /** Lower-cased, so ids compare the same way whether the backend stores text or a uuid type. */
  id: string;
  type: string;
  data: string;
  metadata: string;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function prepareAppend(
  streamName: string,
  events: NewEvent[],
  expected: ExpectedRevision,
): PreparedEvent[] {
  if (typeof streamName !== 'string' || streamName.length === 0) {
    throw new InvalidAppendError('Stream name must be a non-empty string');
  }
  validateExpectedRevision(expected);
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidAppendError(`Append to '${streamName}' needs at least one event`);
  }
  const seen = new Set<string>();
  return events.map((event, index) => {
    const where = `event #${index} of the append to '${streamName}'`;
    if (typeof event?.id !== 'string' || !UUID_PATTERN.test(event.id)) {
      throw new InvalidAppendError(`The id of ${where} must be a UUID`);
    }
    const id = event.id.toLowerCase();
    if (seen.has(id))
      throw new InvalidAppendError(`The id ${id} appears twice in the append to '${streamName}'`);
    seen.add(id);
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw new InvalidAppendError(`The type of ${where} must be a non-empty string`);
    }
    return {
      id,
      type: event.type,
      data: serialiseObject(event.data, `data of ${where}`),
      metadata: serialiseObject(event.metadata ?? {}, `metadata of ${where}`),
    };
  });
}

function serialiseObject(value: JsonObject, what: string): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidAppendError(`The ${what} must be a JSON object`);
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidAppendError(`The ${what} is not serialisable as JSON: ${(error as Error).message}`);
  }
  return text;
}

function validateExpectedRevision(expected: ExpectedRevision): void {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new InvalidAppendError(`Invalid expected revision '${String(expected)}'`);
}

export function validateDirection(direction: Direction | undefined): Direction {
  const value = direction ?? 'forwards';
  if (value !== 'forwards' && value !== 'backwards')
    throw new InvalidAppendError(`Invalid direction '${String(value)}'`);
  return value;
}

/** `undefined` means unlimited. */
export function validateMaxCount(maxCount: number | undefined): number | undefined {
  if (maxCount === undefined) return undefined;
  if (!Number.isSafeInteger(maxCount) || maxCount < 0) {
    throw new InvalidAppendError(`Invalid maxCount '${String(maxCount)}': expected a non-negative integer`);
  }
  return maxCount;
}

export function validateRevision(
  revision: number | 'start' | 'end' | undefined,
): number | 'start' | 'end' | undefined {
  if (revision === undefined || revision === 'start' || revision === 'end') return revision;
  if (Number.isSafeInteger(revision) && revision >= 0) return revision;
  throw new InvalidAppendError(`Invalid fromRevision '${String(revision)}'`);
}

/** A filter in the shape SQL wants: null means "no condition"; an empty prefix list is treated as no filter. */
export interface NormalisedFilter {
  eventTypePrefixes: string[] | null;
  streamNamePrefixes: string[] | null;
}

export function normaliseFilter(filter: AllFilter | undefined): NormalisedFilter {
  const clean = (prefixes: string[] | undefined) => {
    if (prefixes === undefined || prefixes.length === 0) return null;
    if (!prefixes.every((p) => typeof p === 'string'))
      throw new InvalidAppendError('Filter prefixes must be strings');
    return prefixes;
  };
  return {
    eventTypePrefixes: clean(filter?.eventTypePrefixes),
    streamNamePrefixes: clean(filter?.streamNamePrefixes),
  };
}

/** Whether an existing stream at `current` satisfies `expected`. */
export function satisfiesExpected(expected: ExpectedRevision, current: number | null): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return current === null;
  if (expected === 'stream_exists') return current !== null;
  return current === expected;
}

/**
 * For an idempotent retry: the revision at which the retried batch must start. A numeric or
 * 'no_stream' expectation pins it (as EventStoreDB does); 'any' and 'stream_exists' accept any place.
 */
export function pinnedStartRevision(expected: ExpectedRevision): number | null {
  if (expected === 'no_stream') return 0;
  if (typeof expected === 'number') return expected + 1;
  return null;
}
