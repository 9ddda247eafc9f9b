import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCommand, CommandGateway, CommandMeta, type CommandRequestMeta } from '../platform';
import { CustomerReader } from '../acquisition/customer-reader';
import {
  CloseServiceRequestDto,
  CreateServiceRequestDto,
  UpdateServiceRequestDto,
} from './service-request.dto';

/**
 * Service requests (support cases) of a customer: opened and changed by the customer's global admin,
 * or on its behalf by a partner's delegated admin with full access (the domain says which condition
 * failed otherwise: no-delegation, delegation-pending, access-too-low, access-denied...).
 */
@ApiTags('service requests')
@ApiBearerAuth()
@Controller('customers/:customerId/service-requests')
export class ServiceRequestsController {
  constructor(
    private readonly commands: CommandGateway,
    private readonly customers: CustomerReader,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Open a service request for the customer.' })
  @ApiCommand({ problems: [409] })
  createServiceRequest(
    @Param('customerId') customerId: string,
    @Body() body: CreateServiceRequestDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('CreateServiceRequest', customerId, body, meta);
  }

  @Post(':serviceRequestId')
  @ApiOperation({ summary: 'Change the title, description or severity of an open service request.' })
  @ApiCommand()
  updateServiceRequest(
    @Param('customerId') customerId: string,
    @Param('serviceRequestId') serviceRequestId: string,
    @Body() body: UpdateServiceRequestDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('UpdateServiceRequest', customerId, { ...body, serviceRequestId }, meta);
  }

  @Post(':serviceRequestId/close')
  @ApiOperation({
    summary: 'Close a service request, optionally with its resolution. Closing twice is a no-op.',
  })
  @ApiCommand()
  closeServiceRequest(
    @Param('customerId') customerId: string,
    @Param('serviceRequestId') serviceRequestId: string,
    @Body() body: CloseServiceRequestDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('CloseServiceRequest', customerId, { ...body, serviceRequestId }, meta);
  }

  private async send(type: string, customerId: string, payload: object, meta: CommandRequestMeta) {
    await this.customers.assertVisible(meta.principal, customerId, 'delegation');
    return this.commands.send(type, { ...payload, customerId }, meta);
  }
}
