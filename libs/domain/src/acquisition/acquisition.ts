import { type Catalog, requireLicensesWithinBounds, serviceOf } from '../catalog/catalog';
import { type InvitationRef } from '../customer/events';
import { authorizeCustomerAction } from '../customer/permissions';
import {
  append,
  becomeAdvisor,
  becomePartnerOfRecord,
  customerFor,
  customerStreams,
  type NewOrExistingCustomer,
  type TakenUpCustomer,
} from '../customer/sign-up';
import { type CustomerState, liveSubscriptionOf } from '../customer/state';
import { trialConverted } from '../customer/subscriptions';
import type { DelegatedAdminTerms } from '../delegation/terms';
import {
  trialInviteSpec,
  type TrialInviteState,
  requireInviteOf,
  requireUsableInvite,
} from '../invitation/trial-invite';
import { requireAdvisor, requireDelegatedAdminCertified } from '../invitation/terms';
import { partnerSpec } from '../partner/commands';
import { requirePlatform } from '../partner/permissions';
import type { PartnerState } from '../partner/state';
import {
  purchaseOfferSpec,
  type PurchaseOfferState,
  requireAcceptableOffer,
  requirePurchaseOfferOf,
} from '../purchase-offer/purchase-offer';
import { type CommandDefinition, defineCommand } from '../shared/command';
import { DomainError, refuse } from '../shared/errors';
import { addDays, addMonths, toInstant } from '../shared/time';
import type { DecisionContext, Loaded } from '../shared/types';
import { entryOf } from '../shared/records';

/**
 * Who takes up an invitation: an EXISTING customer (`customerId`, acted on by one of its admins), or
 * a NEW one signing up (`newCustomer`, submitted by the platform's sign-up flow; `customerId` optional).
 */
export interface SignUpOrExisting extends NewOrExistingCustomer {
  /** Required when the invitation includes the delegated-admin option: the customer's answer. */
  acceptDelegatedAdmin?: boolean;
}

export interface RedeemTrialInvite extends SignUpOrExisting {
  /** The invite, its partner and its code: resolved at the edge from the URL's code (invitation-code stream). */
  inviteId: string;
  partnerId: string;
  code: string;
}

export interface AcceptPurchaseOffer extends SignUpOrExisting {
  purchaseOfferId: string;
  partnerId: string;
  code: string;
  /** License counts changed while buying, by offerId (each within the catalog's bounds). */
  licenses?: Record<string, number>;
}

const stateOf = <S>(loaded: Record<string, Loaded<unknown>>, alias: string): S => loaded[alias].state as S;

/** The acting side: who is taking up the invitation, checked before anything about the invitation is told. */
function requireActor(
  p: SignUpOrExisting,
  loaded: Record<string, Loaded<unknown>>,
  ctx: DecisionContext,
): void {
  if (p.newCustomer) requirePlatform(ctx.actor, 'sign up new customers');
  else {
    authorizeCustomerAction(
      stateOf<CustomerState>(loaded, 'customer'),
      p.customerId ?? '',
      ctx.actor,
      'redeem-invitations',
    );
  }
}

/**
 * Records the customer's answer to the delegated-admin option. An acceptance is a delegation in force
 * from now (the customer state folds it into one: see customer/state.ts).
 */
function delegatedAdminChoice(
  customer: TakenUpCustomer,
  terms: DelegatedAdminTerms | null,
  accept: boolean | undefined,
  partner: PartnerState,
  via: InvitationRef,
  now: string,
): void {
  if (terms === null) {
    if (accept === true) {
      refuse('delegated-admin-not-offered', 'This invitation does not include delegated administration', {
        invitationId: via.id,
      });
    }
    return;
  }
  if (accept === undefined || accept === null) {
    refuse(
      'delegated-admin-choice-required',
      'This invitation includes delegated administration: accept or decline it',
      { invitationId: via.id },
    );
  }
  const base = { customerId: customer.customerId, partnerId: partner.id, via, terms };
  if (accept) {
    // A partner that lost the certification since sending the invitation may no longer be accepted.
    requireDelegatedAdminCertified(partner, now);
    append(customer, { type: 'DelegatedAdminAcceptedAtRedemption', data: { ...base, acceptedAt: now } });
  } else {
    append(customer, { type: 'DelegatedAdminDeclinedAtRedemption', data: { ...base, declinedAt: now } });
  }
}

/** Codes are compared in full: an invitation id without its code is useless to a guesser. */
function requireCode(actual: string, given: unknown, notFound: () => DomainError): void {
  if (typeof given !== 'string' || given !== actual) throw notFound();
}

// ---------------------------------------------------------------------------------------------

export function acquisitionCommands(catalog: Catalog): CommandDefinition[] {
  const redeemTrialInvite = defineCommand<RedeemTrialInvite>({
    type: 'RedeemTrialInvite',
    primary: 'customer',
    streams: (p, ctx) => ({
      ...customerStreams(p, ctx),
      invite: trialInviteSpec(p.inviteId),
      partner: partnerSpec(p.partnerId),
    }),
    decide(p, loaded, ctx) {
      const now = toInstant(ctx.now, 'now');
      requireActor(p, loaded, ctx);
      const invite = stateOf<TrialInviteState>(loaded, 'invite');
      requireInviteOf(invite, p.inviteId, p.partnerId);
      requireCode(
        invite.code,
        p.code,
        () =>
          new DomainError(
            'trial-invite-not-found',
            'No such trial invite',
            { inviteId: p.inviteId },
            'not-found',
          ),
      );
      requireUsableInvite(invite, now);
      const partner = stateOf<PartnerState>(loaded, 'partner');
      requireAdvisor(partner, now);
      const via: InvitationRef = { kind: 'trial-invite', id: invite.id, partnerId: invite.partnerId };
      const customer = customerFor(p, loaded, ctx, via);

      const service = serviceOf(catalog, invite.offerId);
      if (service.trial === null)
        refuse('offer-has-no-trial', `${service.name} no longer has a trial`, { offerId: service.offerId });
      // One trial per customer per offer, ever: cancelling or letting one expire does not earn another.
      if (customer.state.trialsUsed.includes(service.offerId)) {
        refuse(
          'trial-already-used',
          `Customer ${customer.customerId} already had a trial of ${service.name}`,
          {
            customerId: customer.customerId,
            offerId: service.offerId,
          },
        );
      }
      const live = liveSubscriptionOf(customer.state, service.offerId);
      if (live) {
        refuse(
          'already-subscribed',
          `Customer ${customer.customerId} already has ${service.name}`,
          { customerId: customer.customerId, offerId: service.offerId, subscriptionId: live.id },
          'conflict',
        );
      }

      becomeAdvisor(customer, via);
      const subscriptionId = ctx.newId('subscriptionId');
      append(customer, {
        type: 'TrialStarted',
        data: {
          customerId: customer.customerId,
          subscriptionId,
          offerId: service.offerId,
          partnerId: invite.partnerId,
          partnerOfRecordId: customer.state.partnerOfRecord,
          seats: service.trial!.seats,
          startedAt: now,
          endsAt: addDays(now, service.trial!.days),
          via,
        },
      });
      delegatedAdminChoice(customer, invite.delegatedAdmin, p.acceptDelegatedAdmin, partner, via, now);
      return {
        ids: { ...customer.ids, subscriptionId },
        events: { customer: customer.events, ...customer.claims },
      };
    },
  });

  const acceptPurchaseOffer = defineCommand<AcceptPurchaseOffer>({
    type: 'AcceptPurchaseOffer',
    primary: 'customer',
    streams: (p, ctx) => ({
      ...customerStreams(p, ctx),
      offer: purchaseOfferSpec(p.purchaseOfferId),
      partner: partnerSpec(p.partnerId),
    }),
    decide(p, loaded, ctx) {
      const now = toInstant(ctx.now, 'now');
      requireActor(p, loaded, ctx);
      const offer = stateOf<PurchaseOfferState>(loaded, 'offer');
      requirePurchaseOfferOf(offer, p.purchaseOfferId, p.partnerId);
      requireCode(
        offer.code,
        p.code,
        () =>
          new DomainError(
            'purchase-offer-not-found',
            'No such purchase offer',
            { purchaseOfferId: p.purchaseOfferId },
            'not-found',
          ),
      );
      requireAcceptableOffer(offer, now);
      const partner = stateOf<PartnerState>(loaded, 'partner');
      requireAdvisor(partner, now);

      const changes = p.licenses ?? {};
      for (const offerId of Object.keys(changes)) {
        if (!offer.lines.some((l) => l.offerId === offerId)) {
          refuse('not-in-purchase-offer', `The purchase offer does not include ${offerId}`, {
            purchaseOfferId: offer.id,
            offerId,
          });
        }
      }
      // Validate every line (the catalog may have changed since the offer was made) before writing any.
      const lines = offer.lines.map((line) => {
        const service = serviceOf(catalog, line.offerId);
        const licenses = entryOf(changes, line.offerId) ?? line.licenses;
        requireLicensesWithinBounds(service, licenses);
        return { service, licenses };
      });

      const via: InvitationRef = { kind: 'purchase-offer', id: offer.id, partnerId: offer.partnerId };
      const customer = customerFor(p, loaded, ctx, via);
      for (const { service } of lines) {
        const live = liveSubscriptionOf(customer.state, service.offerId);
        if (live?.kind === 'paid') {
          // Buying the same service twice is almost always a double submission; licenses change instead.
          refuse(
            'already-subscribed',
            `Customer ${customer.customerId} already has ${service.name}; change its license count instead`,
            { customerId: customer.customerId, offerId: service.offerId, subscriptionId: live.id },
            'conflict',
          );
        }
        if (live?.status === 'suspended') {
          refuse('subscription-suspended', `The trial of ${service.name} is suspended; reactivate it first`, {
            subscriptionId: live.id,
            offerId: service.offerId,
          });
        }
      }

      becomeAdvisor(customer, via);
      becomePartnerOfRecord(customer, via);
      const ids: Record<string, string> = { ...customer.ids };
      for (const { service, licenses } of lines) {
        const trial = liveSubscriptionOf(customer.state, service.offerId);
        if (trial) {
          // Still running: the customer keeps its data and users; the trial becomes the paid subscription.
          append(
            customer,
            trialConverted(customer.state, trial, licenses, service.termMonths, now, offer.partnerId, via),
          );
          ids[`subscriptionId:${service.offerId}`] = trial.id;
          continue;
        }
        const subscriptionId = ctx.newId(`subscriptionId:${service.offerId}`);
        append(customer, {
          type: 'SubscriptionStarted',
          data: {
            customerId: customer.customerId,
            subscriptionId,
            offerId: service.offerId,
            partnerId: offer.partnerId,
            partnerOfRecordId: customer.state.partnerOfRecord,
            licenses,
            startedAt: now,
            endsAt: addMonths(now, service.termMonths),
            termMonths: service.termMonths,
            via,
          },
        });
        ids[`subscriptionId:${service.offerId}`] = subscriptionId;
      }
      delegatedAdminChoice(customer, offer.delegatedAdmin, p.acceptDelegatedAdmin, partner, via, now);
      return { ids, events: { customer: customer.events, ...customer.claims } };
    },
  });

  return [redeemTrialInvite, acceptPurchaseOffer];
}
