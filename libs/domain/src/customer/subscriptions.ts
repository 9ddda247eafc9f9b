import { type Catalog, requireLicensesWithinBounds, serviceOf } from '../catalog/catalog';
import { requirePlatform } from '../partner/permissions';
import { type CommandDefinition, defineCommand } from '../shared/command';
import { DomainError, refuse } from '../shared/errors';
import { actingContext, actingPartnerStreams } from '../delegation/access';
import { addDays, addMonths, toInstant } from '../shared/time';
import type { Actor, DecisionContext, Loaded } from '../shared/types';
import { type CustomerEvent, type SubscriptionFacts, TRIAL_NOTICES, type TrialNotice } from './events';
import { authorizeCustomerAction } from './permissions';
import { customerSpec, type CustomerState, isEnded, type Subscription } from './state';
import { entryOf } from '../shared/records';

export interface SubscriptionRef {
  customerId: string;
  subscriptionId: string;
}
export interface ChangeLicenseCount extends SubscriptionRef {
  licenses: number;
}
export interface ConvertTrial extends SubscriptionRef {
  licenses: number;
}
export interface MarkTrialExpiring extends SubscriptionRef {
  daysLeft: TrialNotice;
}
export interface SuspendSubscription extends SubscriptionRef {
  reason?: string;
}

/** The customer; and the actor's partner when a partner user acts (delegated administration). */
const onCustomer = {
  primary: 'customer',
  streams: (p: { customerId: string }, ctx: DecisionContext) => ({
    customer: customerSpec(p.customerId),
    ...actingPartnerStreams(ctx),
  }),
};
const customerOf = (loaded: Record<string, Loaded<unknown>>): CustomerState =>
  loaded.customer.state as CustomerState;
const emit = (...events: CustomerEvent[]) => ({ events: { customer: events } });
const nothing = () => ({ events: {} });

/** The facts every subscription event carries (see SubscriptionFacts). */
export const subscriptionFacts = (state: CustomerState, s: Subscription): SubscriptionFacts => ({
  customerId: state.id,
  subscriptionId: s.id,
  offerId: s.offerId,
  partnerId: s.partnerId,
  partnerOfRecordId: state.partnerOfRecord,
});

function subscriptionOf(state: CustomerState, subscriptionId: string): Subscription {
  const s = entryOf(state.subscriptions, subscriptionId);
  if (!s) {
    throw new DomainError(
      'subscription-not-found',
      `No subscription ${subscriptionId} in customer ${state.id}`,
      { customerId: state.id, subscriptionId },
      'not-found',
    );
  }
  return s;
}

function requireNotEnded(s: Subscription): void {
  if (isEnded(s)) {
    refuse('subscription-ended', `Subscription ${s.id} has ended (${s.status})`, {
      subscriptionId: s.id,
      status: s.status,
    });
  }
}

function requireNotSuspended(s: Subscription): void {
  if (s.status === 'suspended') {
    refuse('subscription-suspended', `Subscription ${s.id} is suspended; reactivate it first`, {
      subscriptionId: s.id,
    });
  }
}

function requireTrial(s: Subscription): void {
  if (s.kind !== 'trial')
    refuse('not-a-trial', `Subscription ${s.id} is not a trial`, { subscriptionId: s.id, kind: s.kind });
}

/** The platform acts on any existing customer (scheduler commands); nobody else sees it exists. */
function requirePlatformOnCustomer(
  state: CustomerState,
  customerId: string,
  actor: Actor,
  what: string,
): void {
  requirePlatform(actor, what);
  if (!state.exists)
    throw new DomainError('customer-not-found', 'No such customer', { customerId }, 'not-found');
}

/**
 * A customer admin's (or a delegated admin's, with full access) command on one of the customer's
 * subscriptions that has not ended.
 */
function adminOnLiveSubscription(
  p: SubscriptionRef,
  loaded: Record<string, Loaded<unknown>>,
  ctx: DecisionContext,
): { state: CustomerState; s: Subscription } {
  const state = customerOf(loaded);
  authorizeCustomerAction(state, p.customerId, ctx.actor, 'manage-subscriptions', actingContext(loaded, ctx));
  const s = subscriptionOf(state, p.subscriptionId);
  requireNotEnded(s);
  return { state, s };
}

export function subscriptionCommands(catalog: Catalog): CommandDefinition[] {
  const changeLicenseCount = defineCommand<ChangeLicenseCount>({
    type: 'ChangeLicenseCount',
    ...onCustomer,
    decide(p, loaded, ctx) {
      const { state, s } = adminOnLiveSubscription(p, loaded, ctx);
      // A trial is a fixed allotment of seats; more licenses means buying (ConvertTrial).
      if (s.kind === 'trial')
        refuse('trial-seats-fixed', `Trial ${s.id} has a fixed number of seats`, {
          subscriptionId: s.id,
          seats: s.licenses,
        });
      requireNotSuspended(s);
      requireLicensesWithinBounds(serviceOf(catalog, s.offerId), p.licenses);
      if (p.licenses === s.licenses) return nothing();
      return emit({
        type: 'LicenseCountChanged',
        data: { ...subscriptionFacts(state, s), licenses: { from: s.licenses, to: p.licenses } },
      });
    },
  });

  const convertTrial = defineCommand<ConvertTrial>({
    type: 'ConvertTrial',
    ...onCustomer,
    decide(p, loaded, ctx) {
      const now = toInstant(ctx.now, 'now');
      const { state, s } = adminOnLiveSubscription(p, loaded, ctx);
      requireTrial(s);
      requireNotSuspended(s);
      const service = serviceOf(catalog, s.offerId);
      requireLicensesWithinBounds(service, p.licenses);
      // Converting after the trial period but before the scheduler expired it is still a sale: allowed.
      return emit(trialConverted(state, s, p.licenses, service.termMonths, now, s.partnerId, null));
    },
  });

  const expireTrial = defineCommand<SubscriptionRef>({
    type: 'ExpireTrial',
    ...onCustomer,
    decide(p, loaded, ctx) {
      const now = toInstant(ctx.now, 'now');
      const state = customerOf(loaded);
      requirePlatformOnCustomer(state, p.customerId, ctx.actor, 'expire trials');
      const s = subscriptionOf(state, p.subscriptionId);
      requireTrial(s);
      // Already ended (expired, or cancelled by the customer): a scheduler firing again is a no-op.
      if (isEnded(s)) return nothing();
      if (now < s.endsAt)
        refuse('trial-not-due', `Trial ${s.id} runs until ${s.endsAt}`, {
          subscriptionId: s.id,
          endsAt: s.endsAt,
        });
      return emit({
        type: 'TrialExpired',
        data: {
          ...subscriptionFacts(state, s),
          endsAt: s.endsAt,
          expiredAt: now,
          status: { from: s.status, to: 'expired' },
        },
      });
    },
  });

  const markTrialExpiring = defineCommand<MarkTrialExpiring>({
    type: 'MarkTrialExpiring',
    ...onCustomer,
    decide(p, loaded, ctx) {
      const now = toInstant(ctx.now, 'now');
      const state = customerOf(loaded);
      requirePlatformOnCustomer(state, p.customerId, ctx.actor, 'mark trials as expiring');
      if (!(TRIAL_NOTICES as readonly number[]).includes(p.daysLeft)) {
        refuse(
          'invalid-days-left',
          `Trial notices are sent ${TRIAL_NOTICES.join(' and ')} days before the end`,
          {
            daysLeft: p.daysLeft,
          },
        );
      }
      const s = subscriptionOf(state, p.subscriptionId);
      requireTrial(s);
      // Each notice once; a late 7-day notice after the 1-day one, or after the end, would only confuse.
      const stale =
        isEnded(s) ||
        s.notices.includes(p.daysLeft) ||
        s.notices.some((sent) => sent < p.daysLeft) ||
        now >= s.endsAt;
      if (stale) return nothing();
      const notBefore = addDays(s.endsAt, -p.daysLeft);
      if (now < notBefore) {
        refuse('trial-not-due', `The ${p.daysLeft}-day notice of trial ${s.id} is due from ${notBefore}`, {
          subscriptionId: s.id,
          endsAt: s.endsAt,
          notBefore,
        });
      }
      return emit({
        type: 'TrialExpiring',
        data: { ...subscriptionFacts(state, s), daysLeft: p.daysLeft, endsAt: s.endsAt },
      });
    },
  });

  const renewSubscription = defineCommand<SubscriptionRef>({
    type: 'RenewSubscription',
    ...onCustomer,
    decide(p, loaded, ctx) {
      const { state, s } = adminOnLiveSubscription(p, loaded, ctx);
      if (s.kind === 'trial')
        refuse('trial-not-renewable', `Trial ${s.id} cannot be renewed; convert it`, {
          subscriptionId: s.id,
        });
      requireNotSuspended(s);
      const { termMonths } = serviceOf(catalog, s.offerId);
      // Landing on the anchor day keeps a Jan 31 subscription ending on month ends, not drifting to the 28th.
      const to = addMonths(s.endsAt, termMonths, s.termDay ?? undefined);
      return emit({
        type: 'SubscriptionRenewed',
        data: { ...subscriptionFacts(state, s), endsAt: { from: s.endsAt, to }, termMonths },
      });
    },
  });

  const cancelSubscription = defineCommand<SubscriptionRef>({
    type: 'CancelSubscription',
    ...onCustomer,
    decide(p, loaded, ctx) {
      const { state, s } = adminOnLiveSubscription(p, loaded, ctx);
      return emit({
        type: 'SubscriptionCancelled',
        data: {
          ...subscriptionFacts(state, s),
          kind: s.kind,
          licenses: s.licenses,
          cancelledAt: toInstant(ctx.now, 'now'),
          status: { from: s.status, to: 'cancelled' },
        },
      });
    },
  });

  const suspendSubscription = defineCommand<SuspendSubscription>({
    type: 'SuspendSubscription',
    ...onCustomer,
    decide(p, loaded, ctx) {
      const state = customerOf(loaded);
      // The platform suspends too (e.g. for non-payment); the customer's admin for its own reasons.
      if (ctx.actor.kind === 'platform') requirePlatformOnCustomer(state, p.customerId, ctx.actor, 'suspend');
      else
        authorizeCustomerAction(
          state,
          p.customerId,
          ctx.actor,
          'manage-subscriptions',
          actingContext(loaded, ctx),
        );
      const s = subscriptionOf(state, p.subscriptionId);
      requireNotEnded(s);
      if (s.status === 'suspended') return nothing();
      return emit({
        type: 'SubscriptionSuspended',
        data: {
          ...subscriptionFacts(state, s),
          // A delegated admin suspends on the customer's behalf: the customer (or it) may lift it.
          by: ctx.actor.kind === 'platform' ? 'platform' : 'customer',
          reason: p.reason?.trim() || null,
          suspendedAt: toInstant(ctx.now, 'now'),
          status: { from: s.status, to: 'suspended' },
        },
      });
    },
  });

  const reactivateSubscription = defineCommand<SubscriptionRef>({
    type: 'ReactivateSubscription',
    ...onCustomer,
    decide(p, loaded, ctx) {
      const state = customerOf(loaded);
      const byPlatform = ctx.actor.kind === 'platform';
      if (byPlatform) requirePlatformOnCustomer(state, p.customerId, ctx.actor, 'reactivate');
      else
        authorizeCustomerAction(
          state,
          p.customerId,
          ctx.actor,
          'manage-subscriptions',
          actingContext(loaded, ctx),
        );
      const s = subscriptionOf(state, p.subscriptionId);
      requireNotEnded(s);
      if (s.status !== 'suspended') return nothing();
      // Otherwise a customer could lift a suspension for non-payment by itself.
      if (s.suspendedBy === 'platform' && !byPlatform) {
        refuse(
          'suspended-by-platform',
          `Subscription ${s.id} was suspended by the platform; only the platform lifts it`,
          { subscriptionId: s.id },
          'forbidden',
        );
      }
      return emit({
        type: 'SubscriptionReactivated',
        data: {
          ...subscriptionFacts(state, s),
          reactivatedAt: toInstant(ctx.now, 'now'),
          status: { from: 'suspended', to: 'active' },
        },
      });
    },
  });

  return [
    changeLicenseCount,
    convertTrial,
    expireTrial,
    markTrialExpiring,
    renewSubscription,
    cancelSubscription,
    suspendSubscription,
    reactivateSubscription,
  ];
}

/**
 * Trial → paid: the seats become `licenses`, and the first paid term runs from `now`. `partnerId` is
 * the partner the paid subscription comes through (the offering partner when a purchase offer converts it).
 */
export function trialConverted(
  state: CustomerState,
  s: Subscription,
  licenses: number,
  termMonths: number,
  now: string,
  partnerId: string | null,
  via: Extract<CustomerEvent, { type: 'TrialConverted' }>['data']['via'],
): CustomerEvent {
  return {
    type: 'TrialConverted',
    data: {
      ...subscriptionFacts(state, s),
      partnerId,
      licenses: { from: s.licenses, to: licenses },
      endsAt: { from: s.endsAt, to: addMonths(now, termMonths) },
      paidFrom: now,
      termMonths,
      via,
    },
  };
}
