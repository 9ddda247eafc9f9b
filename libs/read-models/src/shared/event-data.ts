import type { JsonObject, JsonValue, RecordedEvent } from '@pc/event-store';

/**
 * Typed field readers for event data. Projections read stored JSON, which may come from any
 * version of the code: a missing required field is a bug to attribute to the event (the runner
 * stops the projection on it and names the event), never a silent default.
 */
export function text(data: JsonObject, field: string): string {
  const value = data[field];
  if (typeof value !== 'string') throw new Error(`field '${field}' is not a string`);
  return value;
}

export function optionalText(data: JsonObject, field: string): string | null {
  const value = data[field];
  return typeof value === 'string' ? value : null;
}

export function integer(data: JsonObject, field: string): number {
  const value = data[field];
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new Error(`field '${field}' is not an integer`);
  return value;
}

export function object(data: JsonObject, field: string): JsonObject {
  const value = data[field];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`field '${field}' is not an object`);
  }
  return value;
}

export function optionalObject(data: JsonObject, field: string): JsonObject | null {
  const value = data[field];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
}

/** A `{ from, to }` change as the domain writes it (ValueChange / FieldChange). */
export function valueChange(data: JsonObject, field: string): { from: JsonValue; to: JsonValue } {
  const change = object(data, field);
  return { from: change.from ?? null, to: change.to ?? null };
}

/**
 * Business time of the event (metadata.occurredAt, set by the pipeline from the command's clock).
 * Events written without the envelope (tools, old tests) fall back to the store's commit time; both
 * live in the event, so a rebuild sees the same value.
 */
export function occurredAt(event: RecordedEvent): string {
  const value = event.metadata.occurredAt;
  return typeof value === 'string' ? value : event.recordedAt;
}

/** The later of two ISO-8601 UTC instants (canonical form compares as text); null-tolerant. */
export function later(a: string | null | undefined, b: string): string {
  return a !== null && a !== undefined && a > b ? a : b;
}
