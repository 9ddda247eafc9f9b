import { customerCreated, facts, Story } from '../testing/story';
import { porInboxProjection } from './por-inbox.projection';

const via = { kind: 'purchase-offer', id: 'po-1', partnerId: 'p1' };

describe('POR inbox projection', () => {
  const story = new Story(porInboxProjection);
  const e = story.event.bind(story);
  const inbox = (partnerId: string) => story.rows('notifications').filter((r) => r.partner_id === partnerId);
  const sub = (id = 's1') => facts('alpha', id, 'p1');

  it('knows customers, their current POR and the advisor periods of partners', async () => {
    await story.given(
      e('AuthorizationGranted', {
        partnerId: 'p1',
        authorization: 'advisor',
        effectiveFrom: '2026-01-01T00:00:00.000Z',
      }),
      e('AuthorizationGranted', {
        partnerId: 'p1',
        authorization: 'delegated-admin-certified',
        effectiveFrom: '2026-01-01T00:00:00.000Z',
      }),
      e('AuthorizationGranted', {
        partnerId: 'p2',
        authorization: 'advisor',
        effectiveFrom: '2026-01-01T00:00:00.000Z',
      }),
      e('CustomerCreated', customerCreated('alpha', 'Alpha s.r.o.', 'alpha.example')),
    );
    expect(story.rows('customers')).toEqual([
      { customer_id: 'alpha', name: 'Alpha s.r.o.', por_partner_id: null },
    ]);
    expect(story.rows('advisors')).toEqual([
      { partner_id: 'p1', periods: [{ from: '2026-01-01T00:00:00.000Z', until: null }] },
      { partner_id: 'p2', periods: [{ from: '2026-01-01T00:00:00.000Z', until: null }] },
    ]);
  });

  it('tells nobody about changes of a customer without a POR', async () => {
    await story.given(
      e('TrialStarted', {
        ...facts('alpha', 's1', null),
        seats: 25,
        startedAt: 'x',
        endsAt: '2026-02-04T10:00:00.000Z',
        via,
      }),
    );
    expect(story.rows('notifications')).toEqual([]);
  });

  it('notifies the current POR of each subscription change with what changed', async () => {
    const [, converted] = await story.given(
      e('PartnerOfRecordChanged', { customerId: 'alpha', partnerId: 'p1', previousPartnerId: null, via }),
      e(
        'TrialConverted',
        {
          ...sub(),
          licenses: { from: 25, to: 40 },
          endsAt: { from: '2026-02-04T10:00:00.000Z', to: '2027-01-05T10:00:00.000Z' },
          paidFrom: 'x',
          termMonths: 12,
          via,
        },
        { at: '2026-01-10T00:00:00.000Z' },
      ),
    );
    expect(inbox('p1')).toEqual([
      {
        partner_id: 'p1',
        notification_id: converted.id,
        position: converted.position,
        kind: 'trial-converted',
        customer_id: 'alpha',
        customer_name: 'Alpha s.r.o.',
        subscription_id: 's1',
        offer_id: 'office-business-basic',
        changes: {
          licenses: { from: 25, to: 40 },
          endsAt: { from: '2026-02-04T10:00:00.000Z', to: '2027-01-05T10:00:00.000Z' },
        },
        occurred_at: '2026-01-10T00:00:00.000Z',
        is_read: false,
      },
    ]);

    await story.given(
      e('SubscriptionStarted', {
        ...sub('s2'),
        licenses: 5,
        startedAt: 'x',
        endsAt: '2027-01-11T00:00:00.000Z',
        termMonths: 12,
        via,
      }),
      e('LicenseCountChanged', { ...sub(), licenses: { from: 40, to: 50 } }),
      e('SubscriptionRenewed', { ...sub(), endsAt: { from: 'a', to: 'b' }, termMonths: 12 }),
      e('SubscriptionSuspended', {
        ...sub(),
        by: 'customer',
        reason: null,
        suspendedAt: 'x',
        status: { from: 'active', to: 'suspended' },
      }),
      e('SubscriptionReactivated', {
        ...sub(),
        reactivatedAt: 'x',
        status: { from: 'suspended', to: 'active' },
      }),
      e('SubscriptionCancelled', {
        ...sub('s2'),
        kind: 'paid',
        licenses: 5,
        cancelledAt: 'x',
        status: { from: 'active', to: 'cancelled' },
      }),
      e('TrialStarted', { ...sub('s3'), seats: 10, startedAt: 'x', endsAt: 'y', via }),
      e('TrialExpiring', { ...sub('s3'), daysLeft: 7, endsAt: 'y' }),
      e('TrialExpired', {
        ...sub('s3'),
        endsAt: 'y',
        expiredAt: 'y',
        status: { from: 'active', to: 'expired' },
      }),
    );
    expect(
      inbox('p1')
        .sort((a, b) => String(a.position).localeCompare(String(b.position)))
        .map((n) => [n.kind, n.changes]),
    ).toEqual([
      ['trial-converted', expect.anything()],
      [
        'subscription-started',
        {
          licenses: { from: null, to: 5 },
          status: { from: null, to: 'active' },
          endsAt: { from: null, to: '2027-01-11T00:00:00.000Z' },
        },
      ],
      ['licenses-changed', { licenses: { from: 40, to: 50 } }],
      ['renewed', { endsAt: { from: 'a', to: 'b' } }],
      ['suspended', { status: { from: 'active', to: 'suspended' } }],
      ['reactivated', { status: { from: 'suspended', to: 'active' } }],
      ['cancelled', { status: { from: 'active', to: 'cancelled' }, licenses: { from: 5, to: 0 } }],
      [
        'trial-started',
        {
          licenses: { from: null, to: 10 },
          status: { from: null, to: 'active' },
          endsAt: { from: null, to: 'y' },
        },
      ],
      ['trial-expiring', { daysLeft: { from: null, to: 7 }, endsAt: { from: null, to: 'y' } }],
      ['trial-expired', { status: { from: 'active', to: 'expired' } }],
    ]);
  });

  it('follows a POR change: the new POR is told, the old one no longer', async () => {
    await story.given(
      e('PartnerOfRecordChanged', { customerId: 'alpha', partnerId: 'p2', previousPartnerId: 'p1', via }),
      e('LicenseCountChanged', { ...facts('alpha', 's1', 'p2'), licenses: { from: 50, to: 55 } }),
    );
    expect(inbox('p1')).toHaveLength(10);
    expect(inbox('p2').map((n) => n.kind)).toEqual(['licenses-changed']);
  });

  it('stops notifying a POR from the business time its advisor authorization is revoked', async () => {
    await story.given(
      e('AuthorizationRevoked', {
        partnerId: 'p2',
        authorization: 'advisor',
        effectiveFrom: '2026-02-01T00:00:00.000Z',
      }),
      // Before the revocation takes effect: still told.
      e(
        'LicenseCountChanged',
        { ...facts('alpha', 's1', 'p2'), licenses: { from: 55, to: 56 } },
        { at: '2026-01-31T23:59:59.999Z' },
      ),
      // From then on: nothing.
      e(
        'LicenseCountChanged',
        { ...facts('alpha', 's1', 'p2'), licenses: { from: 56, to: 57 } },
        { at: '2026-02-01T00:00:00.000Z' },
      ),
      // Revoking another authorization changes nothing.
      e('AuthorizationRevoked', {
        partnerId: 'p1',
        authorization: 'delegated-admin-certified',
        effectiveFrom: '2026-01-01T00:00:00.000Z',
      }),
    );
    const byPosition = inbox('p2').sort((a, b) => String(a.position).localeCompare(String(b.position)));
    expect(byPosition.map((n) => n.changes)).toEqual([
      { licenses: { from: 50, to: 55 } },
      { licenses: { from: 55, to: 56 } },
    ]);
    expect(story.rows('advisors')[1]).toEqual({
      partner_id: 'p2',
      periods: [{ from: '2026-01-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z' }],
    });
  });

  it('marks read by ids (own notifications only) and everything up to a position', async () => {
    const [first] = inbox('p1');
    const [other] = inbox('p2');
    await story.given(
      e('PorNotificationsMarkedRead', {
        partnerId: 'p1',
        notificationIds: [String(first.notification_id), String(other.notification_id), 'unknown'],
        upToPosition: null,
        all: false,
        byUserId: 'jana',
        markedAt: 'x',
      }),
    );
    expect(
      inbox('p1')
        .filter((n) => n.is_read)
        .map((n) => n.notification_id),
    ).toEqual([first.notification_id]);
    expect(inbox('p2').every((n) => n.is_read === false)).toBe(true);

    const [marked] = await story.given(
      e('PorNotificationsMarkedRead', {
        partnerId: 'p2',
        notificationIds: null,
        upToPosition: null,
        all: true,
        byUserId: 'eve',
        markedAt: 'x',
      }),
    );
    expect(story.rows('read_marks')).toEqual([{ partner_id: 'p2', read_up_to: marked.position }]);
    // A lower explicit position never moves the watermark back.
    await story.given(
      e('PorNotificationsMarkedRead', {
        partnerId: 'p2',
        notificationIds: null,
        upToPosition: '0',
        all: false,
        byUserId: 'eve',
        markedAt: 'x',
      }),
      e('PorNotificationsMarkedRead', {
        partnerId: 'p1',
        notificationIds: null,
        upToPosition: String(first.position),
        all: false,
        byUserId: 'jana',
        markedAt: 'x',
      }),
    );
    expect(story.rows('read_marks')).toEqual([
      { partner_id: 'p1', read_up_to: first.position },
      { partner_id: 'p2', read_up_to: marked.position },
    ]);
  });

  // Regression: a mark's position was compared as text and kept as given, so one past the head (or
  // "5", which sorts after every real position) marked every later notification read for good.
  it('never lets a read mark reach past the mark itself: later notifications stay unread', async () => {
    const [mark] = await story.given(
      e('PorNotificationsMarkedRead', {
        partnerId: 'p1',
        notificationIds: null,
        upToPosition: '99999999999999999999',
        all: false,
        byUserId: 'jana',
        markedAt: 'x',
      }),
    );
    const watermark = () => story.rows('read_marks').find((r) => r.partner_id === 'p1')?.read_up_to;
    expect(watermark()).toBe(mark.position);
    const [, , later] = await story.given(
      e('CustomerCreated', customerCreated('beta', 'Beta s.r.o.', 'beta.example')),
      e('PartnerOfRecordChanged', { customerId: 'beta', partnerId: 'p1', previousPartnerId: null, via }),
      e('LicenseCountChanged', { ...facts('beta', 's9', 'p1'), licenses: { from: 5, to: 6 } }),
    );
    const notification = inbox('p1').find((n) => n.position === later.position);
    expect(notification).toMatchObject({ is_read: false });
    expect(String(notification?.position) > String(watermark())).toBe(true);
  });

  it('notifies a POR again once its advisor authorization is granted again, not in between', async () => {
    const advisor = (type: string, effectiveFrom: string) =>
      e(type, { partnerId: 'p4', authorization: 'advisor', effectiveFrom });
    const changed = (from: number, to: number, at: string) =>
      e('LicenseCountChanged', { ...facts('gamma', 's1', 'p4'), licenses: { from, to } }, { at });
    await story.given(
      advisor('AuthorizationGranted', '2026-01-01T00:00:00.000Z'),
      e('CustomerCreated', customerCreated('gamma', 'Gamma s.r.o.', 'gamma.example')),
      e('PartnerOfRecordChanged', { customerId: 'gamma', partnerId: 'p4', previousPartnerId: null, via }),
      advisor('AuthorizationRevoked', '2026-02-01T00:00:00.000Z'),
      // Between the revocation and the new grant: nothing.
      changed(5, 6, '2026-02-15T00:00:00.000Z'),
      advisor('AuthorizationGranted', '2026-03-01T00:00:00.000Z'),
    );
    expect(inbox('p4')).toEqual([]);
    const [resumed] = await story.given(changed(6, 7, '2026-03-10T00:00:00.000Z'));
    expect(inbox('p4').map((n) => [n.notification_id, n.changes])).toEqual([
      [resumed.id, { licenses: { from: 6, to: 7 } }],
    ]);
    expect(story.rows('advisors').find((r) => r.partner_id === 'p4')).toEqual({
      partner_id: 'p4',
      periods: [
        { from: '2026-01-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z' },
        { from: '2026-03-01T00:00:00.000Z', until: null },
      ],
    });
  });

  // Review finding: the advisor periods ignored a second revocation (or grant) on the same period,
  // which the domain now writes to move a scheduled end (or a scheduled start) earlier.
  it('stops notifying from a revocation that moved a scheduled end earlier', async () => {
    const advisor = (type: string, effectiveFrom: string) =>
      e(type, { partnerId: 'p5', authorization: 'advisor', effectiveFrom });
    const changed = (from: number, to: number, at: string) =>
      e('LicenseCountChanged', { ...facts('delta', 's1', 'p5'), licenses: { from, to } }, { at });
    await story.given(
      advisor('AuthorizationGranted', '2025-01-01T00:00:00.000Z'),
      advisor('AuthorizationRevoked', '2026-06-01T00:00:00.000Z'),
      e('CustomerCreated', customerCreated('delta', 'Delta s.r.o.', 'delta.example')),
      e('PartnerOfRecordChanged', { customerId: 'delta', partnerId: 'p5', previousPartnerId: null, via }),
      advisor('AuthorizationRevoked', '2026-01-01T00:00:00.000Z'),
      changed(1, 2, '2026-03-01T00:00:00.000Z'),
      // A revocation after the (new) end changes nothing, as in the domain.
      advisor('AuthorizationRevoked', '2026-09-01T00:00:00.000Z'),
    );
    expect(inbox('p5')).toEqual([]);
    expect(story.rows('advisors').find((r) => r.partner_id === 'p5')).toEqual({
      partner_id: 'p5',
      periods: [{ from: '2025-01-01T00:00:00.000Z', until: '2026-01-01T00:00:00.000Z' }],
    });
  });

  it('notifies from a grant that moved a scheduled start earlier', async () => {
    const advisor = (type: string, effectiveFrom: string) =>
      e(type, { partnerId: 'p6', authorization: 'advisor', effectiveFrom });
    await story.given(
      advisor('AuthorizationGranted', '2026-06-01T00:00:00.000Z'),
      e('CustomerCreated', customerCreated('epsilon', 'Epsilon s.r.o.', 'epsilon.example')),
      e('PartnerOfRecordChanged', { customerId: 'epsilon', partnerId: 'p6', previousPartnerId: null, via }),
      advisor('AuthorizationGranted', '2026-01-01T00:00:00.000Z'),
    );
    const [told] = await story.given(
      e(
        'LicenseCountChanged',
        { ...facts('epsilon', 's1', 'p6'), licenses: { from: 1, to: 2 } },
        { at: '2026-03-01T00:00:00.000Z' },
      ),
    );
    expect(inbox('p6').map((n) => n.notification_id)).toEqual([told.id]);
    expect(story.rows('advisors').find((r) => r.partner_id === 'p6')).toEqual({
      partner_id: 'p6',
      periods: [{ from: '2026-01-01T00:00:00.000Z', until: null }],
    });
  });

  it("notifies the event's own POR about a customer it never saw created, named by its id", async () => {
    const [changed] = await story.given(
      e(
        'LicenseCountChanged',
        { ...facts('ghost', 's7', 'p1'), licenses: { from: 3, to: 4 } },
        { at: '2026-01-20T00:00:00.000Z' },
      ),
      // Without a POR in the event either: nobody.
      e('LicenseCountChanged', { ...facts('ghost', 's8', null), licenses: { from: 1, to: 2 } }),
    );
    expect(story.rows('notifications').filter((n) => n.customer_id === 'ghost')).toEqual([
      {
        partner_id: 'p1',
        notification_id: changed.id,
        position: changed.position,
        kind: 'licenses-changed',
        customer_id: 'ghost',
        customer_name: 'ghost',
        subscription_id: 's7',
        offer_id: 'office-business-basic',
        changes: { licenses: { from: 3, to: 4 } },
        occurred_at: '2026-01-20T00:00:00.000Z',
        is_read: false,
      },
    ]);
    // The helper is not filled in from a subscription event.
    expect(story.rows('customers').some((c) => c.customer_id === 'ghost')).toBe(false);
  });

  it('covered every event type it handles', () => {
    expect(story.untold()).toEqual([]);
  });
});
