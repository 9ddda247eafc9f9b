import { Writable } from 'node:stream';
import pino from 'pino';
import { loggedPath, REDACTED_PATHS } from './logging';

describe('log redaction', () => {
  it('censors credentials, keys, e-mail and phone fields wherever a log call passes them', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()),
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    logger.info({
      req: { headers: { authorization: 'Bearer secret-token', cookie: 'sid=1' } },
      body: { password: 'hunter2', productKey: 'AAAA-BBBB', contact: { email: 'a@b.c', phone: '+421' } },
      temporaryPassword: 'tmp',
    });
    const line = lines.join('');
    for (const secret of ['secret-token', 'sid=1', 'hunter2', 'AAAA-BBBB', 'a@b.c', '+421', '"tmp"']) {
      expect(line).not.toContain(secret);
    }
  });

  it('censors names, addresses and invitation codes a log call passes, four levels deep', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()),
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    logger.info({
      command: {
        payload: {
          profile: { legalName: 'Zq Legal s.r.o.', address: { line1: 'Zq Street 1' } },
          firstUser: { displayName: 'Zq Person' },
        },
        result: { code: 'zqInviteCode', url: 'https://x/zqInviteUrl' },
      },
    });
    logger.error({ err: { code: 'SQLITE_BUSY', message: 'database is locked' } });
    const line = lines.join('');
    for (const secret of ['Zq Legal', 'Zq Street', 'Zq Person', 'zqInviteCode', 'zqInviteUrl']) {
      expect(line).not.toContain(secret);
    }
    // An error's code stays readable.
    expect(line).toContain('SQLITE_BUSY');
  });
});

describe('logged request path', () => {
  it.each([
    ['/invitations/c0de', '/invitations/[redacted]'],
    ['/invitations/c0de/redeem?x=1', '/invitations/[redacted]/redeem'],
    // The router decodes %61 to "a": the same route, the same live code.
    ['/invit%61tions/c0de', '/invit%61tions/[redacted]'],
    ['/%69nvitations/c0de/redeem', '/%69nvitations/[redacted]/redeem'],
    // Answered 404, but the code is in the URL all the same.
    ['//invitations/c0de', '//invitations/[redacted]'],
    ['/./invitations/c0de', '/./invitations/[redacted]'],
    ['/Invitations/c0de', '/Invitations/[redacted]'],
    ['/invitations%2Fc0de', '/invitations/[redacted]'],
    ['/invitations%2fc0de', '/invitations/[redacted]'],
    // Regression (HTTP probe): an auditor's read of a claim stream, and an e-mail sent as an id.
    ['/audit/streams/invitation-code-32QBUi2kaY3idRIIcQwXRw', '/audit/streams/invitation-code-[redacted]'],
    ['/audit/aggregates/Invitation-Code-c0de?revision=0', '/audit/aggregates/invitation-code-[redacted]'],
    ['/partners/p1/users/someone@private.example', '/partners/p1/users/[redacted]'],
    ['/customers/c1/delegations/leak%40secret.example/remove', '/customers/c1/delegations/[redacted]/remove'],
  ])('%s is logged as %s', (url, logged) => {
    expect(loggedPath(url)).toBe(logged);
  });

  it('leaves other paths, and malformed encoding, as they are', () => {
    expect(loggedPath('/partners/p1/clients?q=a@b.c')).toBe('/partners/p1/clients');
    expect(loggedPath('/partners/%E0%A4%A')).toBe('/partners/%E0%A4%A');
    expect(loggedPath(undefined)).toBe('');
  });
});
