import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventStore } from '@pc/event-store';
import type { ReadModelAsOfResult } from '../../apps/api/src/audit/read-models/read-model-as-of';
import { readModelAsOfJson } from '../../apps/audit/src/support/read-model-as-of';
import { CliError } from '../../apps/audit/src/support/exit-codes';
import { EVENT_STORE } from '../../apps/api/src/platform';
import { ReadWorld } from '../read-models/world';
import { backends, startApp } from '../support/backends';
import { calledFrom } from '../support/called-from';
import { call, problem } from '../support/http';
import { actors, mintToken } from '../support/tokens';

type Body = Record<string, unknown>;

const profile = {
  legalName: 'Contoso Partners s.r.o.',
  address: { line1: 'Hlavná 1', city: 'Bratislava', postalCode: '811 01', country: 'SK' },
  phone: '+421 2 1234 5678',
  email: 'office@contoso.example',
};

/**
 * Read models as of a position rebuild into a scratch SQLite FILE under TMPDIR (os.tmpdir()), not in
 * the service's memory, and leave nothing behind: after an answer, after an error, and after the
 * HTTP client went away mid-way. Each test points os.tmpdir() at a fresh directory (Jest gives test
 * files a copy of process.env, so TMPDIR itself cannot be changed in-process) and lists it while
 * the rebuild reads the log, and afterwards.
 */
describe.each(backends)('read models as of a position: the scratch file ($name)', (backend) => {
  let app: NestFastifyApplication;
  let tearDown: () => Promise<void>;
  let auditor: string;
  let events: EventStore;
  let position: string;
  let scratchDir: string;
  /** What each read of the log saw under scratchDir: the files of each directory in it. */
  let seen: string[][][];
  /** Called on each read of the log once a scratch directory exists; may throw to fail that read. */
  let onScratchRead: () => void | Promise<void>;
  /** The rebuild's own reads of the log (the live projections read the same store meanwhile). */
  let replayReads: number;
  const w = new ReadWorld(() => app);

  const files = () => readdirSync(scratchDir).map((dir) => readdirSync(join(scratchDir, dir)));
  const dirs = () => readdirSync(scratchDir);
  const asOf = (readModel: string, query: string) =>
    call<ReadModelAsOfResult & Body>(app, 'GET', `/audit/read-models/${readModel}/as-of?${query}`, {
      token: auditor,
    });
  /** A scratch file was there while the log was read, in a directory of its own. */
  const expectBuiltInAFile = () =>
    expect(seen).toContainEqual([expect.arrayContaining(['read-models.sqlite'])]);

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    ({ app } = await startApp(setup.env));
    auditor = await mintToken({ act: actors.platform('auditor-1'), scope: 'audit', sub: 'audit-portal' });
    const platform = await mintToken({
      act: actors.platform('ops'),
      scope: 'platform queries',
      sub: 'onboarding-service',
    });
    await w.command('/partners', platform, {
      partnerId: 'contoso',
      profile,
      firstUser: { userId: 'jana', email: 'jana@contoso.example', displayName: 'Jana' },
    });
    position = w.last as string;
    events = app.get<EventStore>(EVENT_STORE);
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  beforeEach(() => {
    scratchDir = mkdtempSync(join(tmpdir(), 'pc-as-of-scratch-'));
    seen = [];
    onScratchRead = () => undefined;
    jest.spyOn(os, 'tmpdir').mockReturnValue(scratchDir);
    const readAll = events.readAll.bind(events);
    replayReads = 0;
    jest.spyOn(events, 'readAll').mockImplementation(async (...args) => {
      if (calledFrom('replayInto')) replayReads++;
      const now = files();
      seen.push(now);
      if (now.length > 0) await onScratchRead();
      return readAll(...args);
    });
  });

  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(scratchDir, { recursive: true, force: true });
  });

  it('HTTP: built in a scratch file, removed once the answer is sent', async () => {
    for (const readModel of ['client-list', 'partner-overview']) {
      seen = [];
      const res = await asOf(readModel, `partnerId=contoso&position=${position}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ readModel, partnerId: 'contoso', position });
      expectBuiltInAFile();
      expect(dirs()).toEqual([]);
    }
  });

  it('HTTP: removed when the query refuses (unknown partner) and when the rebuild fails', async () => {
    const unknown = await asOf('partner-overview', `partnerId=nobody&position=${position}`);
    expect(unknown.body).toMatchObject(problem('partner-not-found'));
    expectBuiltInAFile();
    expect(dirs()).toEqual([]);

    seen = [];
    let failures = 1;
    onScratchRead = () => {
      if (failures-- > 0) throw new Error('the log went away');
    };
    const failed = await asOf('client-list', `partnerId=contoso&position=${position}`);
    expect(failed.status).toBe(500);
    expectBuiltInAFile();
    expect(dirs()).toEqual([]);
  });

  it('HTTP: removed when the client disconnects while the store is built, and the rebuild stops there', async () => {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const req = request({
      host: '127.0.0.1',
      port,
      path: `/audit/read-models/partner-overview/as-of?partnerId=contoso&position=${position}`,
      headers: { authorization: `Bearer ${auditor}` },
    });
    req.on('error', () => undefined);
    const closed = new Promise((done) => req.on('close', done));
    let readsAtDisconnect = 0;
    onScratchRead = async () => {
      if (seen.filter((listing) => listing.length > 0).length > 1) return;
      // The client goes away mid-way; the read of the log goes on once the server has seen it.
      readsAtDisconnect = replayReads;
      req.destroy();
      await new Promise((done) => setTimeout(done, 100));
    };
    req.end();
    // Closed by the client mid-way (or, were nothing built in a file, after the whole answer).
    await closed;
    expectBuiltInAFile();
    // The request's work ends by itself (nothing waits for it): the directory empties soon after.
    for (let i = 0; i < 100 && dirs().length > 0; i++) await new Promise((done) => setTimeout(done, 50));
    expect(dirs()).toEqual([]);
    // The overview replays three projections; the client left during the first one's read, and the
    // other two never read the log (ClientGone): no read after the one in flight.
    expect(readsAtDisconnect).toBe(1);
    expect(replayReads).toBe(readsAtDisconnect);
  });

  it('CLI as-of --read-model: built in a scratch file, removed after the answer and after a refusal', async () => {
    const answer = await readModelAsOfJson(events, 'client-list', { partner: 'contoso', position });
    expect(answer).toMatchObject({ readModel: 'client-list', partnerId: 'contoso', position });
    expectBuiltInAFile();
    expect(dirs()).toEqual([]);

    seen = [];
    await expect(
      readModelAsOfJson(events, 'partner-overview', { partner: 'nobody', position }),
    ).rejects.toBeInstanceOf(CliError);
    expectBuiltInAFile();
    expect(dirs()).toEqual([]);
  });
});
