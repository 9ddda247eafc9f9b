import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventStore } from '@pc/event-store';
import { EVENT_STORE, ProjectionStatusRegistry } from '../../apps/api/src/platform';
import { call } from '../support/http';
import { actors, mintToken } from '../support/tokens';
import { removeDir, startTestApp, tempDir } from './support/test-app';

describe('platform conventions', () => {
  let dir: string;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    dir = tempDir();
    app = await startTestApp(dir, { env: { GUESSING_RATE_LIMIT: '3', GUESSING_RATE_WINDOW_SECONDS: '60' } });
  });
  afterAll(async () => {
    await app?.close();
    removeDir(dir);
  });

  describe('tenant isolation', () => {
    it('hides other partners behind the same 404 a missing partner gets', async () => {
      const partnerUser = await mintToken({ act: actors.partnerUser('p1'), scope: 'queries' });
      expect((await call(app, 'GET', '/test/partners/p1', { token: partnerUser })).status).toBe(200);
      const other = await call(app, 'GET', '/test/partners/p2', { token: partnerUser });
      expect(other.status).toBe(404);
      expect(other.headers['content-type']).toContain('application/problem+json');
      expect(other.body).toMatchObject({
        type: 'https://partner-center.dev/errors/partner-not-found',
        partnerId: 'p2',
      });
      const customerUser = await mintToken({ act: actors.customerUser('c1'), scope: 'queries' });
      expect((await call(app, 'GET', '/test/partners/p1', { token: customerUser })).status).toBe(404);
    });

    it('isolates customers: own customer, customers of own partner, platform sees all', async () => {
      const customerUser = await mintToken({ act: actors.customerUser('c1'), scope: 'queries' });
      expect((await call(app, 'GET', '/test/customers/c1', { token: customerUser })).status).toBe(200);
      expect((await call(app, 'GET', '/test/customers/c2', { token: customerUser })).status).toBe(404);
      const partnerUser = await mintToken({ act: actors.partnerUser('p1'), scope: 'queries' });
      expect(
        (await call(app, 'GET', '/test/customers/c2?partners=p1,p3', { token: partnerUser })).status,
      ).toBe(200);
      expect((await call(app, 'GET', '/test/customers/c2?partners=p3', { token: partnerUser })).status).toBe(
        404,
      );
      expect((await call(app, 'GET', '/test/customers/c2', { token: partnerUser })).status).toBe(404);
      const platform = await mintToken({ act: actors.platform(), scope: 'queries' });
      expect((await call(app, 'GET', '/test/customers/c2', { token: platform })).status).toBe(200);
    });

    it('applies to commands too (before anything is written)', async () => {
      const partnerUser = await mintToken({ act: actors.partnerUser('p1'), scope: 'commands' });
      const res = await call(app, 'POST', '/test/partners/p2/widgets', {
        token: partnerUser,
        body: { widgetId: 'w1', name: 'x' },
      });
      expect(res.status).toBe(404);
    });
  });

  it('rate-limits guessable endpoints per caller: 429 problem+json with Retry-After', async () => {
    const token = await mintToken({ act: actors.partnerUser('p1', 'guesser'), scope: 'queries' });
    for (let i = 0; i < 3; i++) {
      expect(
        (await call(app, 'POST', '/test/codes/resolve', { token, body: { code: `code-${i}` } })).status,
      ).toBe(200);
    }
    const limited = await call(app, 'POST', '/test/codes/resolve', { token, body: { code: 'code-x' } });
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.body.type).toBe('https://partner-center.dev/errors/too-many-requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // In the service's words, with the numbers: not the library's "ThrottlerException: …".
    expect(limited.text).not.toContain('Throttler');
    expect(limited.body).toMatchObject({
      detail: expect.stringMatching(/^More than 3 attempts in \d+ s .*; retry in \d+ s\.$/),
      retryAfterSeconds: Number(limited.headers['retry-after']),
    });
    // Another user of the same service is not affected; unmarked routes are never limited.
    const other = await mintToken({ act: actors.partnerUser('p1', 'someone-else'), scope: 'queries' });
    expect(
      (await call(app, 'POST', '/test/codes/resolve', { token: other, body: { code: 'code-1' } })).status,
    ).toBe(200);
    // Regression: the same user id in another tenant shared the budget (user ids are per tenant).
    const sameIdElsewhere = await mintToken({ act: actors.partnerUser('p2', 'guesser'), scope: 'queries' });
    expect(
      (await call(app, 'POST', '/test/codes/resolve', { token: sameIdElsewhere, body: { code: 'code-1' } }))
        .status,
    ).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await call(app, 'GET', '/test/partners/p1', { token })).status).toBe(200);
  });

  it('echoes X-Request-Id (or mints one) and X-Correlation-Id', async () => {
    const given = await call(app, 'GET', '/health', { headers: { 'x-request-id': 'req-123' } });
    expect(given.headers['x-request-id']).toBe('req-123');
    expect(given.headers['x-correlation-id']).toBe('req-123');
    const minted = await call(app, 'GET', '/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('does not take an id that could carry an e-mail address into logs and events', async () => {
    const res = await call(app, 'GET', '/health', {
      headers: { 'x-request-id': 'jana@contoso.example', 'x-correlation-id': 'jana@contoso.example' },
    });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-correlation-id']).toBe(res.headers['x-request-id']);
  });

  describe('OpenAPI', () => {
    it('serves the document with operationIds = controller method names, bearer auth and problem responses', async () => {
      const res = await call<{
        paths: Record<
          string,
          Record<
            string,
            {
              operationId: string;
              security?: unknown[];
              responses: Record<string, { content?: Record<string, unknown> }>;
            }
          >
        >;
        components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
        security: unknown[];
      }>(app, 'GET', '/openapi.json');
      expect(res.status).toBe(200);
      const doc = res.body;
      const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
      expect(ids).toEqual(
        expect.arrayContaining([
          'createWidget',
          'renameWidget',
          'resolveCode',
          'getHealth',
          'getReadiness',
          'getMetrics',
        ]),
      );
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.security).toEqual([{ bearer: [] }]);
      expect(doc.paths['/health']?.get?.security).toEqual([]);
      const create = doc.paths['/test/partners/{partnerId}/widgets']?.post;
      expect(Object.keys(create?.responses ?? {})).toEqual(
        expect.arrayContaining(['200', '201', '400', '401', '404', '409', '412', '422']),
      );
      expect(create?.responses['422']?.content).toHaveProperty(['application/problem+json']);
      expect(doc.components.schemas).toHaveProperty('ValidationProblemDto');
      expect(doc.paths['/test/codes/resolve']?.post?.responses).toHaveProperty('429');
      // Refusals every route can give, whatever its decorators list (request shape, router): a 400
      // everywhere, and a 414 where a path parameter can be too long.
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          const statuses = Object.keys(operation.responses);
          expect([`${method} ${path}`, statuses]).toEqual([
            `${method} ${path}`,
            expect.arrayContaining(['400']),
          ]);
          if (path.includes('{'))
            expect([`${method} ${path}`, statuses]).toEqual([
              `${method} ${path}`,
              expect.arrayContaining(['414']),
            ]);
        }
      }
    });

    it('serves Swagger UI at /docs', async () => {
      const res = await call(app, 'GET', '/docs');
      expect(res.status).toBe(200);
      expect(res.text).toContain('swagger');
    });
  });

  describe('health, readiness, metrics', () => {
    it('GET /health names the backends', async () => {
      const res = await call(app, 'GET', '/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'ok',
        backends: { eventStore: 'sqlite', readModelStore: 'sqlite' },
      });
    });

    it('GET /ready checks the stores and projections', async () => {
      const res = await call(app, 'GET', '/ready');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'ok',
        details: {
          eventStore: { status: 'up' },
          readModelStore: { status: 'up' },
          idempotencyStore: { status: 'up' },
          projections: { status: 'up' },
        },
      });
    });

    // Regression: the check named readModelStore pinged the idempotency store (another file on SQLite).
    it('GET /ready is 503 when the read-model store does not answer', async () => {
      const registry = app.get(ProjectionStatusRegistry);
      registry.register({
        statuses: () => [],
        pingStore: () => Promise.reject(new Error('SQLITE_CANTOPEN')),
      });
      const res = await call(app, 'GET', '/ready');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        status: 'error',
        error: { readModelStore: { status: 'down' } },
        details: { idempotencyStore: { status: 'up' }, eventStore: { status: 'up' } },
      });
    });

    it('GET /ready is 503 when a projection failed, and /metrics shows projection lag', async () => {
      const registry = app.get(ProjectionStatusRegistry);
      registry.register({
        statuses: () => [
          {
            name: 'client-list',
            state: 'failed',
            checkpoint: null,
            lagEvents: 7,
            lagSeconds: 12,
            lastError: 'boom',
          },
        ],
      });
      const res = await call(app, 'GET', '/ready');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'error', error: { projections: { status: 'down' } } });
      const metrics = await call(app, 'GET', '/metrics');
      expect(metrics.text).toContain('pc_projection_lag_events{projection="client-list"} 7');
      expect(metrics.text).toContain('pc_projection_lag_seconds{projection="client-list"} 12');
    });

    it('GET /metrics exposes HTTP, command and append metrics in text format', async () => {
      const token = await mintToken({ scope: 'commands queries' });
      await call(app, 'POST', '/test/partners/p1/widgets', { token, body: { widgetId: 'm1', name: 'x' } });
      await call(app, 'POST', '/test/widgets/m1/reject', { token });
      const res = await call(app, 'GET', '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.text).toContain('pc_commands_accepted_total{command_type="CreateWidget"} 1');
      expect(res.text).toContain(
        'pc_commands_refused_total{command_type="RejectWidget",code="widget-limit-reached"} 1',
      );
      expect(res.text).toMatch(
        /pc_event_store_append_duration_seconds_count\{command_type="CreateWidget"\} 1/,
      );
      expect(res.text).toMatch(
        /pc_http_requests_total\{operation_id="createWidget",method="POST",status="201"\} 1/,
      );
      expect(res.text).toMatch(
        /pc_http_request_duration_seconds_bucket\{le="[^"]+",operation_id="rejectWidget",method="POST",status="422"\}/,
      );
      expect(res.text).toMatch(
        /pc_http_requests_total\{operation_id="resolveCode",method="POST",status="429"\}/,
      );
    });

    // Probe finding: with the database frozen (or a table locked), the projections' status never
    // answered, and /ready hung past any probe's timeout; /metrics was a 503 whenever the event
    // store was, so monitoring lost every counter during an outage. Registered last: it stays.
    it('GET /ready answers 503 in bounded time, and /metrics answers, when the projections do not', async () => {
      app.get(ProjectionStatusRegistry).register({ statuses: () => new Promise(() => undefined) });
      const ready = await call(app, 'GET', '/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({
        error: { projections: { status: 'down', message: expect.stringMatching(/did not answer within/) } },
      });
      const metrics = await call(app, 'GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('pc_http_requests_total');
    });
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, then closes promptly and closes the event store', async () => {
    const dir = tempDir();
    const app = await startTestApp(dir);
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.getHttpServer().address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const token = await mintToken({ scope: 'queries' });
      const inFlight = fetch(`http://127.0.0.1:${port}/test/slow`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      const store = app.get<EventStore>(EVENT_STORE);
      const closing = app.close();
      const res = await inFlight;
      await closing;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ done: true });
      // Keep-alive connections are released at once, not after the client's idle timeout.
      expect(Date.now() - started).toBeLessThan(2000);
      await expect(store.ping()).rejects.toThrow();
    } finally {
      removeDir(dir);
    }
  });
});
