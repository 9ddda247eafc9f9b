import { type ArgumentsHost, Logger } from '@nestjs/common';
import { ReplayMismatchError } from '@pc/pipeline';
import { ProjectionThreadError } from '@pc/projections';
import type { ApiConfig } from '../config';
import { ClientGoneError } from './client-gone';
import { ProblemFilter, withoutInvitationCodes } from './problem.filter';

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
  it('a request whose client went away (ClientGone): 499 client-closed-request, one info line with the status, no error', () => {
    const info = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const sent = answer(new ClientGoneError());
      expect(sent.status).toBe(499);
      expect(sent.body).toMatchObject({ type: 'https://pc.test/errors/client-closed-request', status: 499 });
      expect(info).toHaveBeenCalledWith(
        expect.objectContaining({ route: '/projections', statusCode: 499 }),
        'client closed the request; its work was stopped',
      );
      expect(error).not.toHaveBeenCalled();
    } finally {
      info.mockRestore();
      error.mockRestore();
    }
  });

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

  // A replay whose first answer cannot be rebuilt (ReplayMismatchError) was an unmapped error: a 500.
  it('answers a replay that cannot be rebuilt with 409 replay-mismatch naming the command, not 500', () => {
    const sent = answer(
      new ReplayMismatchError('cmd-1', 'RedeemTrialInvite', 'customer-c1', ['refused: offer-has-no-trial']),
    );
    expect(sent.status).toBe(409);
    expect(sent.body).toMatchObject({
      type: 'https://pc.test/errors/replay-mismatch',
      status: 409,
      commandId: 'cmd-1',
      commandType: 'RedeemTrialInvite',
    });
    expect(String(sent.body?.detail)).toContain('applied already');
  });

  it('logs a replay mismatch without the invitation code a stream name carries', () => {
    expect(
      withoutInvitationCodes("it wrote [A] to 'invitation-code-akeoWJf9c38XEui4U5Dwkw', which holds [B]"),
    ).toBe("it wrote [A] to 'invitation-code-[redacted]', which holds [B]");
  });

  // Regression: a read-model or idempotency store that was away answered 500 internal-error, which
  // clients do not retry; only the event store's outage was a 503.
  it.each([
    [
      'a refused PostgreSQL connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    [
      'a PostgreSQL shutdown',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    [
      'a PostgreSQL statement timeout',
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    ],
    ['a cut connection', new Error('Connection terminated unexpectedly')],
    [
      'a PostgreSQL lock timeout',
      Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }),
    ],
    // Probe finding: was a 500 (ALTER DATABASE … ALLOW_CONNECTIONS false, or a database being dropped).
    [
      'a PostgreSQL database not accepting connections',
      Object.assign(new Error('database "rm" is not currently accepting connections'), { code: '55000' }),
    ],
    ['a busy SQLite database', Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })],
    ['a SQLite I/O error', Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' })],
    ['a closed SQLite database', new TypeError('The database connection is not open')],
  ])('answers %s with 503 backend-unavailable and Retry-After, leaking nothing', (_, error) => {
    const sent = answer(error);
    expect(sent.status).toBe(503);
    expect(sent.headers['Retry-After']).toBeDefined();
    expect(sent.body).toMatchObject({ type: 'https://pc.test/errors/backend-unavailable', status: 503 });
    expect(JSON.stringify(sent.body)).not.toContain(error.message);
  });

  it.each([
    ['a SQL syntax error', Object.assign(new Error('syntax error at or near "FROM"'), { code: '42601' })],
    [
      'a SQLite constraint',
      Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }),
    ],
  ])('keeps %s (our fault, not an outage) a 500', (_, error) => {
    expect(answer(error).status).toBe(500);
  });

  it('answers anything unexpected with a generic 500 that leaks nothing', () => {
    const sent = answer(new Error('secret internals'));
    expect(sent.status).toBe(500);
    expect(JSON.stringify(sent.body)).not.toContain('secret internals');
  });
});
