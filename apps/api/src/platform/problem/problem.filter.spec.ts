import type { ArgumentsHost } from '@nestjs/common';
import { ProjectionThreadError } from '@pc/projections';
import type { ApiConfig } from '../config';
import { ProblemFilter } from './problem.filter';

/** Runs the filter on one exception and returns what the reply was given. */
function answer(exception: unknown) {
  const sent: { status?: number; headers: Record<string, unknown>; body?: Record<string, unknown> } = {
    headers: {},
  };
  const reply = {
    sent: false,
    status: (status: number) => ((sent.status = status), reply),
    headers: (headers: Record<string, unknown>) => (Object.assign(sent.headers, headers), reply),
    header: (name: string, value: unknown) => ((sent.headers[name] = value), reply),
    send: (body: Record<string, unknown>) => ((sent.body = body), reply),
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({
      getRequest: () => ({ url: '/projections?x=1', raw: { headers: {} } }),
      getResponse: () => reply,
    }),
  } as unknown as ArgumentsHost;
  new ProblemFilter({ problemBase: 'https://pc.test' } as ApiConfig).catch(exception, host);
  return sent;
}

describe('ProblemFilter', () => {
  it('answers a projection thread that cannot take a request with 503 and Retry-After, not 500', () => {
    const sent = answer(new ProjectionThreadError('The projection runner has stopped'));
    expect(sent.status).toBe(503);
    expect(sent.headers['Retry-After']).toBeDefined();
    expect(sent.body).toMatchObject({
      type: 'https://pc.test/errors/projections-unavailable',
      status: 503,
      detail: 'The projection runner has stopped',
      instance: '/projections',
    });
  });

  it('answers anything unexpected with a generic 500 that leaks nothing', () => {
    const sent = answer(new Error('secret internals'));
    expect(sent.status).toBe(500);
    expect(JSON.stringify(sent.body)).not.toContain('secret internals');
  });
});
