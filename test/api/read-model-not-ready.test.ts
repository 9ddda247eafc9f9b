import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Projection, ProjectionNotReadyError, sql } from '@pc/projections';
import { backends, startApp } from '../support/backends';
import { call, problem, type TestResponse } from '../support/http';
import { freshReadModelStore } from '../support/read-model-stores';
import { actors, mintToken } from '../support/tokens';
import { partnerRegistration } from '../support/registration';

const PROBLEM = 'application/problem+json';

const registration = (partnerId: string) => partnerRegistration(partnerId);

function expectNotReady(res: TestResponse, projection: string): void {
  expect([res.status, res.headers['content-type']]).toEqual([503, expect.stringContaining(PROBLEM)]);
  expect(res.body).toMatchObject({ ...problem('read-model-not-ready'), status: 503, projection });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

/**
 * Regression: a read of a projection whose tables were not created yet (the API just started, or a
 * separate projector has not run yet) was a plain Error, answered 500 internal-error. It is a
 * temporary state: 503 read-model-not-ready with Retry-After, naming the projection.
 */
describe.each(backends)('a read model not created yet ($name)', (backend) => {
  let reader: NestFastifyApplication;
  let projector: NestFastifyApplication | undefined;
  let env: Record<string, string>;
  let tearDown: () => Promise<void>;
  let platform: string;
  let auditor: string;

  beforeAll(async () => {
    const setup = await backend.setUp();
    ({ env, tearDown } = setup);
    // No projections run in this process and no projector has run yet: no projection has tables.
    ({ app: reader } = await startApp({ ...env, PROJECTIONS_IN_PROCESS: 'false' }));
    platform = await mintToken({ act: actors.platform(), scope: 'commands queries platform' });
    auditor = await mintToken({ act: actors.platform('auditor-1'), scope: 'audit', sub: 'audit-portal' });
    expect(
      (await call(reader, 'POST', '/partners', { token: platform, body: registration('contoso') })).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await projector?.close();
    await reader?.close();
    await tearDown?.();
  });

  it('answers every read-model query 503 read-model-not-ready with Retry-After, not 500', async () => {
    for (const [url, token, projection] of [
      ['/audit/activity', auditor, 'activity_log'],
      ['/partners/contoso/activity', platform, 'activity_log'],
      ['/partners/contoso/overview', platform, 'partner_overview'],
      ['/partners/contoso/clients', platform, 'client_list'],
      ['/partners/contoso/por-notifications', platform, 'por_inbox'],
    ] as const) {
      const res = await call(reader, 'GET', url, { token });
      expect({ url, status: res.status }).toEqual({ url, status: 503 });
      expectNotReady(res, projection);
    }
  });

  it('is temporary: once a projector created the tables, the same reads answer', async () => {
    ({ app: projector } = await startApp(env));
    const deadline = Date.now() + 20000;
    let res = await call(reader, 'GET', '/audit/activity', { token: auditor });
    while (res.status === 503 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      res = await call(reader, 'GET', '/audit/activity', { token: auditor });
    }
    expect(res.status).toBe(200);
  });
});

describe.each(['sqlite', 'postgres'] as const)('the read-model store, no generation yet (%s)', (dialect) => {
  it('refuses a query with ProjectionNotReadyError naming the projection', async () => {
    const { store, cleanup } = await freshReadModelStore(dialect, 'not-ready');
    try {
      const projection = { name: 'never_built' } as Projection;
      const refused = store.query(projection, (t) => sql`SELECT * FROM ${t('rows')}`);
      await expect(refused).rejects.toBeInstanceOf(ProjectionNotReadyError);
      await expect(refused).rejects.toMatchObject({
        projection: 'never_built',
        code: 'read-model-not-ready',
      });
      await expect(store.tableName('never_built', 'rows')).rejects.toBeInstanceOf(ProjectionNotReadyError);
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
