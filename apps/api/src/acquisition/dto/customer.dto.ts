import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsInt, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { CUSTOMER_ROLES, type CustomerRole } from '@pc/domain';
import { CommandBodyDto, Optional } from '../../platform';
import { ID_PATTERN } from '../../partners/partner.dto';

export class CreateCustomerUserDto extends CommandBodyDto {
  @ApiPropertyOptional({ description: 'Chosen by the caller, or generated' })
  @Optional()
  @Matches(ID_PATTERN, { message: 'userId must be 1-64 letters, digits, "-" or "_"' })
  userId?: string;
  @ApiProperty({
    example: 'bob@alpha.example',
    description: 'Unique within the customer, case-insensitively',
  })
  @IsEmail()
  @MaxLength(254)
  email!: string;
  @ApiProperty({ example: 'Bob Kováč' }) @IsString() @IsNotEmpty() @MaxLength(256) displayName!: string;
  @ApiPropertyOptional({ enum: CUSTOMER_ROLES, default: 'user' })
  @Optional()
  @IsIn(CUSTOMER_ROLES)
  role?: CustomerRole;
}

/** A license count; the catalog's bounds are a domain rule, answered 422 with `min` and `max`. */
export class LicensesDto extends CommandBodyDto {
  @ApiProperty({ example: 40 }) @IsInt() licenses!: number;
}

export class SuspendSubscriptionDto extends CommandBodyDto {
  @ApiPropertyOptional({ example: 'Seasonal pause' })
  @Optional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}
