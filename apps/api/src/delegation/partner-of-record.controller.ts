import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCommand, CommandGateway, CommandMeta, type CommandRequestMeta } from '../platform';
import { CustomerReader } from '../acquisition/customer-reader';
import { ChangePartnerOfRecordDto } from './dto/partner-of-record.dto';

/** The customer's own choice of its Partner of Record (never a partner's, not even a delegated admin's). */
@ApiTags('partner of record')
@ApiBearerAuth()
@Controller('customers/:customerId/partner-of-record')
export class PartnerOfRecordController {
  constructor(
    private readonly commands: CommandGateway,
    private readonly customers: CustomerReader,
  ) {}

  @Post()
  @ApiOperation({
    summary:
      "Name the customer's Partner of Record (the customer's global admin): an advisor now, which also becomes one of the customer's advisors.",
  })
  @ApiCommand()
  async changePartnerOfRecord(
    @Param('customerId') customerId: string,
    @Body() body: ChangePartnerOfRecordDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    await this.customers.assertVisible(meta.principal, customerId, 'delegation');
    return this.commands.send('ChangePartnerOfRecord', { customerId, partnerId: body.partnerId }, meta);
  }
}
