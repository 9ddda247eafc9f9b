import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AuthorizationPeriodView {
  @ApiProperty() from!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Exclusive; null while open' }) until!:
    string | null;
}

export class AuthorizationView {
  @ApiProperty({ example: 'advisor' }) authorization!: string;
  @ApiProperty({ description: 'Held now (by the service clock)' }) active!: boolean;
  @ApiProperty({ type: [AuthorizationPeriodView] }) periods!: AuthorizationPeriodView[];
}

export class UserCountsView {
  @ApiProperty() total!: number;
  @ApiProperty() active!: number;
  @ApiProperty() inactive!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Active users by own-company role',
    example: { 'global-admin': 1 },
  })
  byCompanyRole!: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Active users by access to supported companies',
    example: { full: 1, limited: 0 },
  })
  byCustomerAccess!: Record<string, number>;
}

export class ClientCountsView {
  @ApiProperty() total!: number;
  @ApiProperty() withActiveDelegation!: number;
  @ApiProperty({ description: 'Clients whose Partner of Record this partner is' }) partnerOfRecord!: number;
}

export class TrialCountsView {
  @ApiProperty({ description: 'Live trials whose end is still to come (judged at the time of the query)' })
  active!: number;
  @ApiProperty({ description: 'Live trials ending after now and within 7 days of now' })
  endingWithin7Days!: number;
}

export class InvitationCountsView {
  @ApiProperty() open!: number;
  @ApiProperty({ description: 'Revoked, withdrawn or expired' }) closed!: number;
  @ApiProperty({
    description: 'Redemptions (trial invites) or acceptances (purchase offers), one per customer',
  })
  takeUps!: number;
}

export class PartnerOverviewView {
  @ApiProperty() partnerId!: string;
  @ApiProperty() legalName!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) profile!: Record<string, unknown>;
  @ApiProperty({ enum: ['pending', 'verified', 'rejected'] }) verification!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) rejectionReason!: string | null;
  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description:
      'While a re-verification is pending: every profile field that asked for one since the last verification (a rejection verifies nothing); null otherwise, and while the profile was never verified',
  })
  reverifyFields!: string[] | null;
  @ApiProperty({ type: [AuthorizationView] }) authorizations!: AuthorizationView[];
  @ApiProperty({ type: UserCountsView }) users!: UserCountsView;
  @ApiProperty({ type: ClientCountsView }) clients!: ClientCountsView;
  @ApiProperty({ type: TrialCountsView }) trials!: TrialCountsView;
  @ApiProperty({ type: InvitationCountsView }) trialInvites!: InvitationCountsView;
  @ApiProperty({ type: InvitationCountsView }) purchaseOffers!: InvitationCountsView;
  @ApiProperty({ description: 'Live subscriptions of its clients (trials included) and their paid licenses' })
  subscriptions!: { count: number; licenses: number };
  @ApiProperty() unreadPorNotifications!: number;
  @ApiProperty() registeredAt!: string;
  @ApiProperty({ description: 'Latest business time of any event naming the partner' })
  lastActivityAt!: string;
  @ApiProperty({ description: 'The clock instant "active" and "within 7 days" were evaluated at' })
  asOf!: string;
}
