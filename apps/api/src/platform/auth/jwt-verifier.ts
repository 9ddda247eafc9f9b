import { createPublicKey } from 'node:crypto';
import { createLocalJWKSet, importSPKI, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { LRUCache } from 'lru-cache';
import type { JwtConfig } from '../config';
import { InvalidClaimsError, principalFromClaims } from './claims';
import type { Principal } from './principal';

export const JWT_VERIFIER = Symbol('JWT_VERIFIER');

/** A token could not be accepted; `detail` is safe to show the caller. */
export class TokenRejectedError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'TokenRejectedError';
  }
}

type VerificationKey = Uint8Array | Awaited<ReturnType<typeof importSPKI>> | JWTVerifyGetKey;

export interface JwtVerifierOptions {
  /** Verified tokens remembered until they expire (default 10,000; 0 = verify every time). */
  cacheSize?: number;
  /** Milliseconds since the epoch; tests move it. Default Date.now (tokens live in real time). */
  now?: () => number;
}

interface Verified {
  principal: Principal;
  /** When the token stops being accepted: exp plus the clock tolerance, in epoch ms. */
  acceptedUntil: number;
}

/**
 * Verifies bearer tokens with jose against the ONE configured key source. The algorithm list is
 * pinned per key source, which is what refuses `alg: none` and algorithm-confusion tokens
 * (an HS256 token signed with a public RSA key as secret, for instance).
 *
 * A service sends the same token with many requests, so a verified token is remembered (keyed by
 * its exact text, which includes the signature) until its `exp`: the signature check and claim
 * parsing were ~5 % of a command's CPU. Only accepted tokens are remembered; a remembered token past
 * its expiry is verified again, and so rejected.
 */
export class JwtVerifier {
  private readonly verified: LRUCache<string, Verified> | null;
  private readonly now: () => number;

  private constructor(
    private readonly key: VerificationKey,
    private readonly options: JWTVerifyOptions,
    settings: JwtVerifierOptions,
  ) {
    const size = settings.cacheSize ?? 10_000;
    this.verified = size > 0 ? new LRUCache({ max: size }) : null;
    this.now = settings.now ?? Date.now;
  }

  static async create(config: JwtConfig, settings: JwtVerifierOptions = {}): Promise<JwtVerifier> {
    const options: JWTVerifyOptions = {
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.clockToleranceSeconds,
      // A token without expiry would be valid forever if leaked.
      requiredClaims: ['exp', 'sub'],
    };
    switch (config.key.source) {
      case 'secret':
      case 'development':
        return new JwtVerifier(
          new TextEncoder().encode(config.key.secret),
          { ...options, algorithms: ['HS256'] },
          settings,
        );
      case 'public-key-file': {
        const algorithm = algorithmOfPem(config.key.pem, config.key.file);
        const key = await importSPKI(config.key.pem, algorithm);
        return new JwtVerifier(key, { ...options, algorithms: [algorithm] }, settings);
      }
      case 'jwks-file':
        return new JwtVerifier(
          createLocalJWKSet(config.key.jwks as Parameters<typeof createLocalJWKSet>[0]),
          { ...options, algorithms: ['RS256', 'ES256'] },
          settings,
        );
    }
  }

  async verify(token: string): Promise<Principal> {
    const now = this.now();
    const known = this.verified?.get(token);
    if (known && now < known.acceptedUntil) return known.principal;
    let payload: Record<string, unknown>;
    try {
      const options = { ...this.options, currentDate: new Date(now) };
      // Overloads of jwtVerify differ only in the key type; both shapes are handled by jose.
      const result =
        typeof this.key === 'function'
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, this.key, options);
      payload = result.payload;
    } catch (error) {
      this.verified?.delete(token);
      throw new TokenRejectedError(describeJoseError(error));
    }
    let principal: Principal;
    try {
      principal = principalFromClaims(payload);
    } catch (error) {
      if (error instanceof InvalidClaimsError) throw new TokenRejectedError(error.message);
      throw error;
    }
    // exp is required (requiredClaims) and checked numeric by jose.
    const tolerance = Number(this.options.clockTolerance ?? 0);
    this.verified?.set(token, { principal, acceptedUntil: ((payload.exp as number) + tolerance) * 1000 });
    return principal;
  }
}

function algorithmOfPem(pem: string, file: string): 'RS256' | 'ES256' {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`JWT_PUBLIC_KEY_FILE (${file}) must hold an RSA or EC P-256 public key`);
}

/** Maps jose's error codes to short details; never echoes token contents. */
function describeJoseError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'The token has expired.';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'The token signature is not valid.';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'The token is not signed with an accepted algorithm.';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `The token's claims are not valid: ${(error as Error).message}.`;
    default:
      return 'The token is malformed.';
  }
}
