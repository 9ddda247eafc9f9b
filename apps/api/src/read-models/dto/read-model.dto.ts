import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { MAX_NOTIFICATION_IDS, NOTIFICATION_KIND_VALUES } from '@pc/read-models';
import { CommandBodyDto, DecimalInteger, IsPosition, Optional } from '../../platform';

export const RELATIONSHIPS = ['advisor', 'por', 'delegated', 'delegation-offered'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];
export const CLIENT_SORTS = ['name', 'lastChange'] as const;
export type ClientSort = (typeof CLIENT_SORTS)[number];
export const SEARCH_MODES = ['contains', 'prefix'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** Every read-model query may name the position it must reflect (read-your-writes). */
class ReadQueryDto {
  @ApiPropertyOptional({
    description: 'A command response `position` the answer must reflect (or X-Min-Position)',
  })
  @Optional()
  @IsPosition()
  minPosition?: string;

  @ApiPropertyOptional({ description: 'From the previous page (opaque)' })
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
}

export class ListClientsQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({
    description:
      'Name or primary domain, case-insensitive: both are lower-cased and put in Unicode NFC, then compared exactly (accents count). No control characters.',
    maxLength: 100,
  })
  @Optional()
  @IsString()
  @Length(1, 100)
  // A NUL ended the FTS5 phrase early ("unterminated string"); no name or domain holds control characters.
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'search must not contain control characters' })
  search?: string;

  @ApiPropertyOptional({
    enum: SEARCH_MODES,
    default: 'contains',
    description: 'Substring (default) or prefix match',
  })
  @Optional()
  @IsIn(SEARCH_MODES)
  match?: SearchMode;

  @ApiPropertyOptional({ enum: RELATIONSHIPS })
  @Optional()
  @IsIn(RELATIONSHIPS)
  relationship?: Relationship;

  @ApiPropertyOptional({
    enum: CLIENT_SORTS,
    default: 'name',
    description: 'name ascending, or lastChange newest first',
  })
  @Optional()
  @IsIn(CLIENT_SORTS)
  sort?: ClientSort;
}

export class ListPorNotificationsQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ description: 'true: unread only; false: read only' })
  @Optional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  unread?: boolean;

  @ApiPropertyOptional({ enum: NOTIFICATION_KIND_VALUES })
  @Optional()
  @IsIn(NOTIFICATION_KIND_VALUES)
  kind?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @Length(1, 100)
  customerId?: string;
}

export class MarkPorNotificationsReadDto extends CommandBodyDto {
  @ApiPropertyOptional({ type: [String], maxItems: MAX_NOTIFICATION_IDS })
  @Optional()
  @IsString({ each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_NOTIFICATION_IDS)
  notificationIds?: string[];

  @ApiPropertyOptional({ description: 'Mark every notification at or before this position' })
  @Optional()
  @IsPosition()
  upToPosition?: string;

  @ApiPropertyOptional({ description: 'Mark every notification there is now' })
  @Optional()
  @IsBoolean()
  all?: boolean;
}
