import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { loadApiConfig } from '../config';
import { JwtVerifier, TokenRejectedError } from './jwt-verifier';

const claims = { act: { kind: 'platform', id: 'ops' }, scope: ['audit'] };
const sign = (key: Parameters<SignJWT['sign']>[0], alg: string, kid?: string) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setSubject('svc')
    .setExpirationTime('5m')
    .sign(key);

describe('JwtVerifier key sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-jwt-'));

  it.each(['RS256', 'ES256'])('verifies %s tokens against JWT_PUBLIC_KEY_FILE', async (alg) => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const file = join(dir, `${alg}.pem`);
    writeFileSync(file, await exportSPKI(publicKey));
    const verifier = await JwtVerifier.create(loadApiConfig({ JWT_PUBLIC_KEY_FILE: file }).jwt);
    const principal = await verifier.verify(await sign(privateKey, alg));
    expect(principal).toEqual({
      service: { kind: 'service', id: 'svc' },
      actor: { kind: 'platform', id: 'ops' },
      scopes: new Set(['audit']),
    });
    // Algorithm confusion: an HS256 token "signed" with the public key text must not pass.
    const pem = new TextEncoder().encode(await exportSPKI(publicKey));
    await expect(verifier.verify(await sign(pem, 'HS256'))).rejects.toBeInstanceOf(TokenRejectedError);
  });

  it('verifies against a local JWKS file, choosing the key by kid', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const file = join(dir, 'jwks.json');
    writeFileSync(
      file,
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] }),
    );
    const verifier = await JwtVerifier.create(loadApiConfig({ JWT_JWKS_FILE: file }).jwt);
    expect((await verifier.verify(await sign(privateKey, 'RS256', 'k1'))).service.id).toBe('svc');
    const other = await generateKeyPair('RS256');
    await expect(verifier.verify(await sign(other.privateKey, 'RS256', 'k1'))).rejects.toThrow(/signature/);
  });

  it('checks issuer and audience when configured', async () => {
    const secret = 'a-shared-secret-that-is-at-least-32-bytes';
    const verifier = await JwtVerifier.create(
      loadApiConfig({ JWT_SECRET: secret, JWT_ISSUER: 'idp', JWT_AUDIENCE: 'pc' }).jwt,
    );
    const key = new TextEncoder().encode(secret);
    const good = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('s')
      .setIssuer('idp')
      .setAudience('pc')
      .setExpirationTime('5m')
      .sign(key);
    expect((await verifier.verify(good)).service.id).toBe('s');
    const wrongIssuer = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('s')
      .setIssuer('evil')
      .setAudience('pc')
      .setExpirationTime('5m')
      .sign(key);
    await expect(verifier.verify(wrongIssuer)).rejects.toThrow(/claims/);
  });

  describe('remembering verified tokens', () => {
    const secret = 'a-shared-secret-that-is-at-least-32-bytes';
    const key = new TextEncoder().encode(secret);
    const start = Date.parse('2026-11-24T10:00:00Z');
    const token = (exp: number) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('svc')
        .setExpirationTime(exp)
        .sign(key);
    const verifierAt = (clock: { now: number }) =>
      JwtVerifier.create(loadApiConfig({ JWT_SECRET: secret, JWT_CLOCK_TOLERANCE_SECONDS: '5' }).jwt, {
        now: () => clock.now,
      });

    it('answers a repeated token from memory until exp plus the tolerance, then rejects it', async () => {
      const clock = { now: start };
      const verifier = await verifierAt(clock);
      const exp = start / 1000 + 60;
      const jwt = await token(exp);
      const first = await verifier.verify(jwt);
      expect(await verifier.verify(jwt)).toBe(first);
      clock.now = (exp + 5) * 1000 - 1;
      expect(await verifier.verify(jwt)).toBe(first);
      clock.now = (exp + 5) * 1000;
      await expect(verifier.verify(jwt)).rejects.toThrow('The token has expired.');
      clock.now = start;
      // Rejection forgot it; verified afresh (jose, same clock) it is accepted again.
      expect((await verifier.verify(jwt)).service.id).toBe('svc');
    });

    it('never remembers a rejected token', async () => {
      const clock = { now: start };
      const verifier = await verifierAt(clock);
      const jwt = await token(start / 1000 + 60);
      const forged = `${jwt.slice(0, -2)}${jwt.endsWith('AA') ? 'BB' : 'AA'}`;
      await expect(verifier.verify(forged)).rejects.toThrow(/signature|malformed/);
      await expect(verifier.verify(forged)).rejects.toThrow(/signature|malformed/);
      expect((await verifier.verify(jwt)).service.id).toBe('svc');
    });
  });
});
