import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted (recursively), no insignificant white space, `undefined`
 * members dropped. Two parties that agree on the value agree on these bytes, which is what the
 * tamper-evidence hash needs.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return value === undefined ? 'null' : JSON.stringify(value);
  }
  // Plain loops and string appends: this runs for every event the pipeline writes.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += value[i] === undefined ? 'null' : canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, as `<` does.
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

/** The hash of the first event of a stream chains to this. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 (hex) over the canonical JSON of { type, data, metadata without `hash` }. The metadata
 * includes `prevHash`, the hash of the previous event of the same stream, which makes a chain:
 * changing any byte of any event breaks every hash from there on.
 */
export function eventHash(type: string, data: unknown, metadata: Record<string, unknown>): string {
  const { hash: _ignored, ...rest } = metadata;
  return createHash('sha256')
    .update(canonicalJson({ type, data, metadata: rest }))
    .digest('hex');
}
