import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsEmail,
  IsISO31661Alpha2,
  IsNotEmpty,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { CommandBodyDto, NestedObjects, Optional } from '../../platform';
import { ID_PATTERN } from '../../partners/partner.dto';
import { OfferLineDto } from './invitation.dto';

export class AdminContactDto {
  @ApiProperty({ example: 'Alena Horváthová' }) @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @ApiProperty({ example: 'alena@alpha.example' }) @IsEmail() @MaxLength(254) email!: string;
}

/** A company signing up through the URL (the platform's sign-up flow submits it). */
export class NewCustomerDto {
  @ApiProperty({ example: 'Alpha s.r.o.' }) @IsString() @IsNotEmpty() @MaxLength(256) companyName!: string;
  @ApiProperty({ example: 'alpha.example', description: 'Unique across the service (409 when taken)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(253)
  primaryDomain!: string;
  @ApiProperty({ example: 'SK', description: 'ISO 3166-1 alpha-2' }) @IsISO31661Alpha2() country!: string;
  @ApiProperty({ type: AdminContactDto, description: "Becomes the customer's first user, a global admin" })
  @IsObject()
  @ValidateNested()
  @Type(() => AdminContactDto)
  adminContact!: AdminContactDto;
}

/** Who takes up the invitation: a new customer (platform actor), or an existing one (its global admin). */
class TakeUpDto extends CommandBodyDto {
  @ApiPropertyOptional({
    description: "An existing customer (defaults to a customer user's own); with newCustomer, its chosen id",
  })
  @Optional()
  @Matches(ID_PATTERN, { message: 'customerId must be 1-64 letters, digits, "-" or "_"' })
  customerId?: string;
  @ApiPropertyOptional({ type: NewCustomerDto, description: 'A sign-up; platform actors only' })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => NewCustomerDto)
  newCustomer?: NewCustomerDto;
  @ApiPropertyOptional({ description: 'Required when the invitation includes delegated administration' })
  @Optional()
  @IsBoolean()
  acceptDelegatedAdmin?: boolean;
}

export class RedeemTrialInviteDto extends TakeUpDto {}

export class AcceptPurchaseOfferDto extends TakeUpDto {
  @ApiPropertyOptional({
    type: [OfferLineDto],
    description: 'License counts changed while buying (each within the catalog bounds, 422 otherwise)',
  })
  @Optional()
  @NestedObjects(() => OfferLineDto)
  @ArrayMaxSize(50)
  licenses?: OfferLineDto[];
}
