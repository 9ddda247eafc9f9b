import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { call } from '../support/http';
import { actors, mintToken, unsignedToken } from '../support/tokens';
import { removeDir, startTestApp, tempDir } from './support/test-app';

describe('authentication and scopes', () => {
  let dir: string;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    dir = tempDir();
    app = await startTestApp(dir);
  });
  afterAll(async () => {
    await app?.close();
    removeDir(dir);
  });

  const expect401 = async (headers: Record<string, string>, detail: RegExp) => {
    const res = await call(app, 'GET', '/test/partners/p1', { headers });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.headers['www-authenticate']).toContain('Bearer');
    expect(res.body).toMatchObject({
      type: 'https://partner-center.dev/errors/unauthenticated',
      status: 401,
      instance: '/test/partners/p1',
    });
    expect(res.body.detail).toMatch(detail);
  };

  it('accepts a valid token', async () => {
    const res = await call(app, 'GET', '/test/partners/p1', { token: await mintToken({ scope: 'queries' }) });
    expect(res.status).toBe(200);
  });

  it('401: missing header', () => expect401({}, /Authorization/));
  it('401: not a bearer JWT', () => expect401({ authorization: 'Basic dXNlcjpwdw==' }, /well-formed/));
  it('401: malformed token', () => expect401({ authorization: 'Bearer abc.def.ghi' }, /malformed/));
  it('401: expired', async () =>
    expect401({ authorization: `Bearer ${await mintToken({ expiresIn: -120 })}` }, /expired/));
  it('401: wrong signature', async () =>
    expect401(
      { authorization: `Bearer ${await mintToken({ secret: 'another-secret-that-is-long-enough-123456' })}` },
      /signature/,
    ));
  it('401: alg none', () => expect401({ authorization: `Bearer ${unsignedToken()}` }, /algorithm|malformed/));

  it('401: no expiry', async () => {
    const token = await new SignJWT({ act: actors.platform(), scope: 'queries' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('svc')
      .sign(new TextEncoder().encode('partner-center-DEVELOPMENT-ONLY-hs256-secret-never-use-in-production'));
    await expect401({ authorization: `Bearer ${token}` }, /exp/);
  });

  it('401: invalid act and scope claims', async () => {
    await expect401(
      { authorization: `Bearer ${await mintToken({ act: { kind: 'partner-user', id: 'u1' } })}` },
      /partnerId/,
    );
    await expect401(
      { authorization: `Bearer ${await mintToken({ act: { kind: 'customer-user', id: 'u1' } })}` },
      /customerId/,
    );
    await expect401(
      { authorization: `Bearer ${await mintToken({ act: { kind: 'robot', id: 'u1' } })}` },
      /act.kind/,
    );
    await expect401(
      { authorization: `Bearer ${await mintToken({ scope: 'commands root' })}` },
      /Unknown scope/,
    );
  });

  it('403 problem+json when the scope does not fit; scope may be an array', async () => {
    const queriesOnly = await mintToken({ scope: ['queries'] });
    const res = await call(app, 'POST', '/test/widgets/w1/reject', { token: queriesOnly });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      type: 'https://partner-center.dev/errors/insufficient-scope',
      requiredScopes: ['commands'],
    });
  });

  it('an audit-only token can never run a command, even on a route without @RequireScope', async () => {
    const audit = await mintToken({ act: actors.platform('auditor'), scope: 'audit' });
    expect((await call(app, 'POST', '/test/widgets/w1/reject', { token: audit })).status).toBe(403);
    const unscoped = await call(app, 'POST', '/test/unscoped/w1/reject', { token: audit });
    expect(unscoped.status).toBe(403);
    expect(unscoped.body.type).toBe('https://partner-center.dev/errors/insufficient-scope');
    // ...while it can read every tenant.
    expect((await call(app, 'GET', '/test/partners/p9', { token: audit })).status).toBe(200);
  });

  it('public endpoints need no token', async () => {
    for (const url of ['/health', '/ready', '/metrics', '/openapi.json', '/docs']) {
      expect((await call(app, 'GET', url)).status).toBe(200);
    }
  });
});
