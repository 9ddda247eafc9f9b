import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ProjectionLagView {
  @ApiProperty() events!: number;
  @ApiProperty({ description: 'True when more events are pending than were counted' }) eventsCapped!: boolean;
  @ApiProperty() seconds!: number;
}

export class ProjectionErrorView {
  @ApiProperty() eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty() position!: string;
  @ApiProperty() message!: string;
  @ApiProperty() at!: string;
}

export class ProjectionRebuildView {
  @ApiProperty() generation!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) position!: string | null;
  @ApiPropertyOptional({
    type: ProjectionErrorView,
    nullable: true,
    description:
      'The event the rebuild stopped on; the live generation keeps serving. Another rebuild request starts it over',
  })
  error!: ProjectionErrorView | null;
}

export class ProjectionStatusView {
  @ApiProperty({ example: 'client_list' }) name!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: ['catching-up', 'running', 'stopped-on-error', 'rebuilding', 'stopped', 'standby'] })
  state!: string;
  @ApiProperty({ description: 'This process holds the lease and runs it' }) ownedHere!: boolean;
  @ApiPropertyOptional({ type: Number, nullable: true }) generation!: number | null;
  @ApiPropertyOptional({ type: String, nullable: true }) position!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) head!: string | null;
  @ApiProperty({ type: ProjectionLagView }) lag!: ProjectionLagView;
  @ApiPropertyOptional({ type: ProjectionErrorView, nullable: true }) error!: ProjectionErrorView | null;
  @ApiPropertyOptional({
    type: ProjectionRebuildView,
    nullable: true,
    description: 'A rebuild in progress (or stopped on an error) beside the live generation',
  })
  rebuild!: ProjectionRebuildView | null;
}

export class ProjectionStatusListView {
  @ApiProperty({ type: [ProjectionStatusView] }) projections!: ProjectionStatusView[];
  @ApiProperty({ description: 'True when this API process runs the projections (PROJECTIONS_IN_PROCESS)' })
  inProcess!: boolean;
  @ApiPropertyOptional({
    enum: ['main', 'worker'],
    nullable: true,
    description: 'The thread this process runs them on (PROJECTIONS_THREAD); null when it does not run them',
  })
  thread!: 'main' | 'worker' | null;
}

export class RebuildAcceptedView {
  @ApiProperty() projection!: string;
  @ApiProperty({ example: 'rebuilding' }) state!: string;
}
