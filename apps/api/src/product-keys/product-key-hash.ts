import { createHash } from 'node:crypto';

/**
 * Product keys at the edge. The plaintext exists only in the HTTP request: it is normalised and hashed
 * here, and only the hash and the last five characters go further (commands, events, read models,
 * responses). See libs/domain/src/product-key/product-key.ts for what the domain does with them.
 *
 * Format: 25 letters or digits, usually written as 5 groups of 5 separated by dashes
 * (`VK7JG-NPHTM-C97JM-9MPGT-3V66T`). Case, spaces and dashes do not matter: `vk7jg npHTM-...` is the
 * same key. Anything else after normalisation is not a key (400, the value never echoed).
 *
 * Hash: lower-case hex SHA-256 of `pc-product-key:v1:{partnerId}:{normalisedKey}`. Salted per partner:
 * the same key typed by another partner is another (unknown) key, and a leaked hash list does not let
 * anyone test a key for every partner at once. The `v1` prefix lets the scheme change without
 * colliding with existing hashes. Keys are 36^25 (~129 bits) apart, so the hash is not brute-forceable.
 */
export const PRODUCT_KEY_HASH_PREFIX = 'pc-product-key:v1:';
export const PRODUCT_KEY_LENGTH = 25;
export const PRODUCT_KEY_SUFFIX_LENGTH = 5;
export const PRODUCT_KEY_FORMAT_DESCRIPTION =
  '25 letters or digits, e.g. VK7JG-NPHTM-C97JM-9MPGT-3V66T; case, spaces and dashes are ignored';

const NORMALISED = /^[A-Z0-9]{25}$/;

/** Upper case, spaces and dashes removed; null when what remains is not 25 letters or digits. */
export function normaliseProductKey(raw: string): string | null {
  const key = raw.toUpperCase().replace(/[\s-]/g, '');
  return NORMALISED.test(key) ? key : null;
}

export interface HashedProductKey {
  /** 64 lower-case hex characters. */
  keyHash: string;
  /** The last 5 characters of the normalised key, for display. */
  suffix: string;
}

/** The key's identity for this partner; null when `raw` is not a product key. */
export function hashProductKey(partnerId: string, raw: string): HashedProductKey | null {
  const key = normaliseProductKey(raw);
  if (key === null) return null;
  const keyHash = createHash('sha256')
    .update(`${PRODUCT_KEY_HASH_PREFIX}${partnerId}:${key}`, 'utf8')
    .digest('hex');
  return { keyHash, suffix: key.slice(-PRODUCT_KEY_SUFFIX_LENGTH) };
}
