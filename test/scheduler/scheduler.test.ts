import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CommandPipeline } from '@pc/pipeline';
import { COMMAND_PIPELINE, ManualClock } from '../../apps/api/src/platform';
import { scheduledCommandContext } from '../../apps/api/src/scheduler/scheduled-command';
import { backends } from '../support/backends';
import {
  START,
  type Tokens,
  http,
  mintTokens,
  registerPartner,
  startAcquisitionApp,
  streamEvents,
} from './support/acquisition-world';

describe.each(backends)('the scheduler on the real app ($name)', (backend) => {
  let env: Record<string, string>;
  let tearDown: () => Promise<void>;
  let t: Tokens;
  const apps: NestFastifyApplication[] = [];

  const start = async (clock: ManualClock) => {
    const started = await startAcquisitionApp(env, clock);
    apps.push(started.app);
    return started;
  };
  const stop = async (app: NestFastifyApplication) => {
    apps.splice(apps.indexOf(app), 1);
    await app.close();
  };
  const expired = async (app: NestFastifyApplication, inviteId: string) =>
    (await streamEvents(app, `trial-invite-${inviteId}`)).filter((e) => e.type === 'TrialInviteExpired');

  beforeAll(async () => {
    const setup = await backend.setUp();
    env = setup.env;
    tearDown = setup.tearDown;
    t = await mintTokens();
    const { app } = await start(new ManualClock(START));
    await registerPartner(
      http(() => app),
      t.platform,
      'contoso',
      'jana',
      ['advisor'],
    );
    await stop(app);
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await tearDown?.();
  });

  const createInvite = (app: NestFastifyApplication, inviteId: string, expiresAt: string) =>
    http(() => app).post('/partners/contoso/trial-invites', t.jana, {
      inviteId,
      offerId: 'office-business-basic',
      expiresAt,
    });

  it('keeps its due list across a restart', async () => {
    const clock = new ManualClock(START);
    const first = await start(clock);
    expect((await createInvite(first.app, 'before-restart', '2026-01-10')).status).toBe(201);
    // Listed (the tick waits for the due list to catch up) but not due yet.
    expect((await first.scheduler.tick()).actions).toEqual([]);
    await stop(first.app);

    clock.set('2026-01-10T00:00:00.000Z');
    const second = await start(clock);
    const tick = await second.scheduler.tick();
    expect(tick.caughtUp).toBe(true);
    expect(tick.actions).toEqual([
      expect.objectContaining({ key: 'ExpireTrialInvite/before-restart', outcome: 'applied' }),
    ]);
    expect(await expired(second.app, 'before-restart')).toHaveLength(1);
    await stop(second.app);
  });

  it('a re-issued action (e.g. after a crash) is a replay with one effect', async () => {
    const clock = new ManualClock(START);
    const { app, scheduler } = await start(clock);
    expect((await createInvite(app, 'reissued', '2026-01-06')).status).toBe(201);
    clock.set('2026-01-06T00:00:00.000Z');

    // What a scheduler that crashed right after issuing the action had done: the very same command.
    const action = {
      key: 'ExpireTrialInvite/reissued',
      commandType: 'ExpireTrialInvite',
      payload: { inviteId: 'reissued' },
      dueAt: '2026-01-06T00:00:00.000Z',
      causedBy: 'n/a',
      correlationId: null,
    };
    const pipeline = app.get<CommandPipeline>(COMMAND_PIPELINE);
    const context = scheduledCommandContext(action, clock.now().toISOString());
    const first = await pipeline.execute(action.commandType, action.payload, context);
    expect(first).toMatchObject({ replayed: false, eventTypes: ['TrialInviteExpired'] });
    const again = await pipeline.execute(action.commandType, action.payload, context);
    expect(again).toMatchObject({ replayed: true, commandId: first.commandId });

    // The restarted scheduler finds nothing left to do.
    expect((await scheduler.tick()).actions).toEqual([]);
    expect(await expired(app, 'reissued')).toHaveLength(1);
    await stop(app);
  });

  it('two instances ticking at once have one effect', async () => {
    const clock = new ManualClock(START);
    const a = await start(clock);
    const b = await start(clock);
    expect((await createInvite(a.app, 'raced', '2026-01-07')).status).toBe(201);
    // Both instances have listed it before it falls due.
    await Promise.all([a.scheduler.tick(), b.scheduler.tick()]);

    clock.set('2026-01-07T00:00:00.000Z');
    const [fromA, fromB] = await Promise.all([a.scheduler.tick(), b.scheduler.tick()]);
    const outcomes = [...fromA.actions, ...fromB.actions]
      .filter((action) => action.key === 'ExpireTrialInvite/raced')
      .map((action) => action.outcome);
    expect(outcomes).toContain('applied');
    // Nobody is refused or fails. (When both append at once, the store takes the second append of the
    // same event ids as an idempotent retry, so both may report 'applied': the log shows one effect.)
    for (const outcome of outcomes) expect(['applied', 'replayed', 'no-op']).toContain(outcome);
    expect(await expired(a.app, 'raced')).toHaveLength(1);
    await Promise.all([stop(a.app), stop(b.app)]);
  });
});
