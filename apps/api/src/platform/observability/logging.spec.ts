import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED_PATHS } from './logging';

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
});
