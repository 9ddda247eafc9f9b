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
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
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
