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
import { ApiCommandOrPlatform } from './api-decorators';
import { CustomerReader } from './customer-reader';
import { LicensesDto, SuspendSubscriptionDto } from './dto/customer.dto';
import { GetSubscriptionQuery } from './queries/customer.queries';
import { SubscriptionView } from './views/customer.view';

/**
 * A customer's subscriptions. Ended ones (cancelled, expired) refuse every change (422
 * subscription-ended); trial expiry and its notices are the scheduler's, not an endpoint's.
 */
@ApiTags('subscriptions')
@ApiBearerAuth()
@Controller('customers/:customerId/subscriptions/:subscriptionId')
export class SubscriptionsController {
  constructor(
    private readonly commands: CommandGateway,
    private readonly queries: QueryBus,
    private readonly customers: CustomerReader,
  ) {}

  private async send(
    type: string,
    customerId: string,
    subscriptionId: string,
    payload: object,
    meta: CommandRequestMeta,
  ) {
    await this.customers.assertVisible(meta.principal, customerId, 'delegation');
    return this.commands.send(type, { ...payload, customerId, subscriptionId }, meta);
  }

  @Get()
  @ApiOperation({ summary: 'One subscription: kind, status, licenses, term, notices sent.' })
  @RequireScope('queries', 'audit', 'platform')
  @ApiOkResponse({ type: SubscriptionView, description: 'ETag: the revision of the customer stream' })
  @ProblemResponses(401, 403, 404)
  async getSubscription(
    @Param('customerId') customerId: string,
    @Param('subscriptionId') subscriptionId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubscriptionView> {
    const view = await this.queries.execute(new GetSubscriptionQuery(principal, customerId, subscriptionId));
    reply.header('ETag', `"${view.revision}"`);
    return view;
  }

  @Post('license-count')
  @ApiOperation({ summary: 'Change the license count of a paid subscription (within the catalog bounds).' })
  @ApiCommand()
  changeLicenseCount(
    @Param('customerId') customerId: string,
    @Param('subscriptionId') subscriptionId: string,
    @Body() body: LicensesDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('ChangeLicenseCount', customerId, subscriptionId, { licenses: body.licenses }, meta);
  }

  @Post('convert')
  @ApiOperation({
    summary: 'Buy a running trial: its seats become paid licenses, the first term starts now.',
  })
  @ApiCommand()
  convertTrial(
    @Param('customerId') customerId: string,
    @Param('subscriptionId') subscriptionId: string,
    @Body() body: LicensesDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('ConvertTrial', customerId, subscriptionId, { licenses: body.licenses }, meta);
  }

  @Post('renew')
  @ApiOperation({ summary: 'Renew a paid subscription for one more term.' })
  @ApiCommand()
  renewSubscription(
    @Param('customerId') customerId: string,
    @Param('subscriptionId') subscriptionId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('RenewSubscription', customerId, subscriptionId, {}, meta);
  }

  @Post('cancel')
  @ApiOperation({
    summary: 'Cancel a subscription (trial or paid). It ends now and refuses changes afterwards.',
  })
  @ApiCommand()
  cancelSubscription(
    @Param('customerId') customerId: string,
    @Param('subscriptionId') subscriptionId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('CancelSubscription', customerId, subscriptionId, {}, meta);
  }

  @Post('suspend')
  @ApiOperation({ summary: "Suspend a subscription (the customer's global admin, or the platform)." })
  @ApiCommandOrPlatform()
  suspendSubscription(
    @Param('customerId') customerId: string,
    @Param('subscriptionId') subscriptionId: string,
    @Body() body: SuspendSubscriptionDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    const payload = body.reason !== undefined ? { reason: body.reason } : {};
    return this.send('SuspendSubscription', customerId, subscriptionId, payload, meta);
  }

  @Post('reactivate')
  @ApiOperation({
    summary: 'Lift a suspension. One imposed by the platform is lifted only by the platform (403 otherwise).',
  })
  @ApiCommandOrPlatform()
  reactivateSubscription(
    @Param('customerId') customerId: string,
    @Param('subscriptionId') subscriptionId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('ReactivateSubscription', customerId, subscriptionId, {}, meta);
  }
}
