import { Logger } from '@nestjs/common';
import type { CommandBus } from '@nestjs/cqrs';
import { DomainError } from '@pc/domain';
import type { CommandResult } from '@pc/pipeline';
import { ManualClock, ProjectionStatusRegistry } from '../../apps/api/src/platform';
import type { DueList } from '../../apps/api/src/scheduler/due-list';
import type { DueAction } from '../../apps/api/src/scheduler/scheduled-command';
import type { SchedulerConfig } from '../../apps/api/src/scheduler/scheduler.config';
import { SchedulerService } from '../../apps/api/src/scheduler/scheduler.service';

/** The service alone, with a fake due list and command bus: outcomes, the timer, no overlapping ticks. */
describe('SchedulerService', () => {
  const action = (key: string, commandType = 'ExpireTrialInvite'): DueAction => ({
    key,
    commandType,
    payload: { inviteId: key },
    dueAt: '2026-01-01T00:00:00.000Z',
    causedBy: 'event-1',
    correlationId: 'corr-1',
  });
  const result = (overrides: Partial<CommandResult> = {}): CommandResult => ({
    commandId: 'c',
    streamName: 's',
    revision: 1,
    position: '1',
    ids: {},
    eventTypes: ['TrialInviteExpired'],
    replayed: false,
    ...overrides,
  });

  function setUp(config: Partial<SchedulerConfig> = {}) {
    const due: DueAction[] = [];
    const dueList = {
      start: jest.fn(async () => undefined),
      close: jest.fn(async () => undefined),
      catchUp: jest.fn(async () => true),
      dueAt: jest.fn(async (_now: string, limit: number) => due.slice(0, limit)),
      statuses: jest.fn(async () => []),
    };
    const execute = jest.fn(async (_command?: unknown): Promise<CommandResult> => result());
    const service = new SchedulerService(
      { execute } as unknown as CommandBus,
      dueList as unknown as DueList,
      new ManualClock('2026-01-02T00:00:00.000Z'),
      {
        intervalMs: 1000,
        batchSize: 10,
        catchUpTimeoutMs: 100,
        actionTimeoutMs: 1000,
        shutdownGraceMs: 0,
        ...config,
      },
      new ProjectionStatusRegistry(),
    );
    return { service, due, dueList, execute };
  }

  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => jest.useRealTimers());

  it('regression: actions refused for good are set aside, so they cannot starve later ones', async () => {
    const { service, due, execute } = setUp({ batchSize: 2 });
    due.push(action('stuck-1'), action('stuck-2'), action('later'));
    execute
      .mockRejectedValueOnce(new DomainError('invite-not-due', 'diverged'))
      .mockRejectedValueOnce(new DomainError('invite-not-due', 'diverged'))
      .mockResolvedValue(result());
    const first = await service.tick();
    expect(first.actions.map((a) => [a.key, a.outcome])).toEqual([
      ['stuck-1', 'refused'],
      ['stuck-2', 'refused'],
    ]);
    // The refused rows are still in the due list, but the next tick reaches what comes after them.
    const second = await service.tick();
    expect(second.actions.map((a) => [a.key, a.outcome])).toEqual([['later', 'applied']]);
    expect(execute).toHaveBeenCalledTimes(3);
  });

  it('regression: actions that keep failing are retried after the others, so they cannot starve them', async () => {
    const { service, due, execute } = setUp({ batchSize: 2 });
    due.push(action('stuck-1'), action('stuck-2'), action('later'));
    execute.mockImplementation(async (command: unknown) => {
      const { payload } = command as { payload: { inviteId: string } };
      if (payload.inviteId.startsWith('stuck')) throw new Error('event store unavailable');
      return result();
    });
    const first = await service.tick();
    expect(first.actions.map((a) => [a.key, a.outcome])).toEqual([
      ['stuck-1', 'failed'],
      ['stuck-2', 'failed'],
    ]);
    // Was: the same two again, every tick, and 'later' never.
    const second = await service.tick();
    expect(second.actions.map((a) => [a.key, a.outcome])).toEqual([
      ['later', 'applied'],
      ['stuck-1', 'failed'],
    ]);
    // Still retried (not set aside): once it goes through, it is an ordinary action again.
    due.splice(2, 1);
    execute.mockResolvedValue(result());
    const third = await service.tick();
    expect(third.actions.map((a) => [a.key, a.outcome])).toEqual([
      ['stuck-1', 'applied'],
      ['stuck-2', 'applied'],
    ]);
  });

  // Regression: a command that never settled (a hung database call) held its tick, and every tick after
  // it (ticks never overlap), for good.
  it('regression: a command that never settles times out as failed; the tick and the next ones go on', async () => {
    const { service, due, execute } = setUp({ actionTimeoutMs: 100 });
    due.push(action('hung'), action('after'));
    let unhang: (value: CommandResult) => void = () => undefined;
    execute.mockImplementationOnce(() => new Promise<CommandResult>((resolve) => (unhang = resolve)));
    const first = await service.tick();
    // The tick ends there: the rest of the batch would each wait out a timeout behind a hung store.
    expect(first.actions.map((a) => [a.key, a.outcome, a.reason])).toEqual([
      ['hung', 'failed', 'timed out after 100 ms'],
    ]);
    expect(first.deferred).toBe(1);
    // Not blocked. While the timed-out try still runs, the action is not issued a second time (a
    // database that stays hung would collect one stuck command per action and tick).
    const second = await service.tick();
    expect(second.actions.map((a) => [a.key, a.outcome, a.reason])).toEqual([
      ['after', 'applied', undefined],
      ['hung', 'failed', 'an earlier try that timed out is still running'],
    ]);
    expect(second.deferred).toBe(0);
    expect(execute).toHaveBeenCalledTimes(2);
    // Once it has settled, the action is retried, with the same command id, after the others.
    unhang(result());
    await new Promise((resolve) => setImmediate(resolve));
    const third = await service.tick();
    expect(third.actions.map((a) => [a.key, a.outcome])).toEqual([
      ['after', 'applied'],
      ['hung', 'applied'],
    ]);
    expect(third.actions[1].commandId).toBe(first.actions[0].commandId);
  });

  it('logs a timed-out command (never its payload), and how it ends if it ends later', async () => {
    const { service, due, execute } = setUp({ actionTimeoutMs: 50 });
    due.push(action('slow'), action('late'));
    let finish: (value: CommandResult) => void = () => undefined;
    let fail: (error: Error) => void = () => undefined;
    execute
      .mockImplementationOnce(() => new Promise<CommandResult>((resolve) => (finish = resolve)))
      .mockImplementationOnce(() => new Promise<CommandResult>((_resolve, reject) => (fail = reject)));
    const error = jest.spyOn(Logger.prototype, 'error');
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      // One timeout per tick: 'late' waits for the next one, and is tried first there.
      const first = await service.tick();
      const second = await service.tick();
      expect([...first.actions, ...second.actions].map((a) => [a.key, a.outcome, a.reason])).toEqual([
        ['slow', 'failed', 'timed out after 50 ms'],
        ['late', 'failed', 'timed out after 50 ms'],
      ]);
      const [slow, late] = [...first.actions, ...second.actions].map(({ key, commandType, commandId }) => ({
        action: key,
        commandType,
        commandId,
      }));
      expect(error.mock.calls).toEqual([
        [{ ...slow, timeoutMs: 50 }, 'scheduled command timed out'],
        [{ ...late, timeoutMs: 50 }, 'scheduled command timed out'],
      ]);
      // Each tick ended early, saying how many actions it left due.
      expect(warn.mock.calls.filter(([, message]) => String(message).startsWith('tick ended early'))).toEqual(
        [
          [{ now: first.now, deferred: 1 }, 'tick ended early (a command timed out); the rest stays due'],
          [{ now: second.now, deferred: 1 }, 'tick ended early (a command timed out); the rest stays due'],
        ],
      );
      warn.mockClear();
      // Left running: a late outcome is logged, and a late rejection is handled (not unhandled).
      finish(result());
      fail(new Error('connection reset'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warn.mock.calls).toEqual([
        [
          { ...slow, replayed: false, events: ['TrialInviteExpired'] },
          'timed-out scheduled command completed late',
        ],
        [{ ...late, err: new Error('connection reset') }, 'timed-out scheduled command failed late'],
      ]);
    } finally {
      error.mockRestore();
      warn.mockRestore();
    }
  });

  // Regression (review): shutdown awaited the running tick, which went on through its whole batch.
  it('a tick stops between actions once the service is stopping; shutdown waits for one action, not the batch', async () => {
    const { service, due, execute } = setUp({ actionTimeoutMs: 60_000 });
    due.push(action('first'), action('second'), action('third'));
    let finishFirst: (value: CommandResult) => void = () => undefined;
    execute.mockImplementationOnce(() => new Promise<CommandResult>((resolve) => (finishFirst = resolve)));
    const tick = service.tick();
    await new Promise((resolve) => setImmediate(resolve));
    const shutdown = service.beforeApplicationShutdown();
    finishFirst(result());
    await shutdown;
    const report = await tick;
    expect(report.actions.map((a) => [a.key, a.outcome])).toEqual([['first', 'applied']]);
    expect(report.deferred).toBe(2);
    expect(execute).toHaveBeenCalledTimes(1);
  });

  // Regression (the last session's note): shutdown closed the stores under commands that had timed out
  // and still ran, however close they were to finishing.
  it('shutdown waits up to SCHEDULER_SHUTDOWN_GRACE_MS for timed-out commands before closing the due list', async () => {
    const { service, due, dueList, execute } = setUp({ actionTimeoutMs: 100, shutdownGraceMs: 60_000 });
    due.push(action('slow'));
    let finish: (value: CommandResult) => void = () => undefined;
    execute.mockImplementationOnce(() => new Promise<CommandResult>((resolve) => (finish = resolve)));
    expect((await service.tick()).actions.map((a) => a.reason)).toEqual(['timed out after 100 ms']);
    let done = false;
    const shutdown = service.beforeApplicationShutdown().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    expect(dueList.close).not.toHaveBeenCalled();
    finish(result());
    await shutdown;
    expect(dueList.close).toHaveBeenCalledTimes(1);
  });

  it('shutdown waits no longer than the grace for a command that stays hung, and says so', async () => {
    const { service, due, dueList, execute } = setUp({ actionTimeoutMs: 100, shutdownGraceMs: 100 });
    due.push(action('hung'));
    execute.mockImplementationOnce(() => new Promise<CommandResult>(() => undefined));
    await service.tick();
    const error = jest.spyOn(Logger.prototype, 'error');
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      await service.beforeApplicationShutdown();
      expect(dueList.close).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls).toEqual([
        [
          { stillRunning: 1, graceMs: 100 },
          'waiting for timed-out scheduled commands before closing the stores',
        ],
      ]);
      expect(error.mock.calls).toEqual([
        [
          { stillRunning: 1 },
          'shutting down with timed-out scheduled commands still running; their stores close under them',
        ],
      ]);
    } finally {
      error.mockRestore();
      warn.mockRestore();
    }
  });

  // Regression: after a pause the 7- and 1-day notices of a trial fell due together and both went
  // out, oldest first ("7 days left" hours before the end).
  it('regression: of several due notices of one trial, only the shortest is issued; the others wait', async () => {
    const { service, due, execute } = setUp();
    const notice = (daysLeft: number, subscriptionId = 's1'): DueAction => ({
      ...action(`MarkTrialExpiring/c1/${subscriptionId}/${daysLeft}`, 'MarkTrialExpiring'),
      payload: { customerId: 'c1', subscriptionId, daysLeft },
    });
    due.push(notice(7), notice(7, 's2'), notice(1));
    execute.mockRejectedValueOnce(new Error('event store unavailable'));
    const first = await service.tick();
    expect(first.actions.map((a) => [a.key, a.outcome, a.reason])).toEqual([
      ['MarkTrialExpiring/c1/s1/7', 'no-op', 'overtaken'],
      ['MarkTrialExpiring/c1/s2/7', 'failed', 'event store unavailable'],
      ['MarkTrialExpiring/c1/s1/1', 'applied', undefined],
    ]);
    const issued = execute.mock.calls as unknown as Array<[{ payload: object }]>;
    expect(issued.map(([command]) => command.payload)).toEqual([
      { customerId: 'c1', subscriptionId: 's2', daysLeft: 7 },
      { customerId: 'c1', subscriptionId: 's1', daysLeft: 1 },
    ]);
    // Not set aside: while the shorter one is due, the longer one is skipped again, never issued.
    const second = await service.tick();
    // (The one that failed is retried after the others.)
    expect(second.actions.map((a) => [a.key, a.outcome])).toEqual([
      ['MarkTrialExpiring/c1/s1/7', 'no-op'],
      ['MarkTrialExpiring/c1/s1/1', 'applied'],
      ['MarkTrialExpiring/c1/s2/7', 'applied'],
    ]);
    expect(execute).toHaveBeenCalledTimes(4);
  });

  it('issues each due action as the scheduler, and reports what became of it', async () => {
    const { service, due, execute } = setUp();
    due.push(
      action('applied'),
      action('no-op'),
      action('replayed'),
      action('converted'),
      action('odd'),
      action('down'),
    );
    execute
      .mockResolvedValueOnce(result())
      .mockResolvedValueOnce(result({ eventTypes: [] }))
      .mockResolvedValueOnce(result({ replayed: true }))
      .mockRejectedValueOnce(new DomainError('not-a-trial', 'converted since'))
      .mockRejectedValueOnce(new DomainError('invite-not-due', 'not yet'))
      .mockRejectedValueOnce(new Error('event store unavailable'));

    const report = await service.tick();
    expect(report).toMatchObject({ now: '2026-01-02T00:00:00.000Z', caughtUp: true });
    expect(report.actions.map((a) => [a.key, a.outcome, a.reason])).toEqual([
      ['applied', 'applied', undefined],
      ['no-op', 'no-op', undefined],
      ['replayed', 'replayed', undefined],
      ['converted', 'no-op', 'not-a-trial'],
      ['odd', 'refused', 'invite-not-due'],
      ['down', 'failed', 'event store unavailable'],
    ]);
    const [command] = execute.mock.calls[0] as unknown as [
      { type: string; context: Record<string, unknown> },
    ];
    expect(command.type).toBe('ExpireTrialInvite');
    expect(command.context).toMatchObject({
      actor: { kind: 'platform', id: 'scheduler' },
      service: { kind: 'service', id: 'scheduler' },
      causationId: 'event-1',
      correlationId: 'corr-1',
      now: '2026-01-02T00:00:00.000Z',
      commandId: report.actions[0].commandId,
    });
  });

  it('the same action always gets the same command id; another due time, another id', async () => {
    const { service, due } = setUp();
    due.push(action('a'));
    const first = await service.tick();
    const second = await service.tick();
    expect(second.actions[0].commandId).toBe(first.actions[0].commandId);
    due.splice(0, 1, { ...action('a'), dueAt: '2026-01-01T00:00:00.001Z' });
    expect((await service.tick()).actions[0].commandId).not.toBe(first.actions[0].commandId);
  });

  it('ticks every SCHEDULER_INTERVAL_MS once bootstrapped, and stops on shutdown', async () => {
    jest.useFakeTimers();
    const { service, dueList } = setUp({ intervalMs: 1000 });
    service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(999);
    expect(dueList.dueAt).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(dueList.dueAt).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(dueList.dueAt).toHaveBeenCalledTimes(2);
    await service.beforeApplicationShutdown();
    await jest.advanceTimersByTimeAsync(5000);
    expect(dueList.dueAt).toHaveBeenCalledTimes(2);
    expect(dueList.close).toHaveBeenCalled();
  });

  it('SCHEDULER_INTERVAL_MS=0 starts no timer', async () => {
    jest.useFakeTimers();
    const { service, dueList } = setUp({ intervalMs: 0 });
    service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(dueList.dueAt).not.toHaveBeenCalled();
  });

  it('ticks never overlap: a second tick waits for the first', async () => {
    const { service, dueList } = setUp();
    let release: () => void = () => undefined;
    dueList.catchUp.mockImplementationOnce(
      () => new Promise<boolean>((resolve) => (release = () => resolve(true))),
    );
    const first = service.tick();
    const second = service.tick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(dueList.catchUp).toHaveBeenCalledTimes(1);
    release();
    await Promise.all([first, second]);
    expect(dueList.catchUp).toHaveBeenCalledTimes(2);
  });

  it('a tick still runs when the due list lags (actions are idempotent), and says so', async () => {
    const { service, dueList, due } = setUp();
    dueList.catchUp.mockResolvedValueOnce(false);
    due.push(action('a'));
    expect(await service.tick()).toMatchObject({ caughtUp: false, actions: [{ outcome: 'applied' }] });
  });
});
