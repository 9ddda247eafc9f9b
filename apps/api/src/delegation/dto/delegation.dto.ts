import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, Matches } from 'class-validator';
import { CUSTOMER_ACCESS_LEVELS, type CustomerAccess, MAX_DELEGATION_DAYS } from '@pc/domain';
import { CommandBodyDto, Optional } from '../../platform';
import { ID_PATTERN } from '../../partners/partner.dto';

/**
 * An offer of delegated administration. The offering partner is the acting user's own (never a body
 * field). Bounds and combinations (1–730 days, no auto-extension of full access) are domain rules
 * answered 422 with the failing condition.
 */
export class OfferDelegationDto extends CommandBodyDto {
  @ApiPropertyOptional({ description: 'Chosen by the caller, or generated' })
  @Optional()
  @Matches(ID_PATTERN, { message: 'delegationId must be 1-64 letters, digits, "-" or "_"' })
  delegationId?: string;
  @ApiProperty({
    enum: CUSTOMER_ACCESS_LEVELS,
    description: "full: a global admin's permissions; limited: a password admin's",
  })
  @IsIn(CUSTOMER_ACCESS_LEVELS)
  access!: CustomerAccess;
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_DELEGATION_DAYS,
    default: MAX_DELEGATION_DAYS,
    description: 'Counted from acceptance',
  })
  @Optional()
  @IsInt()
  durationDays?: number;
  @ApiPropertyOptional({
    default: false,
    description: 'Extend by 180 days at each end (limited access only)',
  })
  @Optional()
  @IsBoolean()
  autoExtend?: boolean;
}

export class SetDelegationAutoExtendDto extends CommandBodyDto {
  @ApiProperty({ description: 'Limited access only; full access is re-confirmed by the customer' })
  @IsBoolean()
  autoExtend!: boolean;
}
