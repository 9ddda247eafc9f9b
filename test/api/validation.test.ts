import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { call } from '../support/http';
import { mintToken } from '../support/tokens';
import { removeDir, startTestApp, tempDir } from './support/test-app';

describe('validation and problem+json', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let token: string;

  beforeAll(async () => {
    dir = tempDir();
    app = await startTestApp(dir, { env: { BODY_LIMIT: '16kb' } });
    token = await mintToken({ scope: 'commands queries' });
  });
  afterAll(async () => {
    await app?.close();
    removeDir(dir);
  });

  it('400 lists EVERY violation, nested ones with their path', async () => {
    const res = await call(app, 'POST', '/test/partners/p1/widgets', {
      token,
      body: {
        widgetId: 'Not Valid!',
        name: '',
        parts: [
          { sku: 'ok', qty: 1 },
          { sku: '', qty: 0 },
        ],
        look: { color: 'blue' },
        extra: 1,
      },
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      type: 'https://partner-center.dev/errors/validation-failed',
      title: 'Invalid request',
      status: 400,
      instance: '/test/partners/p1/widgets',
    });
    const errors = res.body.errors as { field: string; messages: string[] }[];
    expect(errors.map((e) => e.field).sort()).toEqual([
      'extra',
      'look.color',
      'name',
      'parts[1].qty',
      'parts[1].sku',
      'widgetId',
    ]);
    expect(errors.find((e) => e.field === 'parts[1].qty')?.messages).toEqual(['qty must not be less than 1']);
    expect(res.body.detail).toBe('The request has 6 invalid fields.');
  });

  it('400 on a body that is not JSON', async () => {
    const res = await call(app, 'POST', '/test/partners/p1/widgets', { token, rawBody: '{"widgetId": ' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ type: 'https://partner-center.dev/errors/bad-request', status: 400 });
  });

  it('413 problem+json over the body limit', async () => {
    const res = await call(app, 'POST', '/test/partners/p1/widgets', {
      token,
      body: { widgetId: 'w1', name: 'x'.repeat(20 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      type: 'https://partner-center.dev/errors/payload-too-large',
      status: 413,
    });
  });

  it('404 problem+json for unknown routes', async () => {
    const res = await call(app, 'GET', '/nowhere', { token });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.type).toBe('https://partner-center.dev/errors/not-found');
  });

  // Regression: the router's message quoted the whole URL, so a token or e-mail in a query string came
  // back in the problem body, which gateways and clients log.
  it('404 for an unknown route names the path without its query string', async () => {
    const res = await call(app, 'GET', '/nowhere?access_token=eyJzecret.part&email=jana@example.org', {
      token,
    });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ detail: 'Cannot GET /nowhere', instance: '/nowhere' });
    expect(res.text).not.toContain('eyJzecret');
    expect(res.text).not.toContain('jana@example.org');
  });

  it('500 with a generic detail for anything unexpected: internals never leak', async () => {
    const res = await call(app, 'GET', '/test/boom', { token });
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ type: 'https://partner-center.dev/errors/internal-error', status: 500 });
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toContain('postgres://');
  });

  it('503 with Retry-After when the event store is unavailable', async () => {
    const res = await call(app, 'GET', '/test/unavailable', { token });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.type).toBe('https://partner-center.dev/errors/event-store-unavailable');
    expect(res.text).not.toContain('socket hang up');
  });
});
