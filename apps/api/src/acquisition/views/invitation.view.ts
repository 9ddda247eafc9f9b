import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  type Catalog,
  type DelegatedAdminTerms,
  type PurchaseOfferState,
  type TrialInviteState,
} from '@pc/domain';
import { CommandAcceptedDto } from '../../platform';
import { invitationUrl } from '../invitation-code';

export class DelegatedAdminTermsView {
  @ApiProperty({ enum: ['full', 'limited'] }) access!: string;
  @ApiProperty() durationDays!: number;
  @ApiProperty() autoExtend!: boolean;
}

/** One service an invitation offers, with what the catalog says about it today. */
export class OfferedServiceView {
  @ApiProperty() offerId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Trial seats, or the licenses the purchase offer proposes' }) licenses!: number;
  @ApiProperty() minLicenses!: number;
  @ApiProperty() maxLicenses!: number;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Trial length (trial invites)' })
  trialDays?: number | null;
}

export type TrialInviteStatus = 'open' | 'revoked' | 'expired';
export type PurchaseOfferStatus = 'open' | 'withdrawn' | 'expired';

class InvitationCommon {
  @ApiProperty() partnerId!: string;
  @ApiProperty({ description: 'The custom URL (with the embedded code) to send to customers' }) url!: string;
  @ApiProperty() includeDelegatedAdmin!: boolean;
  @ApiProperty({ type: DelegatedAdminTermsView, nullable: true }) delegatedAdmin!: DelegatedAdminTerms | null;
  @ApiProperty({ nullable: true, type: String }) expiresAt!: string | null;
}

export class TrialInviteView extends InvitationCommon {
  @ApiProperty() inviteId!: string;
  @ApiProperty({ description: 'Revision of the invite stream (also the ETag)' }) revision!: number;
  @ApiProperty({ type: OfferedServiceView }) offer!: OfferedServiceView;
  @ApiProperty({ enum: ['open', 'revoked', 'expired'] }) state!: TrialInviteStatus;
}

export class PurchaseOfferView extends InvitationCommon {
  @ApiProperty() purchaseOfferId!: string;
  @ApiProperty({ description: 'Revision of the offer stream (also the ETag)' }) revision!: number;
  @ApiProperty({ type: [OfferedServiceView] }) offers!: OfferedServiceView[];
  @ApiProperty({ enum: ['open', 'withdrawn', 'expired'] }) state!: PurchaseOfferStatus;
}

/** What a code resolves to: enough for a sign-up page to show the invitation. */
export class InvitationView extends InvitationCommon {
  @ApiProperty({ enum: ['trial-invite', 'purchase-offer'] }) kind!: 'trial-invite' | 'purchase-offer';
  @ApiProperty({ description: 'inviteId or purchaseOfferId' }) id!: string;
  @ApiProperty({ description: "The advisor's company name, as customers see it" }) partnerName!: string;
  @ApiProperty({ type: [OfferedServiceView] }) offers!: OfferedServiceView[];
  @ApiProperty({ enum: ['open', 'revoked', 'withdrawn', 'expired'] }) state!: string;
}

/** A create answer: the command's answer plus the URL to send. */
export class InvitationCreatedDto extends CommandAcceptedDto {
  @ApiProperty({ example: 'https://partner-center.example/invitations/q2Vt0d3vYxW9Gk1mR7aZbA' }) url!: string;
}

/** Past its expiry counts as expired even before the scheduler records it (as the domain decides). */
const pastExpiry = (expiresAt: string | null, now: string): boolean => expiresAt !== null && expiresAt <= now;

function offered(catalog: Catalog, offerId: string, licenses: number | null): OfferedServiceView {
  const service = catalog.byId.get(offerId);
  return {
    offerId,
    // A service removed from the catalog since is still shown, by id.
    name: service?.name ?? offerId,
    licenses: licenses ?? service?.trial?.seats ?? 0,
    minLicenses: service?.minLicenses ?? 0,
    maxLicenses: service?.maxLicenses ?? 0,
    ...(licenses === null ? { trialDays: service?.trial?.days ?? null } : {}),
  };
}

export interface ViewContext {
  catalog: Catalog;
  publicBaseUrl: string;
  now: string;
}

export function toTrialInviteView(
  state: TrialInviteState,
  revision: number,
  ctx: ViewContext,
): TrialInviteView {
  return {
    inviteId: state.id,
    partnerId: state.partnerId,
    revision,
    url: invitationUrl(ctx.publicBaseUrl, state.code),
    offer: offered(ctx.catalog, state.offerId, null),
    includeDelegatedAdmin: state.delegatedAdmin !== null,
    delegatedAdmin: state.delegatedAdmin,
    expiresAt: state.expiresAt,
    state: state.revoked
      ? 'revoked'
      : state.expired || pastExpiry(state.expiresAt, ctx.now)
        ? 'expired'
        : 'open',
  };
}

export function toPurchaseOfferView(
  state: PurchaseOfferState,
  revision: number,
  ctx: ViewContext,
): PurchaseOfferView {
  return {
    purchaseOfferId: state.id,
    partnerId: state.partnerId,
    revision,
    url: invitationUrl(ctx.publicBaseUrl, state.code),
    offers: state.lines.map((line) => offered(ctx.catalog, line.offerId, line.licenses)),
    includeDelegatedAdmin: state.delegatedAdmin !== null,
    delegatedAdmin: state.delegatedAdmin,
    expiresAt: state.expiresAt,
    state: state.withdrawn
      ? 'withdrawn'
      : state.expired || pastExpiry(state.expiresAt, ctx.now)
        ? 'expired'
        : 'open',
  };
}

/** The public face of an invitation behind a code: no revision, the partner by name. */
export function toInvitationView(
  invitation: TrialInviteView | PurchaseOfferView,
  partnerName: string,
): InvitationView {
  const common = {
    partnerId: invitation.partnerId,
    partnerName,
    url: invitation.url,
    includeDelegatedAdmin: invitation.includeDelegatedAdmin,
    delegatedAdmin: invitation.delegatedAdmin,
    expiresAt: invitation.expiresAt,
    state: invitation.state,
  };
  return 'inviteId' in invitation
    ? { kind: 'trial-invite', id: invitation.inviteId, offers: [invitation.offer], ...common }
    : { kind: 'purchase-offer', id: invitation.purchaseOfferId, offers: invitation.offers, ...common };
}
