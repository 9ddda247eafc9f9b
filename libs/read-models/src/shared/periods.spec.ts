import {
  decideWithHistory,
  DomainError,
  type DomainEvent,
  domainCommands,
  fold,
  holdsAuthorization,
  partnerEvolver,
  type PartnerState,
} from '@pc/domain';
import { grant, holdsAt, type Period, revoke } from './periods';

/**
 * The read models keep authorization periods by the same rule as the domain's evolve: for every
 * history the domain can write (every sequence of grants and revocations on a few dates, refusals
 * and no-ops dropped), the periods and who holds what when are the same.
 */
describe('authorization periods in read models', () => {
  const platform = { kind: 'platform', id: 'ops' } as const;
  const dates = ['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01'];
  const instant = (date: string) => `${date}T00:00:00.000Z`;
  const probes = dates.flatMap((d) => [instant(d), `${d}T12:00:00.000Z`]);
  const steps = dates.flatMap((date) => [
    { type: 'GrantAuthorization', date },
    { type: 'RevokeAuthorization', date },
  ]);
  const registered: DomainEvent[] = [
    {
      type: 'PartnerRegistered',
      data: {
        partnerId: 'p1',
        profile: {
          legalName: 'Contoso s.r.o.',
          address: { line1: 'Hlavná 1', city: 'Bratislava', country: 'SK' },
          phone: '+421 2 1234 5678',
          email: 'office@contoso.example',
        },
        verification: 'pending',
      },
    },
  ];

  /** What the domain writes for this sequence of commands, each decided on what came before. */
  function written(sequence: typeof steps): DomainEvent[] {
    const history = [...registered];
    for (const step of sequence) {
      const definition = domainCommands.get(step.type)!;
      const payload = { partnerId: 'p1', authorization: 'advisor', effectiveFrom: step.date };
      const ctx = { actor: platform, now: instant('2026-01-15'), newId: (n: string) => n };
      try {
        const { result } = decideWithHistory(definition, payload, ctx, () => history);
        history.push(...(result.events.partner ?? []));
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
      }
    }
    return history.slice(registered.length);
  }

  function sequences(length: number): (typeof steps)[] {
    if (length === 0) return [[]];
    return sequences(length - 1).flatMap((s) => steps.map((step) => [...s, step]));
  }

  it('follow the domain for every history of up to four grants and revocations', () => {
    const disagreements: object[] = [];
    let moved = 0;
    for (const sequence of [1, 2, 3, 4].flatMap(sequences)) {
      const events = written(sequence);
      const state: PartnerState = fold(partnerEvolver, [...registered, ...events] as never);
      let periods: Period[] = [];
      for (const e of events) {
        const from = (e.data as { effectiveFrom: string }).effectiveFrom;
        periods = e.type === 'AuthorizationGranted' ? grant(periods, from) : revoke(periods, from);
      }
      const domain = (state.authorizations.advisor ?? []).map((p) => ({
        from: p.from,
        until: p.until ?? null,
      }));
      const holds = probes.filter((at) => holdsAt(periods, at));
      const domainHolds = probes.filter((at) => holdsAuthorization(state, 'advisor', at));
      if (JSON.stringify([periods, holds]) !== JSON.stringify([domain, domainHolds]))
        disagreements.push({ sequence, periods, domain });
      // Two grants or two revocations on one period: a scheduled start or end moved earlier.
      if (events.length > 2 * periods.length) moved++;
    }
    expect(disagreements).toEqual([]);
    expect(moved).toBeGreaterThan(0);
  });
});
