import { SignJWT } from 'jose';
import { DEVELOPMENT_JWT_SECRET } from '../../apps/api/src/platform/auth/dev-keys';

/** Test tokens: by default signed with the development secret the app falls back to outside production. */
export interface TokenOptions {
  sub?: string;
  act?: Record<string, unknown>;
  scope?: string | string[];
  /** Seconds from now; negative for an already expired token. Default 3600. */
  expiresIn?: number;
  secret?: string;
  extraClaims?: Record<string, unknown>;
}

export const actors = {
  partnerUser: (partnerId = 'p1', id = 'u1') => ({ kind: 'partner-user', id, partnerId }),
  customerUser: (customerId = 'c1', id = 'cu1') => ({ kind: 'customer-user', id, customerId }),
  platform: (id = 'ops') => ({ kind: 'platform', id }),
};

export async function mintToken(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    act: options.act ?? actors.partnerUser(),
    scope: options.scope ?? 'commands queries',
    ...options.extraClaims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub ?? 'test-service')
    .setIssuedAt(now - 10)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(new TextEncoder().encode(options.secret ?? DEVELOPMENT_JWT_SECRET));
}

/** `alg: none` with an empty signature: what an attacker sends hoping the verifier skips checks. */
export function unsignedToken(claims: Record<string, unknown> = {}): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    sub: 'test-service',
    act: actors.platform(),
    scope: 'commands',
    exp: now + 3600,
    ...claims,
  };
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
