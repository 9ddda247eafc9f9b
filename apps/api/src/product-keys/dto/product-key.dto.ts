import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsInt,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { MAX_KEYS_PER_BATCH, MAX_KEY_TERM_MONTHS } from '@pc/domain';
import { NewCustomerDto } from '../../acquisition/dto/take-up.dto';
import { DelegationTermsDto } from '../../acquisition/dto/invitation.dto';
import { CommandBodyDto, NestedObjects, Optional } from '../../platform';
import { ID_PATTERN } from '../../partners/partner.dto';
import { PRODUCT_KEY_FORMAT_DESCRIPTION } from '../product-key-hash';

const OFFER_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
// Room for a key written with spaces and dashes; the format itself is checked after normalising.
const MAX_KEY_INPUT = 64;

/**
 * A product key as typed. The fields holding plaintext keys are named `key` / `keys` on purpose: the
 * platform's log redaction censors body fields of those names wherever they appear.
 */
export class ProductKeyLineDto {
  @ApiProperty({ example: 'VK7JG-NPHTM-C97JM-9MPGT-3V66T', description: PRODUCT_KEY_FORMAT_DESCRIPTION })
  @IsString()
  @MaxLength(MAX_KEY_INPUT)
  key!: string;
  @ApiProperty({ example: 'office-business-standard', description: 'The service the key sets up' })
  @IsString()
  @Matches(OFFER_ID, { message: 'offerId must be a kebab-case catalog id' })
  offerId!: string;
  @ApiProperty({ example: 10, description: "Licenses; within the catalog's bounds (422 otherwise)" })
  @IsInt()
  seats!: number;
  @ApiProperty({ example: 12, minimum: 1, maximum: MAX_KEY_TERM_MONTHS })
  @IsInt()
  termMonths!: number;
}

export class RegisterProductKeysDto extends CommandBodyDto {
  @ApiPropertyOptional({ description: 'Chosen by the caller, or generated' })
  @Optional()
  @Matches(ID_PATTERN, { message: 'batchId must be 1-64 letters, digits, "-" or "_"' })
  batchId?: string;
  @ApiProperty({ type: [ProductKeyLineDto], minItems: 1, maxItems: MAX_KEYS_PER_BATCH })
  @NestedObjects(() => ProductKeyLineDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_KEYS_PER_BATCH)
  keys!: ProductKeyLineDto[];
}

/** A key applied for a new customer (`newCustomer`) or an existing one the partner works with (`customerId`). */
export class ApplyProductKeyDto extends CommandBodyDto {
  @ApiProperty({ example: 'VK7JG-NPHTM-C97JM-9MPGT-3V66T', description: PRODUCT_KEY_FORMAT_DESCRIPTION })
  @IsString()
  @MaxLength(MAX_KEY_INPUT)
  key!: string;
  @ApiPropertyOptional({
    description:
      "An existing customer (one of the partner's, 404 otherwise); with newCustomer, its chosen id",
  })
  @Optional()
  @Matches(ID_PATTERN, { message: 'customerId must be 1-64 letters, digits, "-" or "_"' })
  customerId?: string;
  @ApiPropertyOptional({ type: NewCustomerDto, description: 'Sign a new customer up with the key' })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => NewCustomerDto)
  newCustomer?: NewCustomerDto;
  @ApiPropertyOptional({
    type: DelegationTermsDto,
    description:
      'Offer delegated administration at the same time (certified partners; the customer accepts later)',
  })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => DelegationTermsDto)
  delegatedAdmin?: DelegationTermsDto;
}
