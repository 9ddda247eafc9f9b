import { matchesAuditFilter, storeFilterFor } from './event-filter';
import { recorded } from './testing/fixtures';

describe('matchesAuditFilter', () => {
  const registered = recorded({
    type: 'PartnerRegistered',
    streamName: 'partner-contoso',
    data: { partnerId: 'contoso' },
    metadata: { actor: { kind: 'platform', id: 'ops' }, occurredAt: '2026-01-05T09:00:00.000Z' },
  });
  const customerSignUp = recorded({
    type: 'CustomerSignedUp',
    streamName: 'customer-c1',
    data: { customerId: 'c1', partnerId: 'contoso' },
    metadata: {
      actor: { kind: 'customer-user', id: 'cu1', customerId: 'c1' },
      occurredAt: '2026-02-01T00:00:00Z',
    },
  });
  const actedByPartnerUser = recorded({
    type: 'TrialInviteCreated',
    streamName: 'trial-invite-t1',
    data: { inviteId: 't1' },
    metadata: {
      actor: { kind: 'partner-user', id: 'jana', partnerId: 'contoso' },
      occurredAt: '2026-03-01T00:00:00Z',
    },
  });
  const other = recorded({
    type: 'PartnerRegistered',
    streamName: 'partner-contoso-east',
    data: { partnerId: 'contoso-east' },
    metadata: { actor: { kind: 'platform', id: 'ops' }, occurredAt: '2026-01-05T09:00:00.000Z' },
  });

  it('an empty filter keeps everything', () => {
    for (const event of [registered, customerSignUp, actedByPartnerUser, other]) {
      expect(matchesAuditFilter(event, {})).toBe(true);
    }
  });

  it('partner: its own stream, data.partnerId, or an actor of the partner — not a longer partner id', () => {
    const keep = (e: typeof registered) => matchesAuditFilter(e, { partnerId: 'contoso' });
    expect(keep(registered)).toBe(true);
    expect(keep(customerSignUp)).toBe(true);
    expect(keep(actedByPartnerUser)).toBe(true);
    expect(keep(other)).toBe(false);
    expect(keep(recorded({ streamName: 'partner-contoso', data: {} }))).toBe(true);
  });

  it('customer: its stream, data.customerId or a customer actor', () => {
    expect(matchesAuditFilter(customerSignUp, { customerId: 'c1' })).toBe(true);
    expect(matchesAuditFilter(recorded({ streamName: 'customer-c1' }), { customerId: 'c1' })).toBe(true);
    expect(
      matchesAuditFilter(recorded({ metadata: { actor: { id: 'x', customerId: 'c1' } } }), {
        customerId: 'c1',
      }),
    ).toBe(true);
    expect(matchesAuditFilter(registered, { customerId: 'c1' })).toBe(false);
  });

  it('event type is exact (the store prefix is only a hint)', () => {
    expect(matchesAuditFilter(registered, { eventType: 'PartnerRegistered' })).toBe(true);
    expect(matchesAuditFilter(registered, { eventType: 'Partner' })).toBe(false);
    expect(storeFilterFor({ eventType: 'PartnerRegistered' })).toEqual({
      eventTypePrefixes: ['PartnerRegistered'],
    });
    expect(storeFilterFor({ partnerId: 'contoso' })).toBeUndefined();
  });

  it('actor id', () => {
    expect(matchesAuditFilter(actedByPartnerUser, { actorId: 'jana' })).toBe(true);
    expect(matchesAuditFilter(registered, { actorId: 'jana' })).toBe(false);
  });

  it('time range: from inclusive, to exclusive, compared as instants', () => {
    expect(matchesAuditFilter(registered, { from: '2026-01-05T09:00:00Z' })).toBe(true);
    expect(matchesAuditFilter(registered, { to: '2026-01-05T09:00:00Z' })).toBe(false);
    expect(matchesAuditFilter(registered, { from: '2026-01-05', to: '2026-01-06' })).toBe(true);
    expect(matchesAuditFilter(customerSignUp, { from: '2026-01-05', to: '2026-01-06' })).toBe(false);
    expect(matchesAuditFilter(recorded({ metadata: {} }), { from: '2000-01-01' })).toBe(false);
  });

  it('members combine with AND', () => {
    expect(
      matchesAuditFilter(customerSignUp, { partnerId: 'contoso', customerId: 'c1', actorId: 'cu1' }),
    ).toBe(true);
    expect(matchesAuditFilter(customerSignUp, { partnerId: 'contoso', eventType: 'PartnerRegistered' })).toBe(
      false,
    );
  });
});
