import type { ApiConfig } from '../../platform';
import { AuditReplayGate } from './replay-gate';

describe('AuditReplayGate', () => {
  const gate = () => new AuditReplayGate({ auditReplaysMax: 1 } as ApiConfig);
  const never = () => new Promise<never>(() => undefined);
  const flush = () => new Promise((resolve) => setImmediate(resolve));

  // Review finding: freeing the slot of a replay whose caller hung up removed the bound altogether:
  // clients that time out and retry could stack any number of replays stuck in slow reads.
  it('frees the slot of an abandoned replay, but lets at most the limit of them drain beside the running', async () => {
    const subject = gate();
    const first = new AbortController();
    void subject.run(never, first.signal);
    await flush();
    await expect(subject.run(never)).rejects.toMatchObject({ code: 'audit-replays-busy' });

    first.abort();
    const second = new AbortController();
    void subject.run(never, second.signal);
    await flush();
    second.abort();
    // One draining is allowed beside the limit's one running; a second draining one fills it.
    await expect(subject.run(never)).rejects.toMatchObject({
      code: 'audit-replays-busy',
      extensions: { running: 0, draining: 2, limit: 1 },
    });
  });

  it('a drained replay that ends gives its place back', async () => {
    const subject = gate();
    let finish = () => undefined as void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    const caller = new AbortController();
    const first = subject.run(() => held, caller.signal);
    caller.abort();
    finish();
    await first;
    let ran = false;
    await subject.run(async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });
});
