import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { CommandBodyDto } from '../../platform';
import { ID_PATTERN } from '../../partners/partner.dto';

export class ChangePartnerOfRecordDto extends CommandBodyDto {
  @ApiProperty({ example: 'fabrikam', description: 'The new Partner of Record: a subscription advisor now' })
  @Matches(ID_PATTERN, { message: 'partnerId must be 1-64 letters, digits, "-" or "_"' })
  partnerId!: string;
}
