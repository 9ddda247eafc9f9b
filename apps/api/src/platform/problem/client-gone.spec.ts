import { type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientGoneError, clientGoneSignal } from './client-gone';

describe('clientGoneSignal (a real HTTP server)', () => {
  let server: Server;
  let port: number;
  let signals: AbortSignal[];
  /** How the server answers: at once, or never (the client has to give up). */
  let answer: boolean;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      signals.push(clientGoneSignal(res));
      if (answer) res.end('ok');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));
  beforeEach(() => (signals = []));

  const send = () => request({ host: '127.0.0.1', port, path: '/', agent: false });
  const aborted = async (signal: AbortSignal) => {
    for (let i = 0; i < 100 && !signal.aborted; i++) await new Promise((done) => setTimeout(done, 10));
    return signal.aborted;
  };

  it('is not aborted by a response sent in full, nor when the connection closes afterwards', async () => {
    answer = true;
    await new Promise<void>((done, fail) => {
      const req = send();
      req.on('response', (res) => res.resume().on('end', done));
      req.on('error', fail);
      req.end();
    });
    expect(signals).toHaveLength(1);
    // Let the connection close (agent: false) and give the server time to see it.
    await new Promise((done) => setTimeout(done, 100));
    expect(signals[0].aborted).toBe(false);
  });

  it('is aborted with a ClientGoneError when the client hangs up before the answer', async () => {
    answer = false;
    const req = send();
    req.on('error', () => undefined);
    req.end();
    for (let i = 0; i < 100 && signals.length === 0; i++) await new Promise((done) => setTimeout(done, 10));
    expect(signals[0].aborted).toBe(false);
    req.destroy();
    expect(await aborted(signals[0])).toBe(true);
    expect(signals[0].reason).toBeInstanceOf(ClientGoneError);
    expect(signals[0].reason).toMatchObject({ code: 'client-closed-request' });
  });
});
