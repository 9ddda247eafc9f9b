import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  ApiCommand,
  CommandGateway,
  CommandMeta,
  type CommandRequestMeta,
  type CommandResponseBody,
  CurrentPrincipal,
  type Principal,
  ProblemResponses,
  RequireScope,
  assertPartnerVisible,
} from '../platform';
import { ApiInvitationCreated } from './api-decorators';
import { CreatePurchaseOfferDto } from './dto/invitation.dto';
import { InvitationReader } from './invitation-reader';
import { newInvitationCode } from './invitation-code';
import { GetPurchaseOfferQuery } from './queries/invitation.queries';
import { PurchaseOfferView } from './views/invitation.view';

/** Purchase offers of an advisor partner: services with license counts, one URL usable by many customers. */
@ApiTags('purchase offers')
@ApiBearerAuth()
@Controller('partners/:partnerId/purchase-offers')
export class PurchaseOffersController {
  constructor(
    private readonly commands: CommandGateway,
    private readonly queries: QueryBus,
    private readonly invitations: InvitationReader,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create a purchase offer (advisors). License counts within the catalog bounds. Answers the URL.',
  })
  @ApiInvitationCreated()
  async createPurchaseOffer(
    @Param('partnerId') partnerId: string,
    @Body() body: CreatePurchaseOfferDto,
    @CommandMeta() meta: CommandRequestMeta,
  ): Promise<CommandResponseBody & { url: string }> {
    assertPartnerVisible(meta.principal, partnerId);
    const result = await this.commands.send(
      'CreatePurchaseOffer',
      { ...body, partnerId, code: newInvitationCode() },
      meta,
    );
    // Read back, not composed from the fresh code: a retried request is answered with the first code.
    const offer = await this.invitations.purchaseOffer(partnerId, result.ids.purchaseOfferId);
    return { ...result, url: offer.url };
  }

  @Post(':purchaseOfferId/withdraw')
  @ApiOperation({
    summary: 'Withdraw a purchase offer: its URL stops working. Withdrawing twice is a no-op.',
  })
  @ApiCommand()
  withdrawPurchaseOffer(
    @Param('partnerId') partnerId: string,
    @Param('purchaseOfferId') purchaseOfferId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    assertPartnerVisible(meta.principal, partnerId);
    return this.commands.send('WithdrawPurchaseOffer', { partnerId, purchaseOfferId }, meta);
  }

  @Get(':purchaseOfferId')
  @ApiOperation({
    summary: 'A purchase offer: its services and licenses, URL, delegated-admin option and state.',
  })
  @RequireScope('queries', 'audit', 'platform')
  @ApiOkResponse({ type: PurchaseOfferView, description: 'ETag: the revision of the offer stream' })
  @ProblemResponses(401, 403, 404)
  async getPurchaseOffer(
    @Param('partnerId') partnerId: string,
    @Param('purchaseOfferId') purchaseOfferId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PurchaseOfferView> {
    assertPartnerVisible(principal, partnerId);
    const view = await this.queries.execute(new GetPurchaseOfferQuery(partnerId, purchaseOfferId));
    reply.header('ETag', `"${view.revision}"`);
    return view;
  }
}
