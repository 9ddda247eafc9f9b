import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { InvitationKind } from '@pc/domain';
import {
  CommandGateway,
  CommandMeta,
  type CommandRequestMeta,
  GuessingRateLimit,
  ProblemException,
  ProblemResponses,
  RequireScope,
} from '../platform';
import { ApiCommandOrPlatform } from './api-decorators';
import { AcceptPurchaseOfferDto, RedeemTrialInviteDto } from './dto/take-up.dto';
import { InvitationReader, type ResolvedCode } from './invitation-reader';
import { ResolveInvitationCodeQuery } from './queries/invitation.queries';
import { licenseChanges, takeUpOf } from './take-up';
import { InvitationView } from './views/invitation.view';

const ROUTE_OF: Record<InvitationKind, string> = { 'trial-invite': 'redeem', 'purchase-offer': 'accept' };

/**
 * The customer side of an invitation URL. The code in the URL is the only key: it is resolved here,
 * through its claim stream, to the invitation and its partner, which the commands then name. Every
 * route is rate limited per caller, since a code is a secret one could try to guess.
 */
@ApiTags('invitations')
@ApiBearerAuth()
@Controller('invitations')
export class InvitationsController {
  constructor(
    private readonly commands: CommandGateway,
    private readonly queries: QueryBus,
    private readonly invitations: InvitationReader,
  ) {}

  @Get(':code')
  @ApiOperation({
    summary: 'What an invitation URL offers: kind, partner, services, delegated-admin option, state.',
  })
  @RequireScope('queries', 'commands', 'platform')
  @GuessingRateLimit()
  @ApiOkResponse({ type: InvitationView })
  @ProblemResponses(401, 403, 404)
  resolveInvitationCode(@Param('code') code: string): Promise<InvitationView> {
    return this.queries.execute(new ResolveInvitationCodeQuery(code));
  }

  @Post(':code/redeem')
  @ApiOperation({
    summary:
      'Start the trial of a trial invitation: a new customer signing up (platform) or an existing one (its global admin).',
  })
  @GuessingRateLimit()
  @ApiCommandOrPlatform([409])
  async redeemTrialInvite(
    @Param('code') code: string,
    @Body() body: RedeemTrialInviteDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    const { invitationId, partnerId } = await this.resolve(code, 'trial-invite');
    const payload = { ...takeUpOf(body, meta.principal), inviteId: invitationId, partnerId, code };
    return this.commands.send('RedeemTrialInvite', payload, meta);
  }

  @Post(':code/accept')
  @ApiOperation({
    summary:
      'Buy what a purchase offer lists (a running trial of a service is converted), optionally with changed license counts.',
  })
  @GuessingRateLimit()
  @ApiCommandOrPlatform([409])
  async acceptPurchaseOffer(
    @Param('code') code: string,
    @Body() body: AcceptPurchaseOfferDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    const { invitationId, partnerId } = await this.resolve(code, 'purchase-offer');
    const licenses = licenseChanges(body);
    const payload = {
      ...takeUpOf(body, meta.principal),
      ...(licenses !== undefined ? { licenses } : {}),
      purchaseOfferId: invitationId,
      partnerId,
      code,
    };
    return this.commands.send('AcceptPurchaseOffer', payload, meta);
  }

  private async resolve(code: string, kind: InvitationKind): Promise<ResolvedCode> {
    const resolved = await this.invitations.resolveCode(code);
    if (resolved.kind !== kind) {
      throw new ProblemException(
        422,
        'invitation-kind-mismatch',
        'Invitation kind mismatch',
        `This code belongs to a ${resolved.kind}: use POST /invitations/{code}/${ROUTE_OF[resolved.kind]}.`,
        { kind: resolved.kind },
      );
    }
    return resolved;
  }
}
