import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsISO31661Alpha2,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { AUTHORIZATIONS, COMPANY_ROLES, CUSTOMER_ACCESS_LEVELS } from '@pc/domain';
import { Optional, IsInstant, CommandBodyDto } from '../platform';

/** Ids chosen by callers: letters, digits, dash and underscore (they become part of stream names). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ID_MESSAGE = 'must be 1-64 characters: letters, digits, "-" or "_", starting with a letter or digit';
export class AddressDto {
  @ApiProperty({ example: 'Hlavná 1' }) @IsString() @IsNotEmpty() @MaxLength(200) line1!: string;
  @ApiPropertyOptional() @Optional() @IsString() @MaxLength(200) line2?: string;
  @ApiProperty({ example: 'Bratislava' }) @IsString() @IsNotEmpty() @MaxLength(100) city!: string;
  @ApiPropertyOptional({ example: '811 01' }) @Optional() @IsString() @MaxLength(20) postalCode?: string;
  @ApiPropertyOptional() @Optional() @IsString() @MaxLength(100) region?: string;
  @ApiProperty({ example: 'SK', description: 'ISO 3166-1 alpha-2' }) @IsISO31661Alpha2() country!: string;
}

export class CompanyProfileDto {
  @ApiProperty({ example: 'Contoso Partners s.r.o.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  legalName!: string;
  @ApiProperty({ type: AddressDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AddressDto)
  address!: AddressDto;
  @ApiProperty({ example: '+421 2 1234 5678' })
  @IsString()
  @Matches(/^\+?[0-9 ()-]{5,30}$/, {
    message: 'phone must be a phone number (digits, spaces, +, -, parentheses)',
  })
  phone!: string;
  @ApiProperty({ example: 'office@contoso.example' }) @IsEmail() @MaxLength(254) email!: string;
  @ApiPropertyOptional({ example: 'https://contoso.example' })
  @Optional()
  @IsUrl({ require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2000)
  website?: string;
}

export class FirstUserDto {
  @ApiPropertyOptional()
  @Optional()
  @Matches(ID_PATTERN, { message: `userId ${ID_MESSAGE}` })
  userId?: string;
  @ApiProperty({ example: 'jana@contoso.example' }) @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty({ example: 'Jana Nováková' }) @IsString() @IsNotEmpty() @MaxLength(200) displayName!: string;
}

export class RegisterPartnerDto extends CommandBodyDto {
  @ApiPropertyOptional({ description: 'Chosen by the caller, or generated' })
  @Optional()
  @Matches(ID_PATTERN, { message: `partnerId ${ID_MESSAGE}` })
  partnerId?: string;
  @ApiProperty({ type: CompanyProfileDto })
  @IsObject()
  @ValidateNested()
  @Type(() => CompanyProfileDto)
  profile!: CompanyProfileDto;
  @ApiProperty({ type: FirstUserDto })
  @IsObject()
  @ValidateNested()
  @Type(() => FirstUserDto)
  firstUser!: FirstUserDto;
}

/**
 * The address fields an update changes; absent ones keep their value. Spelled out rather than
 * PartialType(AddressDto), whose optional fields would also accept null (class-validator's
 * IsOptional), and null would blank a line the profile must have.
 */
export class PartialAddressDto {
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(200) line1?: string;
  @ApiPropertyOptional({ nullable: true, description: 'null clears it' })
  @Optional({ nullable: true })
  @IsString()
  @MaxLength(200)
  line2?: string | null;
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(100) city?: string;
  @ApiPropertyOptional({ nullable: true, description: 'null clears it' })
  @Optional({ nullable: true })
  @IsString()
  @MaxLength(20)
  postalCode?: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'null clears it' })
  @Optional({ nullable: true })
  @IsString()
  @MaxLength(100)
  region?: string | null;
  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2' })
  @Optional()
  @IsISO31661Alpha2()
  country?: string;
}

export class UpdateCompanyProfileDto extends CommandBodyDto {
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(200) legalName?: string;
  @ApiPropertyOptional({ type: PartialAddressDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => PartialAddressDto)
  address?: PartialAddressDto;
  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @Matches(/^\+?[0-9 ()-]{5,30}$/, {
    message: 'phone must be a phone number (digits, spaces, +, -, parentheses)',
  })
  phone?: string;
  @ApiPropertyOptional() @Optional() @IsEmail() @MaxLength(254) email?: string;
  @ApiPropertyOptional({ nullable: true, description: 'null clears it' })
  @Optional({ nullable: true })
  @IsUrl({ require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2000)
  website?: string | null;
}

export class RejectCompanyProfileDto extends CommandBodyDto {
  @ApiProperty({ example: 'The legal name does not match the business register' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason!: string;
}

export class AuthorizationChangeDto extends CommandBodyDto {
  @ApiProperty({ enum: AUTHORIZATIONS })
  @IsIn(AUTHORIZATIONS)
  authorization!: (typeof AUTHORIZATIONS)[number];
  @ApiPropertyOptional({
    description: 'Date (YYYY-MM-DD) or UTC instant; defaults to now',
    example: '2026-12-01',
  })
  @Optional()
  @IsInstant()
  effectiveFrom?: string;
}

export class CreatePartnerUserDto extends CommandBodyDto {
  @ApiPropertyOptional()
  @Optional()
  @Matches(ID_PATTERN, { message: `userId ${ID_MESSAGE}` })
  userId?: string;
  @ApiProperty({ example: 'peter@contoso.example' }) @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty({ example: 'Peter Horváth' }) @IsString() @IsNotEmpty() @MaxLength(200) displayName!: string;
}

export class UpdatePartnerUserDto extends CommandBodyDto {
  @ApiPropertyOptional() @Optional() @IsEmail() @MaxLength(254) email?: string;
  @ApiPropertyOptional() @Optional() @IsString() @IsNotEmpty() @MaxLength(200) displayName?: string;
}

const ROLES = [...COMPANY_ROLES, ...CUSTOMER_ACCESS_LEVELS] as const;

export class AssignAdminRoleDto extends CommandBodyDto {
  @ApiProperty({
    enum: ['company', 'customers'],
    description: "'company': the partner's own company; 'customers': supported companies",
  })
  @IsIn(['company', 'customers'])
  scope!: 'company' | 'customers';
  @ApiProperty({
    enum: ROLES,
    description: 'company: one of the five admin roles; customers: full or limited',
  })
  @IsIn(ROLES)
  role!: (typeof ROLES)[number];
}

export class RevokeAdminRoleDto extends CommandBodyDto {
  @ApiProperty({ enum: ['company', 'customers'] }) @IsIn(['company', 'customers']) scope!:
    'company' | 'customers';
}

/** What every command answers. */
export class CommandResponseDto {
  @ApiProperty() commandId!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { partnerId: 'p1' } })
  ids!: Record<string, string>;
  @ApiProperty({ description: 'Revision of the aggregate after the command (also the ETag)' })
  revision!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Global position written; pass as X-Min-Position to read your writes',
  })
  position!: string | null;
  @ApiProperty({ type: [String] }) events!: string[];
  @ApiProperty({ description: 'True when this was a retry of a command already applied' }) replayed!: boolean;
}
