/**
 * The DEVELOPMENT signing secret (HS256), used when no JWT_* key is configured and NODE_ENV is not
 * 'production'. It is public by design (it is in the repository), so tokens signed with it prove
 * nothing: config refuses it at boot in production, and `npm run token` signs with it locally.
 */
export const DEVELOPMENT_JWT_SECRET = 'partner-center-DEVELOPMENT-ONLY-hs256-secret-never-use-in-production';

/** Issuer written into tokens minted with the development secret (informational; not verified). */
export const DEVELOPMENT_TOKEN_ISSUER = 'partner-center-dev';
