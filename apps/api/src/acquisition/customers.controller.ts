import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  ApiCommand,
  CommandGateway,
  CommandMeta,
  type CommandRequestMeta,
  CurrentPrincipal,
  type Principal,
  ProblemResponses,
  RequireScope,
} from '../platform';
import { CustomerReader } from './customer-reader';
import { CreateCustomerUserDto } from './dto/customer.dto';
import { GetCustomerQuery } from './queries/customer.queries';
import { CustomerView } from './views/customer.view';

/**
 * A customer tenant and its users. The edge hides customers across tenants (404); inside the tenant
 * the domain decides who may do what (the customer's active global admins, or a partner's `full`
 * delegated admin; a partner that offered a delegation hears which condition failed).
 */
@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers/:customerId')
export class CustomersController {
  constructor(
    private readonly commands: CommandGateway,
    private readonly queries: QueryBus,
    private readonly customers: CustomerReader,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'The customer: company, users, advisors, Partner of Record, subscriptions. Its users, its advisors, platform, audit.',
  })
  @RequireScope('queries', 'audit', 'platform')
  @ApiOkResponse({ type: CustomerView, description: 'ETag: the revision of the customer stream' })
  @ProblemResponses(401, 403, 404)
  async getCustomer(
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerView> {
    const view = await this.queries.execute(new GetCustomerQuery(principal, customerId));
    reply.header('ETag', `"${view.revision}"`);
    return view;
  }

  @Post('users')
  @ApiOperation({
    summary: 'Create a customer user (global admin of the customer). E-mail unique per customer.',
  })
  @ApiCommand({ problems: [409] })
  async createCustomerUser(
    @Param('customerId') customerId: string,
    @Body() body: CreateCustomerUserDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    await this.customers.assertVisible(meta.principal, customerId, 'delegation');
    return this.commands.send('CreateCustomerUser', { ...body, customerId }, meta);
  }

  @Post('users/:userId/deactivate')
  @ApiOperation({ summary: 'Deactivate a customer user (never the last active global admin).' })
  @ApiCommand()
  async deactivateCustomerUser(
    @Param('customerId') customerId: string,
    @Param('userId') userId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    await this.customers.assertVisible(meta.principal, customerId, 'delegation');
    return this.commands.send('DeactivateCustomerUser', { customerId, userId }, meta);
  }
}
