import { Duplex } from 'node:stream';
import { answerClientErrors } from './framework-errors';

/** A socket that records what is written to it and whether it was dropped. */
function socket(current?: { headersSent: boolean }) {
  const written: string[] = [];
  const raw = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  Object.assign(raw, { _httpMessage: current });
  raw.on('error', () => undefined);
  return { raw, written };
}

describe('answerClientErrors (what the HTTP parser refuses)', () => {
  const answer = answerClientErrors('https://partner-center.dev');
  const overflow = Object.assign(new Error('Header overflow'), { code: 'HPE_HEADER_OVERFLOW' });

  it('answers problem+json and drops the connection', () => {
    const { raw, written } = socket();
    answer(overflow, raw);
    expect(written.join('')).toMatch(/^HTTP\/1\.1 431 .*application\/problem\+json.*"status":431/s);
    expect(raw.destroyed).toBe(true);
  });

  // Regression (review): a malformed request on a keep-alive socket that carries a response still
  // under way (an event stream) had an HTTP answer written into that response, and the socket was
  // left half-open after any answer.
  it('writes nothing into a response already under way, and drops the connection', () => {
    const { raw, written } = socket({ headersSent: true });
    answer(Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_METHOD' }), raw);
    expect(written).toEqual([]);
    expect(raw.destroyed).toBe(true);
  });

  it('leaves a connection reset alone', () => {
    const { raw, written } = socket();
    answer(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), raw);
    expect([written, raw.destroyed]).toEqual([[], false]);
  });
});
