import type { JsonObject } from '@pc/event-store';
import { EventLog, InMemoryReadModel } from '@pc/projections/testing';
import { dueActionsProjection } from '../../apps/api/src/scheduler/due-actions.projection';

/** Given events → then due rows: the projection alone, in memory, with the SQL stores' semantics. */
describe('the due-actions projection', () => {
  let log: EventLog;
  let model: InMemoryReadModel;
  const given = (...events: Array<{ type: string; data: JsonObject; streamName?: string }>) =>
    model.given(...log.events(...events.map((e) => ({ metadata: { correlationId: 'corr-1' }, ...e }))));
  const due = () => model.rows('actions').map((row) => [row.key, row.command_type, row.due_at, row.payload]);

  const trial = (data: JsonObject = {}) => ({
    type: 'TrialStarted',
    streamName: 'customer-c1',
    data: {
      customerId: 'c1',
      subscriptionId: 's1',
      offerId: 'office-business-basic',
      partnerId: 'p1',
      partnerOfRecordId: null,
      seats: 25,
      startedAt: '2026-01-05T09:00:00.000Z',
      endsAt: '2026-02-04T09:00:00.000Z',
      ...data,
    },
  });
  const onTrial = (type: string, data: JsonObject = {}) => ({
    type,
    streamName: 'customer-c1',
    data: { customerId: 'c1', subscriptionId: 's1', offerId: 'office-business-basic', ...data },
  });

  beforeEach(() => {
    log = new EventLog();
    model = new InMemoryReadModel(dueActionsProjection);
  });

  it('a started trial schedules its 7- and 1-day notices and its expiry', async () => {
    await given(trial());
    expect(due()).toEqual([
      [
        'ExpireTrial/c1/s1',
        'ExpireTrial',
        '2026-02-04T09:00:00.000Z',
        { customerId: 'c1', subscriptionId: 's1' },
      ],
      [
        'MarkTrialExpiring/c1/s1/1',
        'MarkTrialExpiring',
        '2026-02-03T09:00:00.000Z',
        { customerId: 'c1', subscriptionId: 's1', daysLeft: 1 },
      ],
      [
        'MarkTrialExpiring/c1/s1/7',
        'MarkTrialExpiring',
        '2026-01-28T09:00:00.000Z',
        { customerId: 'c1', subscriptionId: 's1', daysLeft: 7 },
      ],
    ]);
    expect(model.rows('actions')[0]).toMatchObject({ partner_id: 'p1', correlation_id: 'corr-1' });
  });

  it('a trial shorter than a notice period gets no such notice', async () => {
    await given(trial({ endsAt: '2026-01-10T09:00:00.000Z' }));
    expect(due().map(([key]) => key)).toEqual(['ExpireTrial/c1/s1', 'MarkTrialExpiring/c1/s1/1']);
  });

  it('a sent notice is done, and so is any longer one', async () => {
    await given(trial(), onTrial('TrialExpiring', { daysLeft: 7, endsAt: '2026-02-04T09:00:00.000Z' }));
    expect(due().map(([key]) => key)).toEqual(['ExpireTrial/c1/s1', 'MarkTrialExpiring/c1/s1/1']);
    await given(onTrial('TrialExpiring', { daysLeft: 1, endsAt: '2026-02-04T09:00:00.000Z' }));
    expect(due().map(([key]) => key)).toEqual(['ExpireTrial/c1/s1']);
  });

  it.each(['TrialConverted', 'TrialExpired', 'SubscriptionCancelled'])(
    '%s clears the trial',
    async (type) => {
      await given(trial(), onTrial(type));
      expect(due()).toEqual([]);
    },
  );

  it('an invitation with an expiry schedules it until revoked, withdrawn or expired', async () => {
    await given(
      {
        type: 'TrialInviteCreated',
        data: { inviteId: 'i1', partnerId: 'p1', expiresAt: '2026-02-01T00:00:00.000Z' },
      },
      { type: 'TrialInviteCreated', data: { inviteId: 'i2', partnerId: 'p1', expiresAt: null } },
      {
        type: 'PurchaseOfferCreated',
        data: { purchaseOfferId: 'o1', partnerId: 'p1', expiresAt: '2026-01-25T00:00:00.000Z' },
      },
    );
    expect(due()).toEqual([
      [
        'ExpirePurchaseOffer/o1',
        'ExpirePurchaseOffer',
        '2026-01-25T00:00:00.000Z',
        { purchaseOfferId: 'o1' },
      ],
      ['ExpireTrialInvite/i1', 'ExpireTrialInvite', '2026-02-01T00:00:00.000Z', { inviteId: 'i1' }],
    ]);
    await given(
      { type: 'TrialInviteRevoked', data: { inviteId: 'i1', partnerId: 'p1' } },
      { type: 'PurchaseOfferWithdrawn', data: { purchaseOfferId: 'o1', partnerId: 'p1' } },
    );
    expect(due()).toEqual([]);
  });

  const onDelegation = (type: string, data: JsonObject = {}) => ({
    type,
    streamName: 'customer-c1',
    data: { customerId: 'c1', partnerId: 'p1', delegationId: 'd1', access: 'limited', ...data },
  });
  const offered = () =>
    onDelegation('DelegationOffered', {
      offeredAt: '2026-01-05T09:00:00.000Z',
      offerExpiresAt: '2026-04-05T09:00:00.000Z',
    });
  const accepted = () =>
    onDelegation('DelegationAccepted', {
      startsAt: '2026-01-10T09:00:00.000Z',
      endsAt: '2026-03-11T09:00:00.000Z',
    });

  it('a delegation offer schedules its expiry until it is answered', async () => {
    await given(offered());
    expect(due()).toEqual([
      [
        'ExpireDelegationOffer/c1/d1',
        'ExpireDelegationOffer',
        '2026-04-05T09:00:00.000Z',
        { customerId: 'c1', delegationId: 'd1' },
      ],
    ]);
    expect(model.rows('actions')[0]).toMatchObject({ partner_id: 'p1', correlation_id: 'corr-1' });
  });

  it.each(['DelegationDeclined', 'DelegationOfferExpired', 'DelegationRemoved'])(
    '%s clears the offer',
    async (type) => {
      await given(offered(), onDelegation(type));
      expect(due()).toEqual([]);
    },
  );

  it('an accepted delegation schedules its 30-, 7- and 1-day reminders and its end', async () => {
    await given(offered(), accepted());
    const ref = { customerId: 'c1', delegationId: 'd1' };
    expect(due()).toEqual([
      ['EndDelegation/c1/d1', 'EndDelegation', '2026-03-11T09:00:00.000Z', ref],
      [
        'MarkDelegationEnding/c1/d1/1',
        'MarkDelegationEnding',
        '2026-03-10T09:00:00.000Z',
        { ...ref, daysLeft: 1 },
      ],
      [
        'MarkDelegationEnding/c1/d1/30',
        'MarkDelegationEnding',
        '2026-02-09T09:00:00.000Z',
        { ...ref, daysLeft: 30 },
      ],
      [
        'MarkDelegationEnding/c1/d1/7',
        'MarkDelegationEnding',
        '2026-03-04T09:00:00.000Z',
        { ...ref, daysLeft: 7 },
      ],
    ]);
  });

  it('a sent reminder is done, and so is any longer one; auto-extension moves them all', async () => {
    await given(offered(), accepted(), onDelegation('DelegationEnding', { daysLeft: 7 }));
    expect(due().map(([key]) => key)).toEqual(['EndDelegation/c1/d1', 'MarkDelegationEnding/c1/d1/1']);
    await given(
      onDelegation('DelegationAutoExtended', {
        endsAt: { from: '2026-03-11T09:00:00.000Z', to: '2026-09-07T09:00:00.000Z' },
      }),
    );
    expect(due().map(([key, , dueAt]) => [key, dueAt])).toEqual([
      ['EndDelegation/c1/d1', '2026-09-07T09:00:00.000Z'],
      ['MarkDelegationEnding/c1/d1/1', '2026-09-06T09:00:00.000Z'],
      ['MarkDelegationEnding/c1/d1/30', '2026-08-08T09:00:00.000Z'],
      ['MarkDelegationEnding/c1/d1/7', '2026-08-31T09:00:00.000Z'],
    ]);
  });

  it.each(['DelegationEnded', 'DelegationRemoved'])('%s clears an accepted delegation', async (type) => {
    await given(offered(), accepted(), onDelegation(type));
    expect(due()).toEqual([]);
  });

  const redeemedWithDelegation = (partnerId = 'p1') => ({
    type: 'DelegatedAdminAcceptedAtRedemption',
    streamName: 'customer-c1',
    data: {
      customerId: 'c1',
      partnerId,
      via: { kind: 'trial-invite', id: 'i1', partnerId },
      terms: { access: 'limited', durationDays: 10, autoExtend: false },
      acceptedAt: '2026-01-05T09:00:00.000Z',
    },
  });

  it('a delegation accepted at redemption is scheduled under its redemption id; a short one gets fewer reminders', async () => {
    await given(redeemedWithDelegation());
    expect(due().map(([key, , dueAt]) => [key, dueAt])).toEqual([
      ['EndDelegation/c1/trial-invite-i1', '2026-01-15T09:00:00.000Z'],
      ['MarkDelegationEnding/c1/trial-invite-i1/1', '2026-01-14T09:00:00.000Z'],
      ['MarkDelegationEnding/c1/trial-invite-i1/7', '2026-01-08T09:00:00.000Z'],
    ]);
  });

  // Regression: the customer state supersedes the same partner's delegation in force at a redemption
  // without an event of its own, so that delegation's reminders and end stayed due for good.
  it("a redemption's delegation takes the place of the same partner's one in force: its timers go", async () => {
    await given(offered(), accepted(), redeemedWithDelegation());
    expect(due().map(([key]) => key)).toEqual([
      'EndDelegation/c1/trial-invite-i1',
      'MarkDelegationEnding/c1/trial-invite-i1/1',
      'MarkDelegationEnding/c1/trial-invite-i1/7',
    ]);
    // Another partner's redemption leaves this partner's timers alone.
    log = new EventLog();
    model = new InMemoryReadModel(dueActionsProjection);
    await given(offered(), accepted(), redeemedWithDelegation('p2'));
    expect(due().map(([key]) => key)).toContain('EndDelegation/c1/d1');
  });

  // Regression: a purchase offer accepted again while its delegation (same id) was in force kept the
  // old term's reminders the new term has no room for: here the 30-day one of the auto-extended term.
  it('a delegation granted again under the same id drops the reminders of its previous term', async () => {
    const regranted = (acceptedAt: string) => ({
      type: 'DelegatedAdminAcceptedAtRedemption',
      streamName: 'customer-c1',
      data: {
        customerId: 'c1',
        partnerId: 'p1',
        via: { kind: 'purchase-offer', id: 'po1', partnerId: 'p1' },
        terms: { access: 'limited', durationDays: 20, autoExtend: true },
        acceptedAt,
      },
    });
    await given(
      regranted('2026-01-05T09:00:00.000Z'),
      onDelegation('DelegationAutoExtended', {
        delegationId: 'purchase-offer-po1',
        endsAt: { from: '2026-01-25T09:00:00.000Z', to: '2026-07-24T09:00:00.000Z' },
      }),
    );
    expect(due().map(([key]) => key)).toContain('MarkDelegationEnding/c1/purchase-offer-po1/30');
    await given(regranted('2026-02-01T09:00:00.000Z'));
    expect(due().map(([key, , dueAt]) => [key, dueAt])).toEqual([
      ['EndDelegation/c1/purchase-offer-po1', '2026-02-21T09:00:00.000Z'],
      ['MarkDelegationEnding/c1/purchase-offer-po1/1', '2026-02-20T09:00:00.000Z'],
      ['MarkDelegationEnding/c1/purchase-offer-po1/7', '2026-02-14T09:00:00.000Z'],
    ]);
  });

  it('ignores events it does not know', async () => {
    await given({ type: 'PartnerRegistered', data: { partnerId: 'p1' } }, trial());
    expect(due()).toHaveLength(3);
  });
});
