import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NOTIFICATION_KIND_VALUES } from '@pc/read-models';

export class PorNotificationView {
  @ApiProperty({ description: 'Pass to markPorNotificationsRead' }) notificationId!: string;
  @ApiProperty({ description: 'Global position of the change' }) position!: string;
  @ApiProperty({ enum: NOTIFICATION_KIND_VALUES }) kind!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() customerName!: string;
  @ApiProperty() subscriptionId!: string;
  @ApiProperty() offerId!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What changed: { field: { from, to } }',
    example: { licenses: { from: 40, to: 50 } },
  })
  changes!: Record<string, { from: unknown; to: unknown }>;
  @ApiProperty() occurredAt!: string;
  @ApiProperty() read!: boolean;
}

export class PorNotificationPageView {
  @ApiProperty({ type: [PorNotificationView] }) items!: PorNotificationView[];
  @ApiProperty({ description: 'Unread notifications in the whole inbox' }) unread!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) nextCursor!: string | null;
}
