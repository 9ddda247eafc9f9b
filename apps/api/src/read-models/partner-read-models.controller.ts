import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiCommand,
  assertPartnerVisible,
  CommandGateway,
  CommandMeta,
  type CommandRequestMeta,
  CurrentPrincipal,
  type Principal,
  ProblemResponses,
  RequireScope,
} from '../platform';
import {
  ListClientsQueryDto,
  ListPorNotificationsQueryDto,
  MarkPorNotificationsReadDto,
} from './dto/read-model.dto';
import { PartnerUpdates } from './partner-updates';
import { GetClientQuery, ListClientsQuery } from './queries/client-list.queries';
import { GetPartnerOverviewQuery } from './queries/partner-overview.query';
import { ListPorNotificationsQuery } from './queries/por-notifications.queries';
import { MinPosition } from './read-your-writes';
import { ClientDetailView, ClientPageView } from './views/client.view';
import { PartnerOverviewView } from './views/partner-overview.view';
import { PorNotificationPageView } from './views/por-notification.view';

const MIN_POSITION_HEADER = ApiHeader({
  name: 'X-Min-Position',
  required: false,
  description:
    'A command response `position` the answer must reflect; 503 + Retry-After if not reached in time',
});

/**
 * A partner's dashboards: overview, clients, POR notifications, and their live update stream. Every
 * route hides other tenants (404) before reading anything; reads go through the QueryBus to the
 * read-model store, never to the event store.
 */
@ApiTags('read models')
@ApiBearerAuth()
@Controller('partners/:partnerId')
export class PartnerReadModelsController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: CommandGateway,
    private readonly updates: PartnerUpdates,
  ) {}

  @Get('overview')
  @ApiOperation({
    summary:
      'Profile, verification, authorizations, users by role, clients, trials, invitations, subscriptions, unread POR notifications.',
  })
  @RequireScope('queries', 'audit', 'platform')
  @MIN_POSITION_HEADER
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiOkResponse({ type: PartnerOverviewView })
  @ProblemResponses(400, 401, 403, 404, 503)
  getPartnerOverview(
    @Param('partnerId') partnerId: string,
    @CurrentPrincipal() principal: Principal,
    @MinPosition() minPosition: string | undefined,
  ): Promise<PartnerOverviewView> {
    assertPartnerVisible(principal, partnerId);
    return this.queries.execute(new GetPartnerOverviewQuery(partnerId, minPosition));
  }

  @Get('clients')
  @ApiOperation({
    summary: 'The clients of the partner: search by name or domain, filter, sort, keyset pages.',
  })
  @RequireScope('queries', 'audit', 'platform')
  @MIN_POSITION_HEADER
  @ApiOkResponse({ type: ClientPageView })
  @ProblemResponses(400, 401, 403, 404, 503)
  listClients(
    @Param('partnerId') partnerId: string,
    @Query() query: ListClientsQueryDto,
    @CurrentPrincipal() principal: Principal,
    @MinPosition() minPosition: string | undefined,
  ): Promise<ClientPageView> {
    assertPartnerVisible(principal, partnerId);
    const { minPosition: _fromQuery, ...params } = query;
    return this.queries.execute(new ListClientsQuery(partnerId, params, minPosition));
  }

  @Get('clients/:customerId')
  @ApiOperation({ summary: 'One client of the partner with its relationship and every subscription.' })
  @RequireScope('queries', 'audit', 'platform')
  @MIN_POSITION_HEADER
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiOkResponse({ type: ClientDetailView })
  @ProblemResponses(400, 401, 403, 404, 503)
  getClient(
    @Param('partnerId') partnerId: string,
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
    @MinPosition() minPosition: string | undefined,
  ): Promise<ClientDetailView> {
    assertPartnerVisible(principal, partnerId);
    return this.queries.execute(new GetClientQuery(partnerId, customerId, minPosition));
  }

  @Get('por-notifications')
  @ApiOperation({
    summary: "Partner of Record notifications about its customers' subscriptions, newest first.",
  })
  @RequireScope('queries', 'audit', 'platform')
  @MIN_POSITION_HEADER
  @ApiOkResponse({ type: PorNotificationPageView })
  @ProblemResponses(400, 401, 403, 404, 503)
  listPorNotifications(
    @Param('partnerId') partnerId: string,
    @Query() query: ListPorNotificationsQueryDto,
    @CurrentPrincipal() principal: Principal,
    @MinPosition() minPosition: string | undefined,
  ): Promise<PorNotificationPageView> {
    assertPartnerVisible(principal, partnerId);
    const { minPosition: _fromQuery, ...params } = query;
    return this.queries.execute(new ListPorNotificationsQuery(partnerId, params, minPosition));
  }

  @Post('por-notifications/read')
  @ApiOperation({
    summary:
      'Mark POR notifications read: by ids, everything up to a position, or all. An event, so read models stay disposable.',
  })
  @ApiCommand()
  markPorNotificationsRead(
    @Param('partnerId') partnerId: string,
    @Body() body: MarkPorNotificationsReadDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    assertPartnerVisible(meta.principal, partnerId);
    return this.commands.send('MarkPorNotificationsRead', { ...body, partnerId }, meta);
  }

  @Get('updates')
  @ApiOperation({
    summary:
      'Server-Sent Events: `changed` events naming the read model (overview, clients, por-notifications) and its position; a last `end` event (then the close) once the acting user may no longer read, e.g. deactivated.',
  })
  @RequireScope('queries', 'audit', 'platform')
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An event stream; heartbeat comments keep it open.' })
  @ProblemResponses(401, 403, 404)
  streamPartnerUpdates(
    @Param('partnerId') partnerId: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    // Before the stream opens: a hidden tenant gets the ordinary 404 problem, not an empty stream.
    assertPartnerVisible(principal, partnerId);
    // The principal lets the open stream ask the acting-user rule again (a user deactivated meanwhile).
    this.updates.open(partnerId, principal, request, reply);
  }
}
