import { Logger } from '@nestjs/common';
import { addDays, customerEvolver, type CustomerEvent, DELEGATION_NOTICES, TRIAL_NOTICES } from '@pc/domain';
import {
  authorizedPartner,
  customerCreated,
  inviteCode,
  purchaseOfferCreated,
  trialStarted,
  trialInviteCreated,
} from '@pc/domain/testing/fixtures';
import { InMemoryWorld } from './support/in-memory-world';

function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** What the folded state says is due (the deciders' rules for each timer). */
function expected(w: InMemoryWorld): Array<[string, string]> {
  let state = customerEvolver.initialState;
  for (const e of w.store.log.filter((e) => e.streamName === 'customer-c1'))
    state = customerEvolver.evolve(state, { type: e.type, data: e.data } as CustomerEvent);
  const rows: Array<[string, string]> = [];
  for (const s of Object.values(state.subscriptions)) {
    if (s.kind !== 'trial' || s.status === 'expired' || s.status === 'cancelled') continue;
    rows.push([`ExpireTrial/c1/${s.id}`, s.endsAt]);
    for (const n of TRIAL_NOTICES) {
      const at = addDays(s.endsAt, -n);
      if (s.notices.includes(n) || s.notices.some((x) => x < n) || at < s.startedAt) continue;
      rows.push([`MarkTrialExpiring/c1/${s.id}/${n}`, at]);
    }
  }
  for (const d of Object.values(state.delegations)) {
    if (d.status === 'pending') rows.push([`ExpireDelegationOffer/c1/${d.id}`, d.offerExpiresAt as string]);
    if (d.status !== 'active') continue;
    rows.push([`EndDelegation/c1/${d.id}`, d.endsAt as string]);
    for (const n of DELEGATION_NOTICES) {
      const at = addDays(d.endsAt as string, -n);
      if (d.notices.includes(n) || d.notices.some((x) => x < n) || at < (d.startsAt as string)) continue;
      rows.push([`MarkDelegationEnding/c1/${d.id}/${n}`, at]);
    }
  }
  for (const e of w.store.log.filter((x) => x.type === 'TrialInviteCreated' && x.data.expiresAt)) {
    const id = String(e.data.inviteId);
    const over = w.store.log.some(
      (x) => (x.type === 'TrialInviteExpired' || x.type === 'TrialInviteRevoked') && x.data.inviteId === id,
    );
    if (!over) rows.push([`ExpireTrialInvite/${id}`, String(e.data.expiresAt)]);
  }
  return rows.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/**
 * Random histories of one customer (delegations offered, accepted, declined, removed, toggled;
 * purchase offers and trial invites taken up with delegated admin, again after a cancellation;
 * trials started, converted, suspended, cancelled) with the scheduler ticking in between. After
 * every step the live due list must equal a rebuild from the log and what the customer's own state
 * says is due, and no issued action may be refused or fail.
 */
describe('the due list agrees with the domain over random histories', () => {
  beforeAll(() => Logger.overrideLogger(false));
  for (let seed = 1; seed <= 100; seed++) {
    it(`seed ${seed}`, async () => {
      const r = rng(seed);
      const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
      const w = new InMemoryWorld('2026-01-05T09:00:00.000Z');
      await w.given('partner-p1', ...authorizedPartner(['advisor', 'delegated-admin-certified']));
      await w.given(
        'partner-p2',
        ...authorizedPartner(['advisor', 'delegated-admin-certified'], 'p2', 'admin2'),
      );
      await w.given('customer-c1', ...customerCreated());
      await w.given(
        'purchase-offer-po1',
        purchaseOfferCreated({ delegatedAdmin: { access: 'limited', durationDays: 20, autoExtend: true } }),
      );
      await w.given(
        'purchase-offer-po2',
        purchaseOfferCreated({
          purchaseOfferId: 'po2',
          code: inviteCode('c'),
          lines: [{ offerId: 'office-business-premium', licenses: 3 }],
          delegatedAdmin: { access: 'full', durationDays: 45, autoExtend: false },
        }),
      );
      await w.given(
        'trial-invite-i1',
        trialInviteCreated({
          inviteId: 'i1',
          code: inviteCode('d'),
          offerId: 'office-business-premium',
          delegatedAdmin: { access: 'limited', durationDays: 8, autoExtend: true },
        }),
      );
      await w.given(
        'trial-invite-i2',
        trialInviteCreated({
          inviteId: 'i2',
          partnerId: 'p2',
          code: inviteCode('e'),
          offerId: 'project-plan-3',
          delegatedAdmin: { access: 'full', durationDays: 31, autoExtend: false },
        }),
      );
      await w.given(
        'trial-invite-i3',
        trialInviteCreated({
          inviteId: 'i3',
          code: inviteCode('f'),
          offerId: 'office-business-basic',
          delegatedAdmin: { access: 'limited', durationDays: 60, autoExtend: false },
          expiresAt: '2026-02-01T00:00:00.000Z',
        }),
      );
      const log: string[] = [];
      let n = 0;
      let trials = 0;
      for (let step = 0; step < 60; step++) {
        const did = pick([
          'offer',
          'offer',
          'accept',
          'accept',
          'decline',
          'remove',
          'autoext',
          'po1',
          'po2',
          'trial',
          'convert',
          'cancel',
          'tick',
          'tick',
          'tick',
          'tick',
        ]);
        const partner = pick(['p1', 'p2']);
        const admin = partner === 'p1' ? 'admin' : 'admin2';
        const dIds = Object.keys(expectedIds(w));
        try {
          if (did === 'offer')
            await w.run(
              'OfferDelegation',
              {
                customerId: 'c1',
                partnerId: partner,
                delegationId: `d${++n}`,
                access: 'limited',
                durationDays: pick([3, 10, 35, 60]),
                autoExtend: r() < 0.5,
              },
              w.asPartner(admin, partner),
            );
          if (did === 'accept' && dIds.length) {
            const id = pick(dIds);
            await w.run(
              'AcceptDelegation',
              { customerId: 'c1', partnerId: expectedIds(w)[id], delegationId: id },
              w.asCustomer(),
            );
          }
          if (did === 'decline' && dIds.length)
            await w.run('DeclineDelegation', { customerId: 'c1', delegationId: pick(dIds) }, w.asCustomer());
          if (did === 'remove' && dIds.length)
            await w.run('RemoveDelegation', { customerId: 'c1', delegationId: pick(dIds) }, w.asCustomer());
          if (did === 'autoext' && dIds.length)
            await w.run(
              'SetDelegationAutoExtend',
              { customerId: 'c1', delegationId: pick(dIds), autoExtend: r() < 0.5 },
              w.asCustomer(),
            );
          if (did === 'po1' || did === 'po2')
            await w.run(
              'AcceptPurchaseOffer',
              {
                purchaseOfferId: did,
                partnerId: 'p1',
                code: inviteCode(did === 'po1' ? 'b' : 'c'),
                customerId: 'c1',
                acceptDelegatedAdmin: true,
              },
              w.asCustomer(),
            );
          if (did === 'i1' || did === 'i2' || did === 'i3')
            await w.run(
              'RedeemTrialInvite',
              {
                inviteId: did,
                partnerId: did === 'i2' ? 'p2' : 'p1',
                code: inviteCode({ i1: 'd', i2: 'e', i3: 'f' }[did]),
                customerId: 'c1',
                acceptDelegatedAdmin: r() < 0.8,
              },
              w.asCustomer(),
            );
          if (did === 'suspend' || did === 'reactivate') {
            const subs = w.store.log
              .filter((e) => e.type === 'SubscriptionStarted' || e.type === 'TrialStarted')
              .map((e) => String(e.data.subscriptionId));
            if (subs.length)
              await w.run(
                did === 'suspend' ? 'SuspendSubscription' : 'ReactivateSubscription',
                { customerId: 'c1', subscriptionId: pick(subs) },
                w.asCustomer(),
              );
          }
          if (did === 'trial') {
            const now = w.clock.now().toISOString();
            trials++;
            await w.given(
              'customer-c1',
              trialStarted({
                subscriptionId: `t${trials}`,
                offerId: pick(['office-business-basic', 'project-plan-3']),
                startedAt: now,
                endsAt: addDays(now, pick([3, 8, 30])),
              }),
            );
          }
          if (did === 'convert' && trials)
            await w.run(
              'ConvertTrial',
              { customerId: 'c1', subscriptionId: `t${pick([...Array(trials).keys()]) + 1}`, licenses: 5 },
              w.asCustomer(),
            );
          if (did === 'cancel') {
            const subs = w.store.log
              .filter((e) => e.type === 'SubscriptionStarted' || e.type === 'TrialStarted')
              .map((e) => String(e.data.subscriptionId));
            if (subs.length)
              await w.run(
                'CancelSubscription',
                { customerId: 'c1', subscriptionId: pick(subs) },
                w.asCustomer(),
              );
          }
          log.push(`${w.clock.now().toISOString()} ${did} ok`);
        } catch (e) {
          log.push(`${w.clock.now().toISOString()} ${did} refused ${(e as { code?: string }).code}`);
        }
        if (did === 'tick') {
          const hours = pick([6, 24, 24 * 5, 24 * 20]);
          const until = new Date(w.clock.now().getTime() + hours * 3_600_000).toISOString();
          const reports = await w.tickThrough(until, pick([6, 24]));
          for (const rep of reports) {
            log.push(`  ${rep.at} ${rep.key} ${rep.outcome} ${rep.reason ?? ''}`);
          }
          const bad = reports.filter((x) => x.outcome === 'refused' || x.outcome === 'failed');
          if (bad.length) throw new Error(`refused/failed:\n${log.join('\n')}`);
        }
        const due = await w.due();
        const rebuilt = await w.rebuilt();
        const exp = expected(w);
        if (JSON.stringify(due) !== JSON.stringify(rebuilt) || JSON.stringify(due) !== JSON.stringify(exp)) {
          throw new Error(
            `mismatch after ${did}\nlive ${JSON.stringify(due)}\nrebuilt ${JSON.stringify(rebuilt)}\nexpected ${JSON.stringify(exp)}\n${log.join('\n')}`,
          );
        }
      }
    });
  }
});

function expectedIds(w: InMemoryWorld): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const e of w.store.log)
    if (e.type === 'DelegationOffered') ids[String(e.data.delegationId)] = String(e.data.partnerId);
  return ids;
}
