import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import {
  MAX_DESCRIPTION,
  MAX_TITLE,
  SERVICE_REQUEST_SEVERITIES,
  type ServiceRequestSeverity,
} from '@pc/domain';
import { CommandBodyDto, Optional } from '../platform';
import { ID_PATTERN } from '../partners/partner.dto';

export class CreateServiceRequestDto extends CommandBodyDto {
  @ApiPropertyOptional({ description: 'Chosen by the caller, or generated' })
  @Optional()
  @Matches(ID_PATTERN, { message: 'serviceRequestId must be 1-64 letters, digits, "-" or "_"' })
  serviceRequestId?: string;
  @ApiProperty({ example: 'Mail stopped syncing on phones', maxLength: MAX_TITLE })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_TITLE)
  title!: string;
  @ApiProperty({ example: 'Since this morning no phone receives new mail.', maxLength: MAX_DESCRIPTION })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_DESCRIPTION)
  description!: string;
  @ApiProperty({ enum: SERVICE_REQUEST_SEVERITIES })
  @IsIn(SERVICE_REQUEST_SEVERITIES)
  severity!: ServiceRequestSeverity;
}

/** Only the fields sent change; sending the current value changes nothing (200, no event). */
export class UpdateServiceRequestDto extends CommandBodyDto {
  @ApiPropertyOptional({ maxLength: MAX_TITLE })
  @Optional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_TITLE)
  title?: string;
  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION })
  @Optional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_DESCRIPTION)
  description?: string;
  @ApiPropertyOptional({ enum: SERVICE_REQUEST_SEVERITIES })
  @Optional()
  @IsIn(SERVICE_REQUEST_SEVERITIES)
  severity?: ServiceRequestSeverity;
}

export class CloseServiceRequestDto extends CommandBodyDto {
  @ApiPropertyOptional({ example: 'Re-created the mobile device policy.', maxLength: MAX_DESCRIPTION })
  @Optional()
  @IsString()
  @MaxLength(MAX_DESCRIPTION)
  resolution?: string;
}
