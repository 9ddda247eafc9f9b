import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { ClientPageView } from '../../read-models/views/client.view';
import { PartnerOverviewView } from '../../read-models/views/partner-overview.view';

export class EventRefView {
  @ApiProperty() position!: string;
  @ApiProperty() id!: string;
  @ApiProperty() type!: string;
  @ApiProperty() streamName!: string;
  @ApiProperty() revision!: number;
  @ApiProperty({ type: String, nullable: true }) commandType!: string | null;
  @ApiProperty({ type: String, nullable: true }) occurredAt!: string | null;
}

export class ReadModelAsOfView {
  @ApiProperty({ enum: ['partner-overview', 'client-list'] }) readModel!: string;
  @ApiProperty() partnerId!: string;
  @ApiProperty({ description: 'The position asked for' }) position!: string;
  @ApiProperty({
    type: EventRefView,
    nullable: true,
    description: 'The last event at or before the position: what the view reflects',
  })
  reflects!: EventRefView | null;
  @ApiProperty({ description: 'Events replayed into the scratch store' }) eventsReplayed!: number;
  @ApiProperty({
    oneOf: [{ $ref: getSchemaPath(PartnerOverviewView) }, { $ref: getSchemaPath(ClientPageView) }],
    description: 'Exactly what getPartnerOverview / listClients answered at that position',
  })
  view!: PartnerOverviewView | ClientPageView;
}

class RowDifferenceView {
  @ApiProperty({ enum: ['changed', 'missing-in-live', 'extra-in-live'] }) kind!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Primary-key values' })
  key!: Record<string, unknown>;
  @ApiProperty({ type: [String], description: 'Columns whose values differ (changed rows)' })
  columns!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) live!: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) rebuilt!: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: [EventRefView], description: 'The last events whose changes touched the key' })
  events!: EventRefView[];
  @ApiProperty({ description: 'Events that touched the key in all' }) eventCount!: number;
}

class TableDifferenceView {
  @ApiProperty() table!: string;
  @ApiProperty() missingInLive!: number;
  @ApiProperty() extraInLive!: number;
  @ApiProperty() changed!: number;
  @ApiProperty({ type: [String] }) exampleKeys!: string[];
  @ApiProperty({ type: [RowDifferenceView], description: 'The first differing rows, in key order' })
  rows!: RowDifferenceView[];
}

class ProjectionReplayView {
  @ApiProperty() projection!: string;
  @ApiProperty({ enum: ['identical', 'different', 'not-built', 'unstable'] }) status!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The live checkpoint the replay went up to' })
  position!: string | null;
  @ApiProperty() eventsReplayed!: number;
  @ApiProperty({ type: [TableDifferenceView] }) differences!: TableDifferenceView[];
}

export class ReplayCheckReportView {
  @ApiProperty({ description: 'Every projection identical to its replay' }) ok!: boolean;
  @ApiProperty({ type: [ProjectionReplayView] }) projections!: ProjectionReplayView[];
}

/** Registered with ApiExtraModels so the oneOf $refs resolve. */
export const READ_MODEL_AUDIT_EXTRA_MODELS = [PartnerOverviewView, ClientPageView];
