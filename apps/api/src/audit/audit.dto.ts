import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, Matches, Max, Min } from 'class-validator';
import { DecimalInteger, IsInstant, IsPosition, Optional } from '../platform';

const DIRECTIONS = ['forwards', 'backwards'] as const;
export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;
/** Ids as they appear in stream names and event data (see partner.dto's ID_PATTERN, a little wider). */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;
const ID_MESSAGE = 'must be 1-128 characters: letters, digits, ".", "@", "-" or "_"';

class PageQuery {
  @ApiPropertyOptional({ enum: DIRECTIONS, default: 'forwards' })
  @Optional()
  @IsIn(DIRECTIONS)
  direction?: (typeof DIRECTIONS)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE })
  @Optional()
  @DecimalInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  maxCount?: number;
}

export class ReadStreamQueryDto extends PageQuery {
  @ApiPropertyOptional({
    minimum: 0,
    description:
      'Inclusive. Default: the first revision forwards, the last one backwards. Pass nextRevision to page.',
  })
  @Optional()
  @DecimalInteger()
  @IsInt()
  @Min(0)
  fromRevision?: number;
}

export class ReadAllQueryDto extends PageQuery {
  @ApiPropertyOptional({
    description:
      'Exclusive: the page starts after (forwards) / before (backwards) it. Pass nextPosition to page.',
  })
  @Optional()
  @IsPosition()
  fromPosition?: string;

  @ApiPropertyOptional({
    description: 'Events of partner-{id}, or whose data.partnerId or actor.partnerId is the id',
  })
  @Optional()
  @Matches(ID, { message: `partnerId ${ID_MESSAGE}` })
  partnerId?: string;

  @ApiPropertyOptional({
    description: 'Events of customer-{id}, or whose data.customerId or actor.customerId is the id',
  })
  @Optional()
  @Matches(ID, { message: `customerId ${ID_MESSAGE}` })
  customerId?: string;

  @ApiPropertyOptional({ description: 'Exact event type', example: 'PartnerRegistered' })
  @Optional()
  @Matches(/^[A-Za-z][A-Za-z0-9._-]{0,127}$/, { message: 'eventType must be an event type name' })
  eventType?: string;

  @ApiPropertyOptional({ description: 'metadata.actor.id' })
  @Optional()
  @Matches(ID, { message: `actorId ${ID_MESSAGE}` })
  actorId?: string;

  @ApiPropertyOptional({
    description: 'metadata.occurredAt ≥ from (YYYY-MM-DD or a UTC instant)',
    example: '2026-01-01T00:00:00Z',
  })
  @Optional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({
    description: 'metadata.occurredAt < to (YYYY-MM-DD or a UTC instant)',
    example: '2026-02-01T00:00:00Z',
  })
  @Optional()
  @IsInstant()
  to?: string;
}

export class AsOfQueryDto {
  @ApiPropertyOptional({
    minimum: 0,
    description: 'Fold up to and including this revision. Give revision or at.',
  })
  @Optional()
  @DecimalInteger()
  @IsInt()
  @Min(0)
  revision?: number;

  @ApiPropertyOptional({
    description:
      'Fold up to the last event whose metadata.occurredAt ≤ at (YYYY-MM-DD or a UTC instant). Give revision or at.',
    example: '2026-03-01T00:00:00Z',
  })
  @Optional()
  @IsInstant()
  at?: string;
}

export class PartnerScopeDto {
  @ApiPropertyOptional({
    description: "Only the partner's streams: partner-{id} and every stream with an event carrying the id",
  })
  @Optional()
  @Matches(ID, { message: `partnerId ${ID_MESSAGE}` })
  partnerId?: string;
}

export class ExportQueryDto extends PartnerScopeDto {
  @ApiPropertyOptional({
    description:
      'Inclusive bound. Default: the head when the request starts (sent back as X-Export-Position). ' +
      "Pass the manifest's exportPosition to get exactly the events it describes.",
  })
  @Optional()
  @IsPosition()
  upToPosition?: string;
}
