import { Inject, Injectable } from '@nestjs/common';
import {
  type Catalog,
  DomainError,
  type InvitationCodeState,
  type InvitationKind,
  type PartnerState,
  type PurchaseOfferState,
  type TrialInviteState,
  invitationCodeEvolver,
  invitationCodeStream,
  partnerEvolver,
  partnerStream,
  purchaseOfferEvolver,
  purchaseOfferStream,
  trialInviteEvolver,
  trialInviteStream,
} from '@pc/domain';
import type { AggregateView, ExtendedPipeline } from '@pc/pipeline';
import {
  API_CONFIG,
  type ApiConfig,
  CLOCK,
  type Clock,
  COMMAND_PIPELINE,
  ProblemException,
} from '../platform';
import { CATALOG } from './catalog.provider';
import {
  type InvitationView,
  type PurchaseOfferView,
  type TrialInviteView,
  type ViewContext,
  toInvitationView,
  toPurchaseOfferView,
  toTrialInviteView,
} from './views/invitation.view';

/** What a code stands for, from its claim stream. */
export interface ResolvedCode {
  kind: InvitationKind;
  invitationId: string;
  partnerId: string;
}

// Same shape the domain validates; checked before reading so arbitrary input never names a stream.
const CODE = /^[A-Za-z0-9_-]{22,128}$/;

/** The code is not told back: it is the secret, and the caller already has it. */
export const invitationNotFound = (): ProblemException =>
  new ProblemException(404, 'invitation-not-found', 'Not found', 'No invitation has this code.');

export const trialInviteNotFound = (inviteId: string): DomainError =>
  new DomainError('trial-invite-not-found', 'No such trial invite', { inviteId }, 'not-found');

export const purchaseOfferNotFound = (purchaseOfferId: string): DomainError =>
  new DomainError('purchase-offer-not-found', 'No such purchase offer', { purchaseOfferId }, 'not-found');

/** Trial invites, purchase offers and invitation codes, folded from their streams for the edge. */
@Injectable()
export class InvitationReader {
  constructor(
    @Inject(COMMAND_PIPELINE) private readonly pipeline: ExtendedPipeline,
    @Inject(CATALOG) private readonly catalog: Catalog,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private context(): ViewContext {
    return {
      catalog: this.catalog,
      publicBaseUrl: this.config.publicBaseUrl,
      now: this.clock.now().toISOString(),
    };
  }

  private readTrialInvite(inviteId: string): Promise<AggregateView<TrialInviteState>> {
    return this.pipeline.readAggregate<TrialInviteState>(trialInviteStream(inviteId), trialInviteEvolver);
  }

  private readPurchaseOffer(purchaseOfferId: string): Promise<AggregateView<PurchaseOfferState>> {
    return this.pipeline.readAggregate<PurchaseOfferState>(
      purchaseOfferStream(purchaseOfferId),
      purchaseOfferEvolver,
    );
  }

  /** The invite of this partner (404 when missing or another partner's: ids are not probeable). */
  async trialInvite(partnerId: string, inviteId: string): Promise<TrialInviteView> {
    const { state, revision } = await this.readTrialInvite(inviteId);
    if (!state.exists || state.partnerId !== partnerId) throw trialInviteNotFound(inviteId);
    return toTrialInviteView(state, revision, this.context());
  }

  async purchaseOffer(partnerId: string, purchaseOfferId: string): Promise<PurchaseOfferView> {
    const { state, revision } = await this.readPurchaseOffer(purchaseOfferId);
    if (!state.exists || state.partnerId !== partnerId) throw purchaseOfferNotFound(purchaseOfferId);
    return toPurchaseOfferView(state, revision, this.context());
  }

  /** The invitation a code was claimed for, or 404 invitation-not-found. */
  async resolveCode(code: string): Promise<ResolvedCode> {
    if (!CODE.test(code)) throw invitationNotFound();
    const { state } = await this.pipeline.readAggregate<InvitationCodeState>(
      invitationCodeStream(code),
      invitationCodeEvolver,
    );
    if (!state.claimed || state.kind === null || state.invitationId === null || state.partnerId === null)
      throw invitationNotFound();
    return { kind: state.kind, invitationId: state.invitationId, partnerId: state.partnerId };
  }

  /** The public view of the invitation behind a code. */
  async invitation(code: string): Promise<InvitationView> {
    const { kind, invitationId, partnerId } = await this.resolveCode(code);
    // A claim whose invitation holds another code (a create that crashed between its two writes and
    // was retried with a fresh code) leads nowhere: that code was never handed out.
    let view: TrialInviteView | PurchaseOfferView;
    if (kind === 'trial-invite') {
      const { state, revision } = await this.readTrialInvite(invitationId);
      if (!state.exists || state.code !== code) throw invitationNotFound();
      view = toTrialInviteView(state, revision, this.context());
    } else {
      const { state, revision } = await this.readPurchaseOffer(invitationId);
      if (!state.exists || state.code !== code) throw invitationNotFound();
      view = toPurchaseOfferView(state, revision, this.context());
    }
    const { state: partner } = await this.pipeline.readAggregate<PartnerState>(
      partnerStream(partnerId),
      partnerEvolver,
    );
    return toInvitationView(view, partner.profile?.legalName ?? partnerId);
  }
}
