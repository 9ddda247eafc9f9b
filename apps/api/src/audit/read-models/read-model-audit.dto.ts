import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import {
  CLIENT_SORTS,
  type ClientSort,
  RELATIONSHIPS,
  type Relationship,
} from '../../read-models/dto/read-model.dto';
import { DecimalInteger, IsInstant, IsPosition, Optional } from '../../platform';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;

export class ReadModelAsOfQueryDto {
  @ApiProperty({ description: 'Global position (inclusive): e.g. a command response `position`' })
  @IsPosition()
  position!: string;

  @ApiProperty({ example: 'contoso' })
  @Matches(ID, { message: 'partnerId must be 1-128 characters: letters, digits, ".", "@", "-" or "_"' })
  partnerId!: string;

  @ApiPropertyOptional({
    description:
      'partner-overview: the instant "active" and "ending within 7 days" are evaluated at. Default: the business time of the last event at or before the position.',
  })
  @Optional()
  @IsInstant()
  at?: string;

  @ApiPropertyOptional({ enum: CLIENT_SORTS, description: 'client-list: as the live query' })
  @Optional()
  @IsIn(CLIENT_SORTS)
  sort?: ClientSort;

  @ApiPropertyOptional({ enum: RELATIONSHIPS, description: 'client-list: as the live query' })
  @Optional()
  @IsIn(RELATIONSHIPS)
  relationship?: Relationship;

  @ApiPropertyOptional({ description: 'client-list: nextCursor of the previous as-of page' })
  @Optional()
  @IsString()
  @Length(1, 1000)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, description: 'client-list' })
  @Optional()
  @DecimalInteger()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class ReplayCheckQueryDto {
  @ApiPropertyOptional({ description: 'Only this projection (default: every one)', example: 'client_list' })
  @Optional()
  @Matches(/^[a-z][a-z0-9_]{0,23}$/, { message: 'projection must be a projection name' })
  projection?: string;
}
