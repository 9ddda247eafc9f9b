import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventStore } from '@pc/event-store';
import { EVENT_STORE } from '../../apps/api/src/platform';
import { ReadWorld } from '../read-models/world';
import { backends, startApp } from '../support/backends';
import { calledFrom } from '../support/called-from';
import { call, problem } from '../support/http';
import { partnerRegistration } from '../support/registration';
import { actors, mintToken } from '../support/tokens';

/**
 * Replays of the log for auditors (read models as of a position, the replay check) are bounded per
 * process by AUDIT_REPLAYS_MAX: one more is refused at once, 503 audit-replays-busy with Retry-After,
 * and a slot comes back when a replay ends, however it ends. Here the limit is 1 and the first
 * replay is held inside its read of the log until the test lets it go.
 */
describe('audit replays: at most AUDIT_REPLAYS_MAX at once (sqlite)', () => {
  const sqlite = backends.find((backend) => backend.name === 'sqlite');
  let app: NestFastifyApplication;
  let tearDown: () => Promise<void>;
  let auditor: string;
  let position: string;
  let events: EventStore;
  const w = new ReadWorld(() => app);

  const asOf = () =>
    call(app, 'GET', `/audit/read-models/client-list/as-of?partnerId=contoso&position=${position}`, {
      token: auditor,
    });
  const replayCheck = () => call(app, 'POST', '/audit/replay-check', { token: auditor });

  /** The app's port, listening from the first test that needs a real socket on. */
  async function listening(): Promise<number> {
    if (!app.getHttpServer().listening) await app.listen(0, '127.0.0.1');
    return (app.getHttpServer().address() as AddressInfo).port;
  }

  /**
   * Holds the as-of's first read of the log (its lookup of the event at the position; the live
   * projections read the same store meanwhile, and go on) until `release`; `held` resolves when it waits.
   */
  function holdAsOfRead(): { held: Promise<void>; release: () => void } {
    const readAll = events.readAll.bind(events);
    let release = () => undefined as void;
    let reached = () => undefined as void;
    const held = new Promise<void>((done) => (reached = done));
    const gate = new Promise<void>((done) => (release = done));
    const spy = jest.spyOn(events, 'readAll').mockImplementation(async (...args) => {
      if (!calledFrom('eventAtOrBefore')) return readAll(...args);
      spy.mockRestore();
      reached();
      await gate;
      return readAll(...args);
    });
    return { held, release: () => release() };
  }

  beforeAll(async () => {
    const setup = await (sqlite as NonNullable<typeof sqlite>).setUp();
    tearDown = setup.tearDown;
    ({ app } = await startApp({ ...setup.env, AUDIT_REPLAYS_MAX: '1' }));
    auditor = await mintToken({ act: actors.platform('auditor-1'), scope: 'audit', sub: 'audit-portal' });
    const platform = await mintToken({
      act: actors.platform('ops'),
      scope: 'platform queries',
      sub: 'onboarding-service',
    });
    await w.command('/partners', platform, partnerRegistration('contoso'));
    position = w.last as string;
    events = app.get<EventStore>(EVENT_STORE);
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  it('a second replay while one runs is refused with Retry-After; the slot comes back when the first ends', async () => {
    const { held, release } = holdAsOfRead();
    const first = asOf();
    await held;

    const busy = await asOf();
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('30');
    expect(busy.body).toMatchObject({ ...problem('audit-replays-busy'), running: 1, limit: 1 });
    // The replay check shares the bound.
    expect((await replayCheck()).body).toMatchObject(problem('audit-replays-busy'));

    release();
    expect((await first).status).toBe(200);
    expect((await asOf()).status).toBe(200);
    expect((await replayCheck()).status).toBe(200);
  });

  it('a replay that fails gives its slot back too', async () => {
    const readAll = events.readAll.bind(events);
    const spy = jest.spyOn(events, 'readAll').mockImplementation(async (...args) => {
      if (calledFrom('eventAtOrBefore')) throw new Error('the log went away');
      return readAll(...args);
    });
    expect((await asOf()).status).toBe(500);
    spy.mockRestore();
    expect((await asOf()).status).toBe(200);
  });

  const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

  /**
   * A replay check over a real socket whose first read of the log waits until `release`; once the
   * read waits (and holds the only slot), its client hangs up. `reads` counts the check's reads.
   */
  async function abandonedReplayCheck(): Promise<{ reads: () => number; release: () => void }> {
    const port = await listening();
    const readAll = events.readAll.bind(events);
    let checkReads = 0;
    let reached = () => undefined as void;
    let release = () => undefined as void;
    const held = new Promise<void>((done) => (reached = done));
    const gate = new Promise<void>((done) => (release = done));
    jest.spyOn(events, 'readAll').mockImplementation(async (...args) => {
      if (calledFrom('replayCheck') && ++checkReads === 1) {
        reached();
        await gate;
      }
      return readAll(...args);
    });
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/audit/replay-check',
      headers: { authorization: `Bearer ${auditor}` },
    });
    req.on('error', () => undefined);
    const closed = new Promise((done) => req.on('close', done));
    req.end();
    await held;
    expect((await asOf()).body).toMatchObject(problem('audit-replays-busy'));
    req.destroy();
    await closed;
    return { reads: () => checkReads, release: () => release() };
  }

  /** The next as-of, retried while the slot is still taken (the server sees the close a turn later). */
  async function asOfOnceFree(): Promise<Awaited<ReturnType<typeof asOf>>> {
    let next = await asOf();
    for (let i = 0; i < 100 && next.status === 503; i++) {
      await pause(50);
      next = await asOf();
    }
    return next;
  }

  it('HTTP: a replay check whose client hangs up stops at its next read of the log and gives its slot back', async () => {
    const check = await abandonedReplayCheck();
    // The server sees the close on its next turn of the event loop; then the read goes on.
    await pause(100);
    check.release();
    expect((await asOfOnceFree()).status).toBe(200);
    // The check replays four read models; it stopped after the read in flight when the client left.
    expect(check.reads()).toBe(1);
  });

  // Was: a replay whose read of the log never came back kept its slot after its caller had gone,
  // and with AUDIT_REPLAYS_MAX=1 every later replay was refused for as long as the read hung.
  it('HTTP: a replay stuck in a read that never returns gives its slot back when its client hangs up', async () => {
    const check = await abandonedReplayCheck();
    // The read still hangs: the slot comes back once the server has seen the client go.
    expect((await asOfOnceFree()).status).toBe(200);
    expect(check.reads()).toBe(1);
    // When the read does come back, the abandoned check stops there and reads no more.
    check.release();
    await pause(100);
    expect(check.reads()).toBe(1);
  });

  it('AUDIT_REPLAYS_MAX is checked at boot', async () => {
    await expect(startApp({ AUDIT_REPLAYS_MAX: '0' })).rejects.toThrow(/AUDIT_REPLAYS_MAX/);
    await expect(startApp({ AUDIT_REPLAYS_MAX: 'many' })).rejects.toThrow(/AUDIT_REPLAYS_MAX/);
  });
});
