import { SignJWT } from 'jose';
import { DEVELOPMENT_JWT_SECRET, DEVELOPMENT_TOKEN_ISSUER } from '../../apps/api/src/platform/auth/dev-keys';

/** Development tokens (the API accepts the development key outside production), as the CLI mints them. */
export async function mintToken(act: Record<string, string>, scope = 'commands queries'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ act, scope })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('admin-center')
    .setIssuer(DEVELOPMENT_TOKEN_ISSUER)
    .setIssuedAt(now - 10)
    .setExpirationTime(now + 4 * 3600)
    .sign(new TextEncoder().encode(DEVELOPMENT_JWT_SECRET));
}
