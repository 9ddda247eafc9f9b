import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { backends, startApp } from '../support/backends';
import { call } from '../support/http';
import { actors, mintToken } from '../support/tokens';

type Operation = { operationId?: string; parameters?: { name: string; in: string }[] };
type Spec = { paths: Record<string, Record<string, Operation>> };

/**
 * Tenant isolation on EVERY endpoint that exists: the routes are read from /openapi.json, so an
 * endpoint added later is covered without touching this file. Another tenant's resource is a 404
 * (never a 403, a 400 or a 2xx), so ids cannot be probed.
 */
describe('tenant isolation across every endpoint', () => {
  let app: NestFastifyApplication;
  let tearDown: () => Promise<void>;
  let spec: Spec;
  const sqlite = backends.find((b) => b.name === 'sqlite')!;

  beforeAll(async () => {
    const setup = await sqlite.setUp();
    tearDown = setup.tearDown;
    ({ app } = await startApp(setup.env));
    spec = (await call<Spec>(app, 'GET', '/openapi.json')).body;
  });
  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  const operations = (param: string) =>
    Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => (op.parameters ?? []).some((p) => p.in === 'path' && p.name === param))
        .map(([method, op]) => ({ path, method: method.toUpperCase() as 'GET' | 'POST', op })),
    );
  const concrete = (path: string) =>
    path
      .replace('{partnerId}', 'victim-partner')
      .replace('{customerId}', 'victim-customer')
      .replace(/\{[^}]+\}/g, 'x1');

  it('every operation has a camelCase operationId', () => {
    const ids = Object.values(spec.paths).flatMap((methods) =>
      Object.values(methods).map((op) => op.operationId),
    );
    expect(ids.length).toBeGreaterThan(20);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a partner user of another partner gets 404 on every partner endpoint, whatever its scopes', async () => {
    const ops = operations('partnerId');
    expect(ops.length).toBeGreaterThan(10);
    // Every scope, audit included (a tenant user's token never reads across tenants): scope checks
    // must not mask the 404.
    const attacker = await mintToken({
      act: actors.partnerUser('attacker', 'eve'),
      scope: 'commands queries platform audit',
    });
    for (const { path, method, op } of ops) {
      const res = await call(app, method, concrete(path), {
        token: attacker,
        body: method === 'POST' ? {} : undefined,
      });
      expect({ operationId: op.operationId, status: res.status }).toEqual({
        operationId: op.operationId,
        status: 404,
      });
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('a customer user gets 404 on every partner endpoint and on every other customer’s endpoints', async () => {
    const customer = await mintToken({
      act: actors.customerUser('attacker-customer', 'mallory'),
      scope: 'commands queries platform audit',
    });
    for (const { path, method, op } of [...operations('partnerId'), ...operations('customerId')]) {
      const res = await call(app, method, concrete(path), {
        token: customer,
        body: method === 'POST' ? {} : undefined,
      });
      expect({ operationId: op.operationId, status: res.status }).toEqual({
        operationId: op.operationId,
        status: 404,
      });
    }
  });

  it('a partner user gets 404 reading a customer its partner has no relationship with', async () => {
    const stranger = await mintToken({ act: actors.partnerUser('attacker', 'eve'), scope: 'queries' });
    const reads = operations('customerId').filter((o) => o.method === 'GET');
    expect(reads.length).toBeGreaterThan(0);
    for (const { path, op } of reads) {
      const res = await call(app, 'GET', concrete(path), { token: stranger });
      expect({ operationId: op.operationId, status: res.status }).toEqual({
        operationId: op.operationId,
        status: 404,
      });
    }
  });
});
