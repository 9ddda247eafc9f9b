import { loadSchedulerConfig, SchedulerConfigError } from '../../apps/api/src/scheduler/scheduler.config';

describe('scheduler configuration', () => {
  it('defaults to a 30 s interval', () => {
    expect(loadSchedulerConfig({})).toEqual({
      intervalMs: 30_000,
      batchSize: 500,
      catchUpTimeoutMs: 10_000,
      actionTimeoutMs: 30_000,
      shutdownGraceMs: 5_000,
    });
  });

  it('SCHEDULER_SHUTDOWN_GRACE_MS is from 0 (do not wait) to 10 minutes', () => {
    expect(loadSchedulerConfig({ SCHEDULER_SHUTDOWN_GRACE_MS: '0' }).shutdownGraceMs).toBe(0);
    expect(loadSchedulerConfig({ SCHEDULER_SHUTDOWN_GRACE_MS: '600000' }).shutdownGraceMs).toBe(600_000);
    for (const raw of ['600001', '-1', '5s']) {
      expect(() => loadSchedulerConfig({ SCHEDULER_SHUTDOWN_GRACE_MS: raw })).toThrow(
        `SCHEDULER_SHUTDOWN_GRACE_MS must be an integer from 0 to 600000 (got '${raw}')`,
      );
    }
  });

  it('SCHEDULER_ACTION_TIMEOUT_MS bounds each command, from 100 ms to 10 minutes', () => {
    expect(loadSchedulerConfig({ SCHEDULER_ACTION_TIMEOUT_MS: '100' }).actionTimeoutMs).toBe(100);
    expect(loadSchedulerConfig({ SCHEDULER_ACTION_TIMEOUT_MS: ' 600000 ' }).actionTimeoutMs).toBe(600_000);
    for (const raw of ['0', '99', '600001', '1e3', '-1', '5s']) {
      expect(() => loadSchedulerConfig({ SCHEDULER_ACTION_TIMEOUT_MS: raw })).toThrow(
        `SCHEDULER_ACTION_TIMEOUT_MS must be an integer from 100 to 600000 (got '${raw}')`,
      );
    }
  });

  it('0 disables the timer', () => {
    expect(loadSchedulerConfig({ SCHEDULER_INTERVAL_MS: '0' }).intervalMs).toBe(0);
  });

  it('names every bad setting at once', () => {
    expect(() => loadSchedulerConfig({ SCHEDULER_INTERVAL_MS: 'soon', SCHEDULER_BATCH_SIZE: '0' })).toThrow(
      /SCHEDULER_INTERVAL_MS must be an integer from 0 to 86400000 \(got 'soon'\)[\s\S]*SCHEDULER_BATCH_SIZE must be an integer from 1/,
    );
    let error: unknown;
    try {
      loadSchedulerConfig({
        SCHEDULER_INTERVAL_MS: 'soon',
        SCHEDULER_BATCH_SIZE: '0',
        SCHEDULER_CATCH_UP_TIMEOUT_MS: 'x',
        SCHEDULER_ACTION_TIMEOUT_MS: '50',
        SCHEDULER_SHUTDOWN_GRACE_MS: 'later',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SchedulerConfigError);
    expect((error as SchedulerConfigError).problems.map((problem) => problem.split(' ')[0])).toEqual([
      'SCHEDULER_INTERVAL_MS',
      'SCHEDULER_BATCH_SIZE',
      'SCHEDULER_CATCH_UP_TIMEOUT_MS',
      'SCHEDULER_ACTION_TIMEOUT_MS',
      'SCHEDULER_SHUTDOWN_GRACE_MS',
    ]);
  });
});
