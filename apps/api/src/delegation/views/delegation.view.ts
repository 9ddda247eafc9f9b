import { ApiProperty } from '@nestjs/swagger';
import {
  CUSTOMER_ACCESS_LEVELS,
  type CustomerState,
  type Delegation,
  effectiveStatus,
  isInForce,
} from '@pc/domain';

const STATUSES = ['pending', 'active', 'declined', 'offer-expired', 'removed', 'ended'];

class DelegationViaView {
  @ApiProperty({ enum: ['direct', 'product-key', 'trial-invite', 'purchase-offer'] }) kind!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The invitation's id, or the product key's hash; null for a direct offer",
  })
  id!: string | null;
}

export class DelegationView {
  @ApiProperty() delegationId!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() partnerId!: string;
  @ApiProperty({ description: 'Revision of the customer stream (also the ETag)' }) revision!: number;
  @ApiProperty({ enum: CUSTOMER_ACCESS_LEVELS }) access!: string;
  @ApiProperty() durationDays!: number;
  @ApiProperty() autoExtend!: boolean;
  @ApiProperty({ enum: STATUSES, description: 'As recorded' }) status!: string;
  @ApiProperty({
    enum: STATUSES,
    description: 'As of now: an offer past its 90 days is offer-expired before the scheduler records it',
  })
  effectiveStatus!: string;
  @ApiProperty({ description: 'Accepted and not yet at its end: the partner may act for the customer' })
  inForce!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Null when accepted with an invitation' })
  offeredAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) offerExpiresAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Set at acceptance' }) startsAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Set at acceptance; moved by auto-extension' })
  endsAt!: string | null;
  @ApiProperty({ type: [Number], description: 'End reminders sent for the current end (days before it)' })
  remindersSent!: number[];
  @ApiProperty({ type: DelegationViaView }) via!: DelegationViaView;
}

export function toDelegationView(
  state: CustomerState,
  d: Delegation,
  revision: number,
  now: string,
): DelegationView {
  return {
    delegationId: d.id,
    customerId: state.id,
    partnerId: d.partnerId,
    revision,
    access: d.access,
    durationDays: d.durationDays,
    autoExtend: d.autoExtend,
    status: d.status,
    effectiveStatus: effectiveStatus(d, now) ?? d.status,
    inForce: isInForce(d, now),
    offeredAt: d.offeredAt,
    offerExpiresAt: d.offerExpiresAt,
    startsAt: d.startsAt,
    endsAt: d.endsAt,
    remindersSent: [...d.notices],
    via: { kind: d.via.kind, id: d.via.id },
  };
}
