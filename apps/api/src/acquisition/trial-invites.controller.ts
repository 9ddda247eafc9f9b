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
import { CreateTrialInviteDto } from './dto/invitation.dto';
import { InvitationReader } from './invitation-reader';
import { newInvitationCode } from './invitation-code';
import { GetTrialInviteQuery } from './queries/invitation.queries';
import { TrialInviteView } from './views/invitation.view';

/** Trial invitations of an advisor partner: one trial service, one URL usable by many customers. */
@ApiTags('trial invites')
@ApiBearerAuth()
@Controller('partners/:partnerId/trial-invites')
export class TrialInvitesController {
  constructor(
    private readonly commands: CommandGateway,
    private readonly queries: QueryBus,
    private readonly invitations: InvitationReader,
  ) {}

  @Post()
  @ApiOperation({
    summary:
      'Create a trial invitation (advisors; global admins or users with customer access). Answers the URL to send.',
  })
  @ApiInvitationCreated()
  async createTrialInvite(
    @Param('partnerId') partnerId: string,
    @Body() body: CreateTrialInviteDto,
    @CommandMeta() meta: CommandRequestMeta,
  ): Promise<CommandResponseBody & { url: string }> {
    assertPartnerVisible(meta.principal, partnerId);
    const result = await this.commands.send(
      'CreateTrialInvite',
      { ...body, partnerId, code: newInvitationCode() },
      meta,
    );
    // The URL is read back from the stored invite rather than built from the code just generated: a
    // retry (same Idempotency-Key) is answered for the invite created the first time, with its code.
    const invite = await this.invitations.trialInvite(partnerId, result.ids.inviteId);
    return { ...result, url: invite.url };
  }

  @Post(':inviteId/revoke')
  @ApiOperation({ summary: 'Revoke a trial invitation: its URL stops working. Revoking twice is a no-op.' })
  @ApiCommand()
  revokeTrialInvite(
    @Param('partnerId') partnerId: string,
    @Param('inviteId') inviteId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    assertPartnerVisible(meta.principal, partnerId);
    return this.commands.send('RevokeTrialInvite', { partnerId, inviteId }, meta);
  }

  @Get(':inviteId')
  @ApiOperation({ summary: 'A trial invitation: its service, URL, delegated-admin option and state.' })
  @RequireScope('queries', 'audit', 'platform')
  @ApiOkResponse({ type: TrialInviteView, description: 'ETag: the revision of the invite stream' })
  @ProblemResponses(401, 403, 404)
  async getTrialInvite(
    @Param('partnerId') partnerId: string,
    @Param('inviteId') inviteId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TrialInviteView> {
    assertPartnerVisible(principal, partnerId);
    const view = await this.queries.execute(new GetTrialInviteQuery(partnerId, inviteId));
    reply.header('ETag', `"${view.revision}"`);
    return view;
  }
}
