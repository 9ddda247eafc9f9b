import { randomBytes } from 'node:crypto';

/**
 * 16 random bytes = 128 bits, the floor the domain demands (base64url of ≥22 characters). Enough
 * that guessing a live code is hopeless even without the rate limit on code resolution.
 */
const CODE_BYTES = 16;

/** A fresh invitation code: base64url without padding (22 characters), safe in a URL path and a stream name. */
export function newInvitationCode(): string {
  return randomBytes(CODE_BYTES).toString('base64url');
}

/** The custom URL handed to customers. The base is configured (PUBLIC_BASE_URL, no trailing slash). */
export function invitationUrl(publicBaseUrl: string, code: string): string {
  return `${publicBaseUrl}/invitations/${encodeURIComponent(code)}`;
}
