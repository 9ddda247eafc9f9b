import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';
import { CUSTOMER_ACCESS_LEVELS, type CustomerAccess, MAX_DELEGATION_DAYS } from '@pc/domain';
import { CommandBodyDto, IsInstant, NestedObjects, Optional } from '../../platform';
import { ID_PATTERN } from '../../partners/partner.dto';

const ID_MESSAGE = 'must be 1-64 characters: letters, digits, "-" or "_", starting with a letter or digit';
const OFFER_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The delegated-admin option's terms. Bounds and combinations (no auto-extension of full access) are domain rules (422). */
export class DelegationTermsDto {
  @ApiProperty({ enum: CUSTOMER_ACCESS_LEVELS }) @IsIn(CUSTOMER_ACCESS_LEVELS) access!: CustomerAccess;
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_DELEGATION_DAYS, default: MAX_DELEGATION_DAYS })
  @Optional()
  @IsInt()
  durationDays?: number;
  @ApiPropertyOptional({ default: false, description: 'Only with limited access' })
  @Optional()
  @IsBoolean()
  autoExtend?: boolean;
}

class InvitationBodyDto extends CommandBodyDto {
  @ApiPropertyOptional({
    description: 'Lets the partner administer the subscription (certified partners only)',
  })
  @Optional()
  @IsBoolean()
  includeDelegatedAdmin?: boolean;
  @ApiPropertyOptional({ type: DelegationTermsDto, description: 'Required with includeDelegatedAdmin' })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => DelegationTermsDto)
  delegation?: DelegationTermsDto;
  @ApiPropertyOptional({ example: '2026-03-01', description: 'After this the URL no longer works' })
  @Optional()
  @IsInstant()
  expiresAt?: string;
}

export class CreateTrialInviteDto extends InvitationBodyDto {
  @ApiPropertyOptional({ description: 'Chosen by the caller, or generated' })
  @Optional()
  @Matches(ID_PATTERN, { message: `inviteId ${ID_MESSAGE}` })
  inviteId?: string;
  @ApiProperty({ example: 'office-business-basic', description: 'The one service offered as a trial' })
  @IsString()
  @Matches(OFFER_ID, { message: 'offerId must be a kebab-case catalog id' })
  offerId!: string;
}

export class OfferLineDto {
  @ApiProperty({ example: 'office-business-standard' })
  @IsString()
  @Matches(OFFER_ID, { message: 'offerId must be a kebab-case catalog id' })
  offerId!: string;
  @ApiProperty({ example: 10, description: "Within the catalog's bounds for the service (422 otherwise)" })
  @IsInt()
  licenses!: number;
}

export class CreatePurchaseOfferDto extends InvitationBodyDto {
  @ApiPropertyOptional({ description: 'Chosen by the caller, or generated' })
  @Optional()
  @Matches(ID_PATTERN, { message: `purchaseOfferId ${ID_MESSAGE}` })
  purchaseOfferId?: string;
  @ApiProperty({ type: [OfferLineDto] })
  @NestedObjects(() => OfferLineDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  lines!: OfferLineDto[];
}
