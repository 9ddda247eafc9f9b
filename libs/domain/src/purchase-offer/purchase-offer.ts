import { type Catalog, requireLicensesWithinBounds, serviceOf } from '../catalog/catalog';
import type { DelegatedAdminTerms } from '../delegation/terms';
import {
  claimCode,
  invitationCodeSpec,
  type InvitationCodeState,
  requireValidCode,
} from '../invitation/code';
import { expiryDecision, hasLapsed, isInvitationOf } from '../invitation/lifecycle';
import {
  type CreateInvitation,
  invitationOptions,
  requireInvitingActor,
  requireInvitingAdvisor,
} from '../invitation/terms';
import { partnerSpec } from '../partner/commands';
import { requirePlatform } from '../partner/permissions';
import type { PartnerState } from '../partner/state';
import {
  type CommandDefinition,
  type DecisionResult,
  defineCommand,
  type StreamSpec,
} from '../shared/command';
import { DomainError, refuse } from '../shared/errors';
import { toInstant } from '../shared/time';
import type { DomainEvent, Evolver, Loaded } from '../shared/types';

/** One service of a purchase offer with the number of licenses proposed. */
export interface PurchaseOfferLine {
  offerId: string;
  licenses: number;
}

export type PurchaseOfferEvent =
  | DomainEvent<
      'PurchaseOfferCreated',
      {
        purchaseOfferId: string;
        partnerId: string;
        code: string;
        lines: PurchaseOfferLine[];
        delegatedAdmin: DelegatedAdminTerms | null;
        expiresAt: string | null;
        createdAt: string;
      }
    >
  | DomainEvent<'PurchaseOfferWithdrawn', { purchaseOfferId: string; partnerId: string; withdrawnAt: string }>
  | DomainEvent<'PurchaseOfferExpired', { purchaseOfferId: string; partnerId: string; expiredAt: string }>;

export interface PurchaseOfferState {
  exists: boolean;
  id: string;
  partnerId: string;
  code: string;
  lines: PurchaseOfferLine[];
  delegatedAdmin: DelegatedAdminTerms | null;
  expiresAt: string | null;
  withdrawn: boolean;
  expired: boolean;
}

export const purchaseOfferStream = (purchaseOfferId: string): string => `purchase-offer-${purchaseOfferId}`;

export const purchaseOfferEvolver: Evolver<PurchaseOfferState, PurchaseOfferEvent> = {
  initialState: {
    exists: false,
    id: '',
    partnerId: '',
    code: '',
    lines: [],
    delegatedAdmin: null,
    expiresAt: null,
    withdrawn: false,
    expired: false,
  },
  evolve(state, event) {
    switch (event.type) {
      case 'PurchaseOfferCreated':
        return {
          ...state,
          exists: true,
          id: event.data.purchaseOfferId,
          partnerId: event.data.partnerId,
          code: event.data.code,
          lines: event.data.lines,
          delegatedAdmin: event.data.delegatedAdmin,
          expiresAt: event.data.expiresAt,
        };
      case 'PurchaseOfferWithdrawn':
        return { ...state, withdrawn: true };
      case 'PurchaseOfferExpired':
        return { ...state, expired: true };
      default:
        return state;
    }
  },
};

export const purchaseOfferSpec = (purchaseOfferId: string): StreamSpec => ({
  stream: purchaseOfferStream(purchaseOfferId),
  evolver: purchaseOfferEvolver as StreamSpec['evolver'],
});

/** Not found, also when it belongs to another partner than the one named (ids are not probeable). */
export function requirePurchaseOfferOf(
  offer: PurchaseOfferState,
  purchaseOfferId: string,
  partnerId: string | null,
): void {
  if (!isInvitationOf(offer, partnerId)) {
    throw new DomainError(
      'purchase-offer-not-found',
      'No such purchase offer',
      { purchaseOfferId },
      'not-found',
    );
  }
}

/** Withdrawn, or past its expiry (even before the scheduler says so), it can no longer be accepted. */
export function requireAcceptableOffer(offer: PurchaseOfferState, now: string): void {
  if (offer.withdrawn) {
    refuse('purchase-offer-withdrawn', `Purchase offer ${offer.id} was withdrawn`, {
      purchaseOfferId: offer.id,
    });
  }
  if (hasLapsed(offer, now)) {
    refuse('purchase-offer-expired', `Purchase offer ${offer.id} has expired`, {
      purchaseOfferId: offer.id,
      expiresAt: offer.expiresAt,
    });
  }
}

/** Lines must name known services, each once, with a license count within the catalog's bounds. */
export function validLines(
  catalog: Catalog,
  lines: readonly PurchaseOfferLine[] | undefined,
): PurchaseOfferLine[] {
  if (!Array.isArray(lines) || lines.length === 0)
    refuse('no-offer-lines', 'A purchase offer lists at least one service', {});
  const seen = new Set<string>();
  return (lines as PurchaseOfferLine[]).map((line) => {
    const service = serviceOf(catalog, line.offerId);
    if (seen.has(service.offerId)) {
      refuse('duplicate-offer-line', `${service.name} is listed more than once`, {
        offerId: service.offerId,
      });
    }
    seen.add(service.offerId);
    requireLicensesWithinBounds(service, line.licenses);
    return { offerId: service.offerId, licenses: line.licenses };
  });
}

// ---------------------------------------------------------------------------------------------

export interface CreatePurchaseOffer extends CreateInvitation {
  purchaseOfferId?: string;
  lines: PurchaseOfferLine[];
}

export interface PurchaseOfferRef {
  partnerId: string;
  purchaseOfferId: string;
}

const nothing = (): DecisionResult => ({ events: {} });
const stateOf = <S>(loaded: Record<string, Loaded<unknown>>, alias: string): S => loaded[alias].state as S;

export function purchaseOfferCommands(catalog: Catalog): CommandDefinition[] {
  const createPurchaseOffer = defineCommand<CreatePurchaseOffer>({
    type: 'CreatePurchaseOffer',
    primary: 'offer',
    streams: (p, ctx) => ({
      offer: purchaseOfferSpec(p.purchaseOfferId ?? ctx.newId('purchaseOfferId')),
      partner: partnerSpec(p.partnerId),
      code: invitationCodeSpec(p.code),
    }),
    decide(p, loaded, ctx) {
      const now = toInstant(ctx.now, 'now');
      const partner = stateOf<PartnerState>(loaded, 'partner');
      requireInvitingAdvisor(partner, ctx);
      const purchaseOfferId = p.purchaseOfferId ?? ctx.newId('purchaseOfferId');
      if (stateOf<PurchaseOfferState>(loaded, 'offer').exists) {
        refuse(
          'purchase-offer-exists',
          `Purchase offer ${purchaseOfferId} already exists`,
          { purchaseOfferId },
          'conflict',
        );
      }
      const code = requireValidCode(p.code);
      const claim = claimCode(
        stateOf<InvitationCodeState>(loaded, 'code'),
        code,
        'purchase-offer',
        purchaseOfferId,
        partner.id,
      );
      const lines = validLines(catalog, p.lines);
      const { delegatedAdmin, expiresAt } = invitationOptions(partner, p, now, ctx.actor);
      return {
        ids: { purchaseOfferId },
        events: {
          code: claim,
          offer: [
            {
              type: 'PurchaseOfferCreated',
              data: {
                purchaseOfferId,
                partnerId: partner.id,
                code,
                lines,
                delegatedAdmin,
                expiresAt,
                createdAt: now,
              },
            },
          ],
        },
      };
    },
  });

  const withdrawPurchaseOffer = defineCommand<PurchaseOfferRef>({
    type: 'WithdrawPurchaseOffer',
    primary: 'offer',
    streams: (p) => ({ offer: purchaseOfferSpec(p.purchaseOfferId), partner: partnerSpec(p.partnerId) }),
    decide(p, loaded, ctx) {
      const partner = stateOf<PartnerState>(loaded, 'partner');
      requireInvitingActor(partner, ctx);
      const offer = stateOf<PurchaseOfferState>(loaded, 'offer');
      requirePurchaseOfferOf(offer, p.purchaseOfferId, partner.id);
      if (offer.withdrawn) return nothing();
      const event: PurchaseOfferEvent = {
        type: 'PurchaseOfferWithdrawn',
        data: {
          purchaseOfferId: offer.id,
          partnerId: offer.partnerId,
          withdrawnAt: toInstant(ctx.now, 'now'),
        },
      };
      return { events: { offer: [event] } };
    },
  });

  const expirePurchaseOffer = defineCommand<{ purchaseOfferId: string }>({
    type: 'ExpirePurchaseOffer',
    primary: 'offer',
    streams: (p) => ({ offer: purchaseOfferSpec(p.purchaseOfferId) }),
    decide(p, loaded, ctx) {
      requirePlatform(ctx.actor, 'expire purchase offers');
      const now = toInstant(ctx.now, 'now');
      const offer = stateOf<PurchaseOfferState>(loaded, 'offer');
      requirePurchaseOfferOf(offer, p.purchaseOfferId, null);
      // Already out of use: a scheduler firing again (or late) changes nothing.
      const expiry = expiryDecision(offer, offer.withdrawn, now);
      if (expiry === 'out-of-use') return nothing();
      if (expiry === 'not-due') {
        refuse('purchase-offer-not-due', `Purchase offer ${offer.id} is not due to expire`, {
          purchaseOfferId: offer.id,
          expiresAt: offer.expiresAt,
        });
      }
      const event: PurchaseOfferEvent = {
        type: 'PurchaseOfferExpired',
        data: { purchaseOfferId: offer.id, partnerId: offer.partnerId, expiredAt: now },
      };
      return { events: { offer: [event] } };
    },
  });

  return [createPurchaseOffer, withdrawPurchaseOffer, expirePurchaseOffer];
}
