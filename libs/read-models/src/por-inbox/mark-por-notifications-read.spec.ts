import { commandSpec } from '@pc/domain/testing/spec';
import { registry, type DomainEvent } from '@pc/domain';
import { markPorNotificationsRead } from './mark-por-notifications-read';

const given = commandSpec(registry(markPorNotificationsRead));

const partner: DomainEvent[] = [
  {
    type: 'PartnerRegistered',
    data: {
      partnerId: 'p1',
      profile: {
        legalName: 'P1',
        address: { line1: 'x', city: 'y', country: 'SK' },
        phone: '1',
        email: 'a@b.c',
      },
      verification: 'pending',
    },
  },
  {
    type: 'PartnerUserCreated',
    data: { partnerId: 'p1', userId: 'jana', email: 'jana@p1.example', displayName: 'Jana' },
  },
  {
    type: 'PartnerUserCreated',
    data: { partnerId: 'p1', userId: 'ivan', email: 'ivan@p1.example', displayName: 'Ivan' },
  },
  { type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'ivan' } },
];
const history = { 'partner-p1': partner };
const jana = { actor: { kind: 'partner-user' as const, id: 'jana', partnerId: 'p1' } };
const marked = (data: Record<string, unknown>) => ({
  'por-inbox-p1': [
    {
      type: 'PorNotificationsMarkedRead',
      data: {
        partnerId: 'p1',
        notificationIds: null,
        upToPosition: null,
        all: false,
        byUserId: 'jana',
        markedAt: '2026-01-01T00:00:00.000Z',
        ...data,
      },
    },
  ],
});

describe('MarkPorNotificationsRead', () => {
  it('records the ids an active user of the partner marked (deduplicated, sorted)', () => {
    given(history)
      .when('MarkPorNotificationsRead', { partnerId: 'p1', notificationIds: ['n2', 'n1', 'n2'] }, jana)
      .thenEmits(marked({ notificationIds: ['n1', 'n2'] }));
  });

  it('records "everything up to a position" and "all"', () => {
    given(history)
      .when('MarkPorNotificationsRead', { partnerId: 'p1', upToPosition: '00000000000000000042' }, jana)
      .thenEmits(marked({ upToPosition: '00000000000000000042' }));
    // EventStoreDB's positions: commit/prepare.
    given(history)
      .when(
        'MarkPorNotificationsRead',
        { partnerId: 'p1', upToPosition: '00000000000000000042/00000000000000000041' },
        jana,
      )
      .thenEmits(marked({ upToPosition: '00000000000000000042/00000000000000000041' }));
    given(history)
      .when('MarkPorNotificationsRead', { partnerId: 'p1', all: true }, jana)
      .thenEmits(marked({ all: true }));
  });

  it('needs exactly one way of choosing, and sane ids and positions', () => {
    const when = (payload: object) =>
      given(history).when('MarkPorNotificationsRead', { partnerId: 'p1', ...payload }, jana);
    when({}).thenRefused('invalid-mark-read');
    when({ all: true, notificationIds: ['n1'] }).thenRefused('invalid-mark-read');
    when({ notificationIds: [] }).thenRefused('invalid-notification-ids');
    when({ notificationIds: Array.from({ length: 501 }, (_, i) => `n${i}`) }).thenRefused(
      'invalid-notification-ids',
    );
    when({ upToPosition: 'x y' }).thenRefused('invalid-position');
    // Positions are fixed width, so text order is log order; "5" would sort after all of them.
    when({ upToPosition: '5' }).thenRefused('invalid-position');
    when({ upToPosition: '0000000000000000000042' }).thenRefused('invalid-position');
  });

  it('refuses deactivated users, users of other partners (as not found) and the platform', () => {
    given(history)
      .when(
        'MarkPorNotificationsRead',
        { partnerId: 'p1', all: true },
        { actor: { kind: 'partner-user', id: 'ivan', partnerId: 'p1' } },
      )
      .thenRefused('actor-inactive');
    given(history)
      .when(
        'MarkPorNotificationsRead',
        { partnerId: 'p1', all: true },
        { actor: { kind: 'partner-user', id: 'eve', partnerId: 'p2' } },
      )
      .thenRefused('partner-not-found');
    given(history)
      .when(
        'MarkPorNotificationsRead',
        { partnerId: 'p1', all: true },
        { actor: { kind: 'platform', id: 'ops' } },
      )
      .thenRefused('access-denied');
    given({})
      .when('MarkPorNotificationsRead', { partnerId: 'p1', all: true }, jana)
      .thenRefused('partner-not-found');
  });
});
