import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { DecimalInteger, IsInstant, IsPosition, Optional } from '../../platform';

/** Ids as they appear in stream names and event data (as in audit.dto). */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;
const ID_MESSAGE = 'must be 1-128 characters: letters, digits, ".", "@", "-" or "_"';
/** The filters and paging shared by the auditors' and the partner's activity lists. */
export class PartnerActivityQueryDto {
  @ApiPropertyOptional({
    description: 'Entries filed under this customer (its records, or its users acting)',
  })
  @Optional()
  @Matches(ID, { message: `customerId ${ID_MESSAGE}` })
  customerId?: string;

  @ApiPropertyOptional({ description: 'Who acted: metadata.actor.id' })
  @Optional()
  @Matches(ID, { message: `actorId ${ID_MESSAGE}` })
  actorId?: string;

  @ApiPropertyOptional({
    description: 'A command type or an event type',
    example: 'UpdateCompanyProfile',
  })
  @Optional()
  @Matches(/^[A-Za-z][A-Za-z0-9._-]{0,127}$/, { message: 'operation must be a command or event type name' })
  operation?: string;

  @ApiPropertyOptional({
    description: 'occurredAt ≥ from (YYYY-MM-DD or a UTC instant)',
    example: '2026-01-01T00:00:00Z',
  })
  @Optional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({
    description: 'occurredAt < to (YYYY-MM-DD or a UTC instant)',
    example: '2026-02-01T00:00:00Z',
  })
  @Optional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page (opaque)' })
  @Optional()
  @IsString()
  @Length(1, 1000)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @Optional()
  @DecimalInteger()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({
    description: 'A command response `position` the answer must reflect (or X-Min-Position)',
  })
  @Optional()
  @IsPosition()
  minPosition?: string;
}

export class ListActivityQueryDto extends PartnerActivityQueryDto {
  @ApiPropertyOptional({ description: 'Entries filed under this partner (its records, or its users acting)' })
  @Optional()
  @Matches(ID, { message: `partnerId ${ID_MESSAGE}` })
  partnerId?: string;
}
