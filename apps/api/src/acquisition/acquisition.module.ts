import { Module } from '@nestjs/common';
import { CustomerReader } from './customer-reader';
import { CustomersController } from './customers.controller';
import { InvitationReader } from './invitation-reader';
import { InvitationsController } from './invitations.controller';
import { PurchaseOffersController } from './purchase-offers.controller';
import { GetCustomerHandler, GetSubscriptionHandler } from './queries/customer.queries';
import {
  GetPurchaseOfferHandler,
  GetTrialInviteHandler,
  ResolveInvitationCodeHandler,
} from './queries/invitation.queries';
import { SubscriptionsController } from './subscriptions.controller';
import { TrialInvitesController } from './trial-invites.controller';

/** Customer acquisition over HTTP: trial invites, purchase offers, invitation URLs, customers, subscriptions. */
@Module({
  controllers: [
    TrialInvitesController,
    PurchaseOffersController,
    InvitationsController,
    CustomersController,
    SubscriptionsController,
  ],
  providers: [
    InvitationReader,
    CustomerReader,
    GetTrialInviteHandler,
    GetPurchaseOfferHandler,
    ResolveInvitationCodeHandler,
    GetCustomerHandler,
    GetSubscriptionHandler,
  ],
})
export class AcquisitionModule {}
