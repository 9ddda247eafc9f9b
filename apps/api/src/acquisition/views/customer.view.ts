import { ApiProperty } from '@nestjs/swagger';
import type { Catalog, CustomerState, Subscription } from '@pc/domain';

class AdminContactView {
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
}

class CustomerUserView {
  @ApiProperty() userId!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: ['global-admin', 'user'] }) role!: string;
  @ApiProperty() active!: boolean;
}

export class SubscriptionView {
  @ApiProperty() subscriptionId!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ description: 'Revision of the customer stream (also the ETag)' }) revision!: number;
  @ApiProperty() offerId!: string;
  @ApiProperty() offerName!: string;
  @ApiProperty({ enum: ['trial', 'paid'] }) kind!: string;
  @ApiProperty({ enum: ['active', 'suspended', 'cancelled', 'expired'] }) status!: string;
  @ApiProperty({ nullable: true, type: String, enum: ['customer', 'platform'] }) suspendedBy!: string | null;
  @ApiProperty({ description: 'Trial seats, or paid licenses' }) licenses!: number;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ description: 'End of the trial, or of the current paid term' }) endsAt!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The advisor it came through' })
  partnerId!: string | null;
  @ApiProperty({ type: [Number], description: 'Trial expiry notices sent (days before the end)' })
  noticesSent!: number[];
}

export class CustomerView {
  @ApiProperty() customerId!: string;
  @ApiProperty({ description: 'Revision of the customer stream (also the ETag)' }) revision!: number;
  @ApiProperty() companyName!: string;
  @ApiProperty() primaryDomain!: string;
  @ApiProperty() country!: string;
  @ApiProperty({ type: AdminContactView, nullable: true }) adminContact!: AdminContactView | null;
  @ApiProperty({ type: [CustomerUserView] }) users!: CustomerUserView[];
  @ApiProperty({ type: [String], description: 'Partners that are advisors of this customer' })
  advisors!: string[];
  @ApiProperty({ nullable: true, type: String }) partnerOfRecord!: string | null;
  @ApiProperty({ type: [SubscriptionView] }) subscriptions!: SubscriptionView[];
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function toSubscriptionView(
  state: CustomerState,
  s: Subscription,
  revision: number,
  catalog: Catalog,
): SubscriptionView {
  return {
    subscriptionId: s.id,
    customerId: state.id,
    revision,
    offerId: s.offerId,
    offerName: catalog.byId.get(s.offerId)?.name ?? s.offerId,
    kind: s.kind,
    status: s.status,
    suspendedBy: s.suspendedBy,
    licenses: s.licenses,
    startedAt: s.startedAt,
    endsAt: s.endsAt,
    partnerId: s.partnerId,
    noticesSent: [...s.notices],
  };
}

export function toCustomerView(state: CustomerState, revision: number, catalog: Catalog): CustomerView {
  return {
    customerId: state.id,
    revision,
    companyName: state.companyName,
    primaryDomain: state.primaryDomain,
    country: state.country,
    adminContact: state.adminContact,
    users: Object.values(state.users)
      .sort(byId)
      .map((u) => ({
        userId: u.id,
        email: u.email,
        displayName: u.displayName,
        role: u.role,
        active: u.active,
      })),
    advisors: [...state.advisors],
    partnerOfRecord: state.partnerOfRecord,
    subscriptions: Object.values(state.subscriptions)
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : byId(a, b)))
      .map((s) => toSubscriptionView(state, s, revision, catalog)),
  };
}
