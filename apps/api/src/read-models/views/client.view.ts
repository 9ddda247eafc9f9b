import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ClientSubscriptionView {
  @ApiProperty() subscriptionId!: string;
  @ApiProperty() offerId!: string;
  @ApiProperty({ enum: ['trial', 'paid'] }) kind!: string;
  @ApiProperty({ enum: ['active', 'suspended', 'cancelled', 'expired'] }) status!: string;
  @ApiProperty({ description: 'Licenses (paid) or seats (trial)' }) licenses!: number;
  @ApiProperty() endsAt!: string;
}

export class RelationshipView {
  @ApiProperty() advisor!: boolean;
  @ApiProperty({ description: 'This partner is the Partner of Record' }) partnerOfRecord!: boolean;
  @ApiProperty({ enum: ['none', 'offered', 'active'] }) delegation!: string;
  @ApiPropertyOptional({ type: String, nullable: true, enum: ['full', 'limited'] }) delegationAccess!:
    string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) delegationEndsAt!: string | null;
}

export class SubscriptionSummaryView {
  @ApiProperty({ description: 'Live (active or suspended) subscriptions, trials included' }) count!: number;
  @ApiProperty({ description: 'Licenses of live paid subscriptions' }) licenses!: number;
  @ApiProperty() trials!: number;
  @ApiProperty({ type: [String], description: 'End dates of the live trials, soonest first' })
  trialEnds!: string[];
}

export class ClientView {
  @ApiProperty() customerId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() primaryDomain!: string;
  @ApiProperty({ type: RelationshipView }) relationship!: RelationshipView;
  @ApiProperty({ type: SubscriptionSummaryView }) subscriptions!: SubscriptionSummaryView;
  @ApiProperty() lastChange!: string;
}

export class ClientDetailView extends ClientView {
  @ApiProperty({ type: [ClientSubscriptionView], description: 'Every subscription, ended ones included' })
  subscriptionList!: ClientSubscriptionView[];
}

export class ClientPageView {
  @ApiProperty({ type: [ClientView] }) items!: ClientView[];
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Opaque; absent on the last page' })
  nextCursor!: string | null;
}
