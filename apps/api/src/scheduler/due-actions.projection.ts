import type { JsonObject, RecordedEvent } from '@pc/event-store';
import { DELEGATION_NOTICES, TRIAL_NOTICES, addDays, delegationIdAtRedemption } from '@pc/domain';
import { type ApplyFn, type Change, defineProjection, type ReadView, remove, upsert } from '@pc/projections';

/**
 * The scheduler's durable due list: one row per time-driven command still to issue, kept by the
 * events themselves. A trial that starts schedules its two notices and its expiry; converting,
 * cancelling or expiring it clears them; an invitation with an expiry schedules it until revoked,
 * withdrawn or expired; a delegation offer schedules its expiry until answered or withdrawn; an
 * accepted delegation schedules its 30-, 7- and 1-day reminders and its end, moved when it
 * auto-extends and cleared when it ends or is removed. Being a projection, it survives restarts, and
 * rebuilding it from the log gives the same rows.
 */
export const DUE_ACTIONS_PROJECTION = 'scheduler_due';
export const DUE_ACTIONS_TABLE = 'actions';

/** Keys name the action, never the time: a re-scheduled action replaces its row. */
export const dueKeys = {
  trialExpiry: (customerId: string, subscriptionId: string) => `ExpireTrial/${customerId}/${subscriptionId}`,
  trialNotice: (customerId: string, subscriptionId: string, daysLeft: number) =>
    `MarkTrialExpiring/${customerId}/${subscriptionId}/${daysLeft}`,
  inviteExpiry: (inviteId: string) => `ExpireTrialInvite/${inviteId}`,
  offerExpiry: (purchaseOfferId: string) => `ExpirePurchaseOffer/${purchaseOfferId}`,
  delegationOfferExpiry: (customerId: string, delegationId: string) =>
    `ExpireDelegationOffer/${customerId}/${delegationId}`,
  delegationNotice: (customerId: string, delegationId: string, daysLeft: number) =>
    `MarkDelegationEnding/${customerId}/${delegationId}/${daysLeft}`,
  delegationEnd: (customerId: string, delegationId: string) => `EndDelegation/${customerId}/${delegationId}`,
};

const text = (data: JsonObject, field: string): string => {
  const value = data[field];
  if (typeof value !== 'string') throw new Error(`field '${field}' is not a string`);
  return value;
};
const optionalText = (data: JsonObject, field: string): string | null => {
  const value = data[field];
  return typeof value === 'string' ? value : null;
};

/** A row to schedule `commandType` with `payload` at `dueAt`, remembering the event that caused it. */
function schedule(
  event: RecordedEvent,
  key: string,
  commandType: string,
  payload: JsonObject,
  dueAt: string,
): Change {
  return upsert(
    DUE_ACTIONS_TABLE,
    { key },
    {
      command_type: commandType,
      payload,
      due_at: dueAt,
      partner_id: optionalText(event.data, 'partnerId'),
      caused_by: event.id,
      correlation_id: optionalText(event.metadata, 'correlationId'),
    },
  );
}

/** Every action of a trial, cleared when the trial is over one way or another. */
function clearTrial(event: RecordedEvent): Change[] {
  const customerId = text(event.data, 'customerId');
  const subscriptionId = text(event.data, 'subscriptionId');
  return [
    remove(DUE_ACTIONS_TABLE, { key: dueKeys.trialExpiry(customerId, subscriptionId) }),
    ...TRIAL_NOTICES.map((days) =>
      remove(DUE_ACTIONS_TABLE, { key: dueKeys.trialNotice(customerId, subscriptionId, days) }),
    ),
  ];
}

/** The offer's expiry, once the offer is answered, withdrawn or expired. */
function clearDelegationOffer(event: RecordedEvent): Change[] {
  const key = dueKeys.delegationOfferExpiry(text(event.data, 'customerId'), text(event.data, 'delegationId'));
  return [remove(DUE_ACTIONS_TABLE, { key })];
}

/**
 * The reminders and the end of a delegation in force until `endsAt` (at acceptance, and again for the
 * new end when it auto-extends: same keys, so the rows move). A reminder that would fall before the
 * delegation started (a term shorter than the notice) is never sent.
 */
function scheduleDelegationEnd(
  event: RecordedEvent,
  delegationId: string,
  startsAt: string,
  endsAt: string,
): Change[] {
  const customerId = text(event.data, 'customerId');
  const ref = { customerId, delegationId };
  return [
    ...DELEGATION_NOTICES.map((daysLeft) => ({ daysLeft, dueAt: addDays(endsAt, -daysLeft) }))
      .filter(({ dueAt }) => dueAt >= startsAt)
      .map(({ daysLeft, dueAt }) =>
        schedule(
          event,
          dueKeys.delegationNotice(customerId, delegationId, daysLeft),
          'MarkDelegationEnding',
          { ...ref, daysLeft },
          dueAt,
        ),
      ),
    schedule(event, dueKeys.delegationEnd(customerId, delegationId), 'EndDelegation', ref, endsAt),
  ];
}

/** The reminders and end of a delegation in force. */
function clearTimers(customerId: string, delegationId: string): Change[] {
  return [
    remove(DUE_ACTIONS_TABLE, { key: dueKeys.delegationEnd(customerId, delegationId) }),
    ...DELEGATION_NOTICES.map((days) =>
      remove(DUE_ACTIONS_TABLE, { key: dueKeys.delegationNotice(customerId, delegationId, days) }),
    ),
  ];
}

/** Every action of a delegation (its offer's expiry included), once it is over one way or another. */
async function clearDelegation(event: RecordedEvent, view: ReadView): Promise<Change[]> {
  const customerId = text(event.data, 'customerId');
  const delegationId = text(event.data, 'delegationId');
  const key = inForceKey(event);
  const current = await view.get(IN_FORCE_TABLE, key);
  return [
    ...clearDelegationOffer(event),
    ...clearTimers(customerId, delegationId),
    ...(current?.delegation_id === delegationId ? [remove(IN_FORCE_TABLE, key)] : []),
  ];
}

const redemptionOf = (event: RecordedEvent) =>
  event.data.via as { kind: 'trial-invite' | 'purchase-offer'; id: string; partnerId: string };

/** Which delegation of a partner is in force at a customer: a redemption may supersede it. */
const IN_FORCE_TABLE = 'in_force';
const inForceKey = (event: RecordedEvent) => ({
  customer_id: text(event.data, 'customerId'),
  partner_id: text(event.data, 'partnerId'),
});

/**
 * A delegation comes into force, replacing the same partner's one in force: AcceptDelegation ends
 * that one with an event (DelegationEnded), but a redemption supersedes it in the customer state
 * without one, so its reminders and end are cleared here, or they would stay due for good.
 */
const inForce =
  (
    delegationIdOf: (event: RecordedEvent) => string,
    timers: (event: RecordedEvent, delegationId: string) => Change[],
  ): ApplyFn =>
  async (event, view) => {
    const key = inForceKey(event);
    const delegationId = delegationIdOf(event);
    const previous = (await view.get(IN_FORCE_TABLE, key))?.delegation_id;
    return [
      // The same id too: a purchase offer accepted again while its delegation is in force starts a
      // new term under the same id, and a reminder of the old term that the new one has no room for
      // (an auto-extended term's 30-day one, say) would stay due on its own.
      ...(typeof previous === 'string' ? clearTimers(key.customer_id, previous) : []),
      upsert(IN_FORCE_TABLE, key, { delegation_id: delegationId }),
      ...timers(event, delegationId),
    ];
  };

export const dueActionsProjection = defineProjection({
  name: DUE_ACTIONS_PROJECTION,
  // 2: delegation timers; the bump rebuilds the list so delegations offered before them are scheduled.
  // 3: the delegation in force per partner, so one a redemption supersedes loses its timers.
  // 4: a delegation granted again under the same id loses its previous term's timers (stale rows go).
  version: 4,
  schema: {
    tables: {
      [DUE_ACTIONS_TABLE]: {
        columns: {
          key: 'text',
          command_type: 'text',
          payload: 'json',
          /** Canonical UTC instant (YYYY-MM-DDTHH:mm:ss.sssZ): compares correctly as text on both dialects. */
          due_at: 'text',
          partner_id: { type: 'text', nullable: true },
          /** The event that scheduled the action: the causation id of the command it becomes. */
          caused_by: 'text',
          correlation_id: { type: 'text', nullable: true },
        },
        primaryKey: ['key'],
        indexes: { by_due: { columns: ['due_at', 'key'] } },
        partnerIdColumn: 'partner_id',
      },
      [IN_FORCE_TABLE]: {
        columns: { customer_id: 'text', partner_id: 'text', delegation_id: 'text' },
        primaryKey: ['customer_id', 'partner_id'],
      },
    },
  },
  on: {
    TrialStarted(event) {
      const customerId = text(event.data, 'customerId');
      const subscriptionId = text(event.data, 'subscriptionId');
      const startedAt = text(event.data, 'startedAt');
      const endsAt = text(event.data, 'endsAt');
      const ref = { customerId, subscriptionId };
      const notices = TRIAL_NOTICES.map((daysLeft) => ({ daysLeft, dueAt: addDays(endsAt, -daysLeft) }))
        // A trial shorter than the notice period never had that many days left: no such notice.
        .filter(({ dueAt }) => dueAt >= startedAt)
        .map(({ daysLeft, dueAt }) =>
          schedule(
            event,
            dueKeys.trialNotice(customerId, subscriptionId, daysLeft),
            'MarkTrialExpiring',
            { ...ref, daysLeft },
            dueAt,
          ),
        );
      return [
        ...notices,
        schedule(event, dueKeys.trialExpiry(customerId, subscriptionId), 'ExpireTrial', ref, endsAt),
      ];
    },
    TrialExpiring(event) {
      const customerId = text(event.data, 'customerId');
      const subscriptionId = text(event.data, 'subscriptionId');
      const sent = Number(event.data.daysLeft);
      // This notice is done, and an earlier (longer) one the domain would now refuse as stale.
      return TRIAL_NOTICES.filter((days) => days >= sent).map((days) =>
        remove(DUE_ACTIONS_TABLE, { key: dueKeys.trialNotice(customerId, subscriptionId, days) }),
      );
    },
    TrialConverted: clearTrial,
    TrialExpired: clearTrial,
    // Paid subscriptions have no rows; removing absent rows is a no-op.
    SubscriptionCancelled: clearTrial,
    TrialInviteCreated(event) {
      const expiresAt = optionalText(event.data, 'expiresAt');
      if (expiresAt === null) return [];
      const inviteId = text(event.data, 'inviteId');
      return [schedule(event, dueKeys.inviteExpiry(inviteId), 'ExpireTrialInvite', { inviteId }, expiresAt)];
    },
    TrialInviteRevoked: (event) => [
      remove(DUE_ACTIONS_TABLE, { key: dueKeys.inviteExpiry(text(event.data, 'inviteId')) }),
    ],
    TrialInviteExpired: (event) => [
      remove(DUE_ACTIONS_TABLE, { key: dueKeys.inviteExpiry(text(event.data, 'inviteId')) }),
    ],
    PurchaseOfferCreated(event) {
      const expiresAt = optionalText(event.data, 'expiresAt');
      if (expiresAt === null) return [];
      const purchaseOfferId = text(event.data, 'purchaseOfferId');
      return [
        schedule(
          event,
          dueKeys.offerExpiry(purchaseOfferId),
          'ExpirePurchaseOffer',
          { purchaseOfferId },
          expiresAt,
        ),
      ];
    },
    PurchaseOfferWithdrawn: (event) => [
      remove(DUE_ACTIONS_TABLE, { key: dueKeys.offerExpiry(text(event.data, 'purchaseOfferId')) }),
    ],
    PurchaseOfferExpired: (event) => [
      remove(DUE_ACTIONS_TABLE, { key: dueKeys.offerExpiry(text(event.data, 'purchaseOfferId')) }),
    ],
    DelegationOffered(event) {
      const customerId = text(event.data, 'customerId');
      const delegationId = text(event.data, 'delegationId');
      return [
        schedule(
          event,
          dueKeys.delegationOfferExpiry(customerId, delegationId),
          'ExpireDelegationOffer',
          { customerId, delegationId },
          text(event.data, 'offerExpiresAt'),
        ),
      ];
    },
    DelegationAccepted: inForce(
      (event) => text(event.data, 'delegationId'),
      (event, delegationId) => [
        ...clearDelegationOffer(event),
        ...scheduleDelegationEnd(
          event,
          delegationId,
          text(event.data, 'startsAt'),
          text(event.data, 'endsAt'),
        ),
      ],
    ),
    // In force from the redemption, under the id the customer state gives it (never a separate offer).
    DelegatedAdminAcceptedAtRedemption: inForce(
      (event) => delegationIdAtRedemption(redemptionOf(event)),
      (event, delegationId) => {
        const terms = event.data.terms as { durationDays: number };
        const acceptedAt = text(event.data, 'acceptedAt');
        return scheduleDelegationEnd(
          event,
          delegationId,
          acceptedAt,
          addDays(acceptedAt, terms.durationDays),
        );
      },
    ),
    DelegationDeclined: clearDelegationOffer,
    DelegationOfferExpired: clearDelegationOffer,
    DelegationRemoved: clearDelegation,
    DelegationEnded: clearDelegation,
    DelegationAutoExtended(event) {
      const endsAt = event.data.endsAt as { from: string; to: string };
      return scheduleDelegationEnd(event, text(event.data, 'delegationId'), endsAt.from, endsAt.to);
    },
    DelegationEnding(event) {
      const customerId = text(event.data, 'customerId');
      const delegationId = text(event.data, 'delegationId');
      const sent = Number(event.data.daysLeft);
      // This reminder is done, and a longer one the domain would now answer as stale.
      return DELEGATION_NOTICES.filter((days) => days >= sent).map((days) =>
        remove(DUE_ACTIONS_TABLE, { key: dueKeys.delegationNotice(customerId, delegationId, days) }),
      );
    },
  },
});
