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
  assertPartnerVisible,
} from '../platform';
import {
  AssignAdminRoleDto,
  AuthorizationChangeDto,
  CreatePartnerUserDto,
  RegisterPartnerDto,
  RejectCompanyProfileDto,
  RevokeAdminRoleDto,
  UpdateCompanyProfileDto,
  UpdatePartnerUserDto,
} from './partner.dto';
import { PartnerView } from './partner.view';
import { GetPartnerQuery } from './get-partner.query';

/**
 * Partner accounts: company profile, authorizations, users and their admin roles. Thin: each route
 * checks the tenant (404 across tenants), then hands the command to the one pipeline, where the
 * domain decides (from event-sourced state) whether this actor may do it.
 */
@ApiTags('partners')
@ApiBearerAuth()
@Controller('partners')
export class PartnersController {
  constructor(
    private readonly commands: CommandGateway,
    private readonly queries: QueryBus,
  ) {}

  private send(type: string, partnerId: string, payload: object, meta: CommandRequestMeta) {
    assertPartnerVisible(meta.principal, partnerId);
    return this.commands.send(type, { ...payload, partnerId }, meta);
  }

  @Post()
  @ApiOperation({
    summary: 'Register a partner with its company profile and first (global admin) user. Platform only.',
  })
  @ApiCommand({ scope: 'platform', problems: [409] })
  registerPartner(@Body() body: RegisterPartnerDto, @CommandMeta() meta: CommandRequestMeta) {
    return this.commands.send('RegisterPartner', body, meta);
  }

  @Get(':partnerId')
  @ApiOperation({
    summary: "The partner's current state: profile, verification, authorizations, users and roles.",
  })
  @RequireScope('queries', 'audit', 'platform')
  @ApiOkResponse({ type: PartnerView, description: 'ETag: the revision of the partner stream' })
  @ProblemResponses(401, 403, 404)
  async getPartner(
    @Param('partnerId') partnerId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PartnerView> {
    assertPartnerVisible(principal, partnerId);
    const view = await this.queries.execute(new GetPartnerQuery(partnerId));
    reply.header('ETag', `"${view.revision}"`);
    return view;
  }

  @Post(':partnerId/profile')
  @ApiOperation({
    summary:
      'Change company profile fields (global admin). Legal name or country changes need re-verification.',
  })
  @ApiCommand()
  updateCompanyProfile(
    @Param('partnerId') partnerId: string,
    @Body() body: UpdateCompanyProfileDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    // commandId is transport (the gateway strips it from the top level), not a profile field.
    const { commandId: _commandId, ...changes } = body;
    return this.send('UpdateCompanyProfile', partnerId, { changes }, meta);
  }

  @Post(':partnerId/profile/verify')
  @ApiOperation({ summary: 'Mark the company profile verified. Platform only.' })
  @ApiCommand({ scope: 'platform' })
  verifyCompanyProfile(@Param('partnerId') partnerId: string, @CommandMeta() meta: CommandRequestMeta) {
    return this.send('VerifyCompanyProfile', partnerId, {}, meta);
  }

  @Post(':partnerId/profile/reject')
  @ApiOperation({ summary: 'Reject a profile pending verification, with a reason. Platform only.' })
  @ApiCommand({ scope: 'platform' })
  rejectCompanyProfile(
    @Param('partnerId') partnerId: string,
    @Body() body: RejectCompanyProfileDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('RejectCompanyProfile', partnerId, body, meta);
  }

  @Post(':partnerId/authorizations/grant')
  @ApiOperation({
    summary:
      'Grant advisor / delegated-admin-certified / authorized-service-provider from a date. Platform only.',
  })
  @ApiCommand({ scope: 'platform' })
  grantAuthorization(
    @Param('partnerId') partnerId: string,
    @Body() body: AuthorizationChangeDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('GrantAuthorization', partnerId, body, meta);
  }

  @Post(':partnerId/authorizations/revoke')
  @ApiOperation({ summary: 'Revoke an authorization from a date. Platform only.' })
  @ApiCommand({ scope: 'platform' })
  revokeAuthorization(
    @Param('partnerId') partnerId: string,
    @Body() body: AuthorizationChangeDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('RevokeAuthorization', partnerId, body, meta);
  }

  @Post(':partnerId/users')
  @ApiOperation({
    summary: 'Create a partner user (global admin or user management admin). E-mail unique per partner.',
  })
  @ApiCommand({ problems: [409] })
  createPartnerUser(
    @Param('partnerId') partnerId: string,
    @Body() body: CreatePartnerUserDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('CreatePartnerUser', partnerId, body, meta);
  }

  @Post(':partnerId/users/:userId')
  @ApiOperation({ summary: "Change a partner user's e-mail or display name." })
  @ApiCommand({ problems: [409] })
  updatePartnerUser(
    @Param('partnerId') partnerId: string,
    @Param('userId') userId: string,
    @Body() body: UpdatePartnerUserDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('UpdatePartnerUser', partnerId, { ...body, userId }, meta);
  }

  @Post(':partnerId/users/:userId/deactivate')
  @ApiOperation({ summary: 'Deactivate a partner user (never the last active global admin).' })
  @ApiCommand()
  deactivatePartnerUser(
    @Param('partnerId') partnerId: string,
    @Param('userId') userId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('DeactivatePartnerUser', partnerId, { userId }, meta);
  }

  @Post(':partnerId/users/:userId/reactivate')
  @ApiOperation({ summary: 'Reactivate a deactivated partner user.' })
  @ApiCommand()
  reactivatePartnerUser(
    @Param('partnerId') partnerId: string,
    @Param('userId') userId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('ReactivatePartnerUser', partnerId, { userId }, meta);
  }

  @Post(':partnerId/users/:userId/roles/assign')
  @ApiOperation({
    summary:
      'Assign an own-company role or supported-companies access (global admin). Assigning a held role is a no-op.',
  })
  @ApiCommand()
  assignAdminRole(
    @Param('partnerId') partnerId: string,
    @Param('userId') userId: string,
    @Body() body: AssignAdminRoleDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('AssignAdminRole', partnerId, { ...body, userId }, meta);
  }

  @Post(':partnerId/users/:userId/roles/revoke')
  @ApiOperation({ summary: 'Revoke the own-company role or the supported-companies access (global admin).' })
  @ApiCommand()
  revokeAdminRole(
    @Param('partnerId') partnerId: string,
    @Param('userId') userId: string,
    @Body() body: RevokeAdminRoleDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    return this.send('RevokeAdminRole', partnerId, { ...body, userId }, meta);
  }
}
