import { loadSchedulerConfig } from '../../apps/api/src/scheduler/scheduler.config';

describe('scheduler configuration', () => {
  it('defaults to a 30 s interval', () => {
    expect(loadSchedulerConfig({})).toEqual({ intervalMs: 30_000, batchSize: 500, catchUpTimeoutMs: 10_000 });
  });

  it('0 disables the timer', () => {
    expect(loadSchedulerConfig({ SCHEDULER_INTERVAL_MS: '0' }).intervalMs).toBe(0);
  });

  it('names every bad setting at once', () => {
    expect(() => loadSchedulerConfig({ SCHEDULER_INTERVAL_MS: 'soon', SCHEDULER_BATCH_SIZE: '0' })).toThrow(
      /SCHEDULER_INTERVAL_MS must be an integer from 0 to 86400000 \(got 'soon'\)[\s\S]*SCHEDULER_BATCH_SIZE must be an integer from 1/,
    );
  });
});
