import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { InvitationReader } from '../invitation-reader';
import type { InvitationView, PurchaseOfferView, TrialInviteView } from '../views/invitation.view';

/** A partner's trial invite, folded from its stream (an aggregate read, not a projection). */
export class GetTrialInviteQuery extends Query<TrialInviteView> {
  constructor(
    readonly partnerId: string,
    readonly inviteId: string,
  ) {
    super();
  }
}

export class GetPurchaseOfferQuery extends Query<PurchaseOfferView> {
  constructor(
    readonly partnerId: string,
    readonly purchaseOfferId: string,
  ) {
    super();
  }
}

/** The invitation behind a URL's code. */
export class ResolveInvitationCodeQuery extends Query<InvitationView> {
  constructor(readonly code: string) {
    super();
  }
}

@QueryHandler(GetTrialInviteQuery)
export class GetTrialInviteHandler implements IQueryHandler<GetTrialInviteQuery, TrialInviteView> {
  constructor(private readonly invitations: InvitationReader) {}

  execute({ partnerId, inviteId }: GetTrialInviteQuery): Promise<TrialInviteView> {
    return this.invitations.trialInvite(partnerId, inviteId);
  }
}

@QueryHandler(GetPurchaseOfferQuery)
export class GetPurchaseOfferHandler implements IQueryHandler<GetPurchaseOfferQuery, PurchaseOfferView> {
  constructor(private readonly invitations: InvitationReader) {}

  execute({ partnerId, purchaseOfferId }: GetPurchaseOfferQuery): Promise<PurchaseOfferView> {
    return this.invitations.purchaseOffer(partnerId, purchaseOfferId);
  }
}

@QueryHandler(ResolveInvitationCodeQuery)
export class ResolveInvitationCodeHandler implements IQueryHandler<
  ResolveInvitationCodeQuery,
  InvitationView
> {
  constructor(private readonly invitations: InvitationReader) {}

  execute({ code }: ResolveInvitationCodeQuery): Promise<InvitationView> {
    return this.invitations.invitation(code);
  }
}
