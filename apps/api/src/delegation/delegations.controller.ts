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
  ProblemException,
  ProblemResponses,
  RequireScope,
} from '../platform';
import { CustomerReader } from '../acquisition/customer-reader';
import { OfferDelegationDto, SetDelegationAutoExtendDto } from './dto/delegation.dto';
import { delegationNotFound } from './errors';
import { GetDelegationQuery } from './queries/get-delegation.query';
import { DelegationView } from './views/delegation.view';
import { entryOf } from '@pc/domain';

/**
 * Delegated administration of a customer by a partner: offered by the partner, accepted or declined
 * by the customer's global admin, removed by either side. Who may do what is the domain's (each
 * refusal names its condition); the edge only hides customers a partner has nothing to do with.
 */
@ApiTags('delegated administration')
@ApiBearerAuth()
@Controller('customers/:customerId/delegations')
export class DelegationsController {
  constructor(
    private readonly commands: CommandGateway,
    private readonly queries: QueryBus,
    private readonly customers: CustomerReader,
  ) {}

  @Post()
  @ApiOperation({
    summary: "Offer delegated administration to a customer (the partner is the acting user's own).",
    description:
      "Certified partners; the partner's global admin or a user with full customer access. The offer expires " +
      'after 90 days; one open offer per partner and customer (409 delegation-already-offered).',
  })
  @ApiCommand({ problems: [409] })
  offerDelegation(
    @Param('customerId') customerId: string,
    @Body() body: OfferDelegationDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    const { actor } = meta.principal;
    // The offering partner is the acting user's own: a user offers for its partner only. The domain
    // decides whether this customer may be offered to at all (it must exist; any certified partner may
    // offer, as the customer decides).
    if (actor.kind !== 'partner-user' || actor.partnerId === undefined) {
      throw new ProblemException(
        403,
        'access-denied',
        'Forbidden',
        "Only a partner's user offers delegated administration, for its own partner.",
        { action: 'offer-delegation', actorKind: actor.kind },
      );
    }
    return this.commands.send('OfferDelegation', { ...body, customerId, partnerId: actor.partnerId }, meta);
  }

  @Post(':delegationId/accept')
  @ApiOperation({
    summary:
      "Accept a delegation offer (the customer's global admin): in force from now for its duration days.",
  })
  @ApiCommand()
  async acceptDelegation(
    @Param('customerId') customerId: string,
    @Param('delegationId') delegationId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    const { state } = await this.customers.readVisible(meta.principal, customerId, 'delegation');
    // The domain checks the offering partner's certification at acceptance, so it needs its id.
    const delegation = entryOf(state.delegations, delegationId);
    if (!delegation) throw delegationNotFound(customerId, delegationId);
    return this.commands.send(
      'AcceptDelegation',
      { customerId, delegationId, partnerId: delegation.partnerId },
      meta,
    );
  }

  @Post(':delegationId/decline')
  @ApiOperation({ summary: "Decline a delegation offer (the customer's global admin)." })
  @ApiCommand()
  declineDelegation(
    @Param('customerId') customerId: string,
    @Param('delegationId') delegationId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('DeclineDelegation', customerId, { delegationId }, meta);
  }

  @Post(':delegationId/remove')
  @ApiOperation({
    summary:
      "Remove a delegation, pending or in force, by either side: the customer's global admin or the partner's global admin.",
  })
  @ApiCommand()
  removeDelegation(
    @Param('customerId') customerId: string,
    @Param('delegationId') delegationId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('RemoveDelegation', customerId, { delegationId }, meta);
  }

  @Post(':delegationId/auto-extend')
  @ApiOperation({
    summary: 'Turn auto-extension (180 days at each end) on or off while the delegation is in force.',
    description:
      "Either side: the customer's global admin, or the partner's global admin or a user with full customer " +
      'access. Limited access only: full access never extends by itself.',
  })
  @ApiCommand()
  setDelegationAutoExtend(
    @Param('customerId') customerId: string,
    @Param('delegationId') delegationId: string,
    @Body() body: SetDelegationAutoExtendDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send(
      'SetDelegationAutoExtend',
      customerId,
      { delegationId, autoExtend: body.autoExtend },
      meta,
    );
  }

  @Get(':delegationId')
  @ApiOperation({
    summary:
      "A delegation: terms, status (recorded and as of now), dates, reminders sent. The customer, the delegation's partner, platform, audit.",
  })
  @RequireScope('queries', 'audit', 'platform')
  @ApiOkResponse({ type: DelegationView, description: 'ETag: the revision of the customer stream' })
  @ProblemResponses(401, 403, 404)
  async getDelegation(
    @Param('customerId') customerId: string,
    @Param('delegationId') delegationId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DelegationView> {
    const view = await this.queries.execute(new GetDelegationQuery(principal, customerId, delegationId));
    reply.header('ETag', `"${view.revision}"`);
    return view;
  }

  private async send(type: string, customerId: string, payload: object, meta: CommandRequestMeta) {
    await this.customers.assertVisible(meta.principal, customerId, 'delegation');
    return this.commands.send(type, { ...payload, customerId }, meta);
  }
}
