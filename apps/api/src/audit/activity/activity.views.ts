import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ActivityActorView {
  @ApiProperty({ enum: ['partner-user', 'customer-user', 'service', 'platform'] }) kind!: string;
  @ApiProperty() id!: string;
  @ApiPropertyOptional() partnerId?: string;
  @ApiPropertyOptional() customerId?: string;
}

export class TenantRefView {
  @ApiProperty({ enum: ['partner', 'customer'] }) kind!: string;
  @ApiProperty() id!: string;
}

export class ResourceRefView {
  @ApiProperty({ description: 'From the stream name prefix', example: 'trial-invite' }) type!: string;
  @ApiProperty({ example: 'inv-1' }) id!: string;
}

export class ActivityEntryView {
  @ApiProperty({ description: 'Global position of the event (opaque; the newest-first order)' })
  position!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty({ example: 'CompanyProfileUpdated' }) eventType!: string;
  @ApiProperty({ type: String, nullable: true, example: 'UpdateCompanyProfile' }) commandType!: string | null;
  @ApiProperty({ type: String, nullable: true }) commandId!: string | null;
  @ApiProperty({ type: String, nullable: true }) correlationId!: string | null;
  @ApiProperty({ type: String, nullable: true }) causationId!: string | null;
  @ApiProperty({ type: ActivityActorView, nullable: true, description: 'Who acted' })
  actor!: ActivityActorView | null;
  @ApiProperty({ type: String, nullable: true, description: 'The internal service that sent the command' })
  service!: string | null;
  @ApiProperty({
    type: TenantRefView,
    nullable: true,
    description:
      "The tenant the actor acted for: a customer user's customer; a partner user's partner, or the customer whose records it changed (delegated administration); null for platform and services",
  })
  onBehalfOf!: TenantRefView | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "Partner the entry is filed under: the acting user's partner, else the one the event names",
  })
  partnerId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "A second partner the entry concerns, also filed under it: the partner named in the event when another partner's user acted (e.g. a delegated admin changing a subscription the first one sold)",
  })
  otherPartnerId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Customer the entry is filed under' })
  customerId!: string | null;
  @ApiProperty({ type: ResourceRefView }) resource!: ResourceRefView;
  @ApiProperty() streamName!: string;
  @ApiProperty() revision!: number;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: { type: 'object', properties: { from: {}, to: {} } },
    description: 'Old → new values, where the event carries them',
    example: { phone: { from: '+421 2 1234 5678', to: '+421 900 111 222' } },
  })
  changes!: Record<string, { from: unknown; to: unknown }> | null;
  @ApiProperty({ description: 'Business time (ISO-8601)' }) occurredAt!: string;
  @ApiProperty({ description: 'Commit time (store clock)' }) recordedAt!: string;
}

export class ActivityPageView {
  @ApiProperty({ type: [ActivityEntryView], description: 'Newest first' }) items!: ActivityEntryView[];
  @ApiProperty({ type: String, nullable: true, description: 'Opaque; null on the last page' })
  nextCursor!: string | null;
}
