import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shapes of the audit responses. The handlers return the libs/audit objects as they are. */

class ActorView {
  @ApiProperty({ enum: ['partner-user', 'customer-user', 'service', 'platform'] }) kind!: string;
  @ApiProperty() id!: string;
  @ApiPropertyOptional() partnerId?: string;
  @ApiPropertyOptional() customerId?: string;
}

class ServiceView {
  @ApiProperty({ enum: ['service'] }) kind!: string;
  @ApiProperty() id!: string;
}

class EventMetadataView {
  @ApiProperty() commandId!: string;
  @ApiProperty() commandType!: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty() causationId!: string;
  @ApiProperty({ type: ActorView, description: 'On whose behalf' }) actor!: ActorView;
  @ApiProperty({ type: ServiceView, description: 'The internal service that sent the command' })
  service!: ServiceView;
  @ApiProperty({ description: 'Business time (ISO-8601)' }) occurredAt!: string;
  @ApiProperty() schemaVersion!: number;
  @ApiProperty({ description: 'Hash of the previous event of the stream (64 zeros for the first)' })
  prevHash!: string;
  @ApiProperty({ description: 'SHA-256 of canonical JSON of {type, data, metadata without hash}' })
  hash!: string;
}

export class AuditEventView {
  @ApiProperty() id!: string;
  @ApiProperty() type!: string;
  @ApiProperty() streamName!: string;
  @ApiProperty() revision!: number;
  @ApiProperty({ description: 'Global position (opaque; fixed-width, compare as strings)' })
  position!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
  @ApiProperty({ type: EventMetadataView }) metadata!: EventMetadataView;
  @ApiProperty({ description: 'Commit time (store clock)' }) recordedAt!: string;
}

export class StreamPageView {
  @ApiProperty() streamName!: string;
  @ApiProperty({ enum: ['forwards', 'backwards'] }) direction!: string;
  @ApiProperty({ type: [AuditEventView] }) events!: AuditEventView[];
  @ApiProperty({ type: Number, nullable: true, description: 'fromRevision of the next page; null: no more' })
  nextRevision!: number | null;
}

export class EventPageView {
  @ApiProperty({ type: [AuditEventView] }) events!: AuditEventView[];
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'fromPosition of the next page; null when the log was read to its end. A page may be short (the scan is bounded) yet have a next one.',
  })
  nextPosition!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Last position examined: resume here later to see new events',
  })
  scannedUpTo!: string | null;
  @ApiProperty({ description: 'Events examined for this page' }) scanned!: number;
}

export class AggregateAsOfView {
  @ApiProperty() streamName!: string;
  @ApiProperty({ example: 'partner' }) aggregateType!: string;
  @ApiProperty({ description: 'The state reflects events 0..revision' }) revision!: number;
  @ApiProperty() headRevision!: number;
  @ApiProperty({ type: String, nullable: true }) occurredAt!: string | null;
  @ApiProperty() eventId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The aggregate's folded state" })
  state!: Record<string, unknown>;
}

class ChainBreakView {
  @ApiProperty() stream!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() eventId!: string;
  @ApiProperty() position!: string;
  @ApiProperty({ enum: ['hash-mismatch', 'chain-broken', 'missing-hash'] }) kind!: string;
  @ApiProperty() expected!: string;
  @ApiProperty({ type: String, nullable: true }) found!: string | null;
  @ApiProperty() detail!: string;
}

export class VerifyReportView {
  @ApiProperty() ok!: boolean;
  @ApiProperty() eventsChecked!: number;
  @ApiProperty() streamsChecked!: number;
  @ApiProperty({ type: [ChainBreakView] }) breaks!: ChainBreakView[];
  @ApiProperty({ type: String, nullable: true, description: 'The report covers the log up to here' })
  checkedUpTo!: string | null;
  @ApiProperty({
    description:
      "For one partner: breaks in streams outside its scope that could still be its own (any but another partner's partner-{id} stream; an edit may have removed the id that tied it to the partner). They make ok false; listed only by a verify of the whole log. 0 for the whole log.",
  })
  breaksOutsideScope!: number;
}

class ManifestStreamView {
  @ApiProperty() count!: number;
  @ApiProperty() headRevision!: number;
  @ApiProperty({ type: String, nullable: true }) headHash!: string | null;
}

class ManifestFilterView {
  @ApiPropertyOptional() partnerId?: string;
}

export class ExportManifestView {
  @ApiProperty({ example: 1 }) formatVersion!: number;
  @ApiProperty() exportedAt!: string;
  @ApiProperty({ type: String, nullable: true }) exportPosition!: string | null;
  @ApiProperty({ type: ManifestFilterView }) filter!: ManifestFilterView;
  @ApiProperty() eventCount!: number;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/ManifestStreamView' } })
  streams!: Record<string, ManifestStreamView>;
  @ApiProperty({ description: 'SHA-256 (hex) of the NDJSON bytes' }) ndjsonSha256!: string;
}

/** Registered with ApiExtraModels so the $ref above resolves. */
export const AUDIT_EXTRA_MODELS = [ManifestStreamView];
