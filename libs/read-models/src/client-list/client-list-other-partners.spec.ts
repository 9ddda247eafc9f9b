import type { Change } from '@pc/projections';
import { customerCreated, Story } from '../testing/story';
import { clientListProjection } from './client-list.projection';

const invite = { kind: 'trial-invite', id: 'inv-1', partnerId: 'p1' };

/**
 * One partner's client row is that partner's view of the customer: its name and domain, the
 * customer's subscriptions, and THIS partner's relationship. Another partner starting a relationship
 * with the same customer (an advisor added through its invitation, a delegation offered) is none of
 * it: it used to move the row's last change (and with it the "last change" sort) and rewrite the row,
 * which announced the other partner's activity on this partner's update stream.
 */
describe("client list: another partner's relationship is not a change of this partner's client", () => {
  const story = new Story(clientListProjection);
  const e = story.event.bind(story);
  const client = (partnerId: string) => story.rows('clients').find((r) => r.partner_id === partnerId);
  /** Partners whose client rows, trial rows or totals a batch wrote. */
  const touched = (changes: Change[]) =>
    [
      ...new Set(
        changes
          .filter((c) => ['clients', 'trials', 'totals'].includes(c.table) && 'key' in c)
          .map((c) => String((c as { key: Record<string, unknown> }).key.partner_id)),
      ),
    ].sort();

  it('keeps p1’s row as it was when p2 becomes an advisor or offers a delegation', async () => {
    await story.given(
      e('CustomerCreated', customerCreated('alpha', 'Alpha s.r.o.', 'alpha.example'), {
        at: '2026-01-05T10:00:00.000Z',
      }),
      e(
        'CustomerAdvisorAdded',
        { customerId: 'alpha', partnerId: 'p1', via: invite },
        { at: '2026-01-05T10:00:00.000Z' },
      ),
    );
    const before = client('p1');
    expect(before).toMatchObject({ advisor: true, last_change: '2026-01-05T10:00:00.000Z' });

    const advisor = await story.model.given(
      e(
        'CustomerAdvisorAdded',
        {
          customerId: 'alpha',
          partnerId: 'p2',
          via: { kind: 'purchase-offer', id: 'po-2', partnerId: 'p2' },
        },
        { at: '2026-01-06T10:00:00.000Z' },
      ),
    );
    expect(touched(advisor)).toEqual(['p2']);
    expect(client('p1')).toEqual(before);
    expect(client('p2')).toMatchObject({ advisor: true, last_change: '2026-01-06T10:00:00.000Z' });

    const offered = await story.model.given(
      e(
        'DelegationOffered',
        {
          customerId: 'alpha',
          partnerId: 'p3',
          delegationId: 'd3',
          access: 'full',
          durationDays: 30,
          autoExtend: false,
          offeredAt: '2026-01-07T10:00:00.000Z',
          offerExpiresAt: '2026-04-07T10:00:00.000Z',
          offeredBy: 'u',
          via: { kind: 'direct', id: null },
          startsAt: null,
          endsAt: null,
        },
        { at: '2026-01-07T10:00:00.000Z' },
      ),
    );
    expect(touched(offered)).toEqual(['p3']);
    expect(client('p1')).toEqual(before);
    expect(client('p2')?.last_change).toBe('2026-01-06T10:00:00.000Z');
    expect(client('p3')).toMatchObject({
      delegation_state: 'offered',
      last_change: '2026-01-07T10:00:00.000Z',
    });
    // The customer still knows every related partner: its own changes reach all their rows.
    expect(story.rows('customers')[0]?.partner_ids).toEqual(['p1', 'p2', 'p3']);

    const started = await story.model.given(
      e(
        'TrialStarted',
        {
          customerId: 'alpha',
          subscriptionId: 's1',
          offerId: 'office-business-basic',
          partnerId: 'p1',
          partnerOfRecordId: null,
          seats: 5,
          startedAt: '2026-01-08T10:00:00.000Z',
          endsAt: '2026-02-07T10:00:00.000Z',
          via: invite,
        },
        { at: '2026-01-08T10:00:00.000Z' },
      ),
    );
    expect(touched(started)).toEqual(['p1', 'p2', 'p3']);
    for (const partnerId of ['p1', 'p2', 'p3']) {
      expect(client(partnerId)).toMatchObject({ trial_count: 1, last_change: '2026-01-08T10:00:00.000Z' });
    }
  });
});
