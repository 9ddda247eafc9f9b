import { Logger } from '@nestjs/common';
import { authorizedPartner, customerCreated, trialStarted } from '@pc/domain/testing/fixtures';
import { InMemoryWorld } from './support/in-memory-world';

/**
 * Whole event orders through the real deciders and pipeline, with the due list kept by the projection
 * in memory: what is issued when, what the domain records, and that the live list equals a rebuild.
 */
describe('the scheduler over the real domain (in memory)', () => {
  beforeAll(() => Logger.overrideLogger(false));

  const START = '2026-01-05T09:00:00.000Z';
  async function world() {
    const w = new InMemoryWorld(START);
    await w.given('partner-p1', ...authorizedPartner(['advisor', 'delegated-admin-certified']));
    await w.given('customer-c1', ...customerCreated());
    return w;
  }
  const daysLeft = (w: InMemoryWorld, type: string) =>
    w.events('customer-c1', type).map((e) => e.data.daysLeft);

  it('ticking every 6 hours: each trial notice once, on its day, then the expiry; nothing left due', async () => {
    const w = await world();
    await w.given('customer-c1', trialStarted({ startedAt: START, endsAt: '2026-02-04T09:00:00.000Z' }));
    const reports = await w.tickThrough('2026-02-10T09:00:00.000Z');
    expect(reports.map((r) => [r.at, r.key, r.outcome])).toEqual([
      ['2026-01-28T09:00:00.000Z', 'MarkTrialExpiring/c1/s1/7', 'applied'],
      ['2026-02-03T09:00:00.000Z', 'MarkTrialExpiring/c1/s1/1', 'applied'],
      ['2026-02-04T09:00:00.000Z', 'ExpireTrial/c1/s1', 'applied'],
    ]);
    expect(await w.due()).toEqual([]);
    expect(await w.rebuilt()).toEqual([]);
  });

  // Regression: after a pause (downtime, a lagging due list) both notices were due at once and were
  // issued oldest first: "7 days left" hours before the end, then "1 day left".
  it('regression: a trial ticked again 12 hours before its end gets the 1-day notice only', async () => {
    const w = await world();
    await w.given('customer-c1', trialStarted({ startedAt: START, endsAt: '2026-02-04T09:00:00.000Z' }));
    w.clock.set('2026-02-03T21:00:00.000Z');
    const tick = await w.service.tick();
    expect(tick.actions.map((a) => [a.key, a.outcome, a.reason])).toEqual([
      ['MarkTrialExpiring/c1/s1/7', 'no-op', 'overtaken'],
      ['MarkTrialExpiring/c1/s1/1', 'applied', undefined],
    ]);
    expect(daysLeft(w, 'TrialExpiring')).toEqual([1]);
    // The 7-day row went with the 1-day notice's event: nothing more until the expiry.
    expect((await w.service.tick()).actions).toEqual([]);
    expect(await w.due()).toEqual([['ExpireTrial/c1/s1', '2026-02-04T09:00:00.000Z']]);
    expect(await w.rebuilt()).toEqual(await w.due());
  });

  it('regression: delegation reminders due together after a pause: only the shortest is sent', async () => {
    const w = await world();
    const ref = { customerId: 'c1', partnerId: 'p1', delegationId: 'd1' };
    await w.run('OfferDelegation', { ...ref, access: 'limited', durationDays: 40 }, w.asPartner());
    await w.run('AcceptDelegation', ref, w.asCustomer());
    // Ends 2026-02-14T09:00; the scheduler comes back 5 days before the end.
    w.clock.set('2026-02-09T09:00:00.000Z');
    const tick = await w.service.tick();
    expect(tick.actions.map((a) => [a.key, a.outcome])).toEqual([
      ['MarkDelegationEnding/c1/d1/30', 'no-op'],
      ['MarkDelegationEnding/c1/d1/7', 'applied'],
    ]);
    expect(daysLeft(w, 'DelegationEnding')).toEqual([7]);
    const rest = await w.tickThrough('2026-02-20T09:00:00.000Z');
    expect(rest.map((r) => [r.key, r.outcome])).toEqual([
      ['MarkDelegationEnding/c1/d1/1', 'applied'],
      ['EndDelegation/c1/d1', 'applied'],
    ]);
    expect(daysLeft(w, 'DelegationEnding')).toEqual([7, 1]);
    expect(await w.due()).toEqual([]);
  });

  it('an auto-extending delegation: every term gets its reminders, once each, and moves on', async () => {
    const w = await world();
    const ref = { customerId: 'c1', partnerId: 'p1', delegationId: 'd1' };
    await w.run(
      'OfferDelegation',
      { ...ref, access: 'limited', durationDays: 40, autoExtend: true },
      w.asPartner(),
    );
    await w.run('AcceptDelegation', ref, w.asCustomer());
    const reports = await w.tickThrough('2026-09-01T09:00:00.000Z');
    expect(reports.every((r) => r.outcome === 'applied')).toBe(true);
    expect(daysLeft(w, 'DelegationEnding')).toEqual([30, 7, 1, 30, 7, 1]);
    expect(w.events('customer-c1', 'DelegationAutoExtended').map((e) => e.data.endsAt)).toEqual([
      { from: '2026-02-14T09:00:00.000Z', to: '2026-08-13T09:00:00.000Z' },
      { from: '2026-08-13T09:00:00.000Z', to: '2027-02-09T09:00:00.000Z' },
    ]);
    expect(await w.rebuilt()).toEqual(await w.due());
  });

  it('two instances ticking at once: every reminder, extension and expiry has one effect', async () => {
    const w = await world();
    const other = w.anotherInstance();
    const ref = { customerId: 'c1', partnerId: 'p1', delegationId: 'd1' };
    await w.run(
      'OfferDelegation',
      { ...ref, access: 'limited', durationDays: 40, autoExtend: true },
      w.asPartner(),
    );
    await w.run('AcceptDelegation', ref, w.asCustomer());
    await w.given('customer-c1', trialStarted({ startedAt: START, endsAt: '2026-02-04T09:00:00.000Z' }));
    const outcomes = new Set<string>();
    while (w.clock.now().toISOString() < '2026-09-01T09:00:00.000Z') {
      w.clock.advance({ hours: 12 });
      const ticks = await Promise.all([w.service.tick(), other.tick()]);
      ticks.flatMap((t) => t.actions).forEach((a) => outcomes.add(a.outcome));
    }
    // The second of a pair is a replay of the first (same command id), never refused or failed.
    expect([...outcomes].sort()).toEqual(['applied', 'replayed']);
    expect(daysLeft(w, 'DelegationEnding')).toEqual([30, 7, 1, 30, 7, 1]);
    expect(w.events('customer-c1', 'DelegationAutoExtended')).toHaveLength(2);
    expect(daysLeft(w, 'TrialExpiring')).toEqual([7, 1]);
    expect(w.events('customer-c1', 'TrialExpired')).toHaveLength(1);
    expect(await w.rebuilt()).toEqual(await w.due());
  });
});
