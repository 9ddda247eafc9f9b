import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import {
  type CustomerState,
  type PartnerState,
  authorizePartnerAction,
  customerEvolver,
  customerStream,
  partnerEvolver,
  partnerStream,
} from '@pc/domain';
import { requireActiveUser } from '@pc/domain/shared/tenant-user';
import type { Actor } from '@pc/event-store';
import type { ExtendedPipeline } from '@pc/pipeline';
import type { FastifyRequest } from 'fastify';
import { principalOf } from '../request-context';
import type { Principal } from './principal';
import { COMMAND_PIPELINE } from '../tokens';

const READS = new Set(['GET', 'HEAD']);

/**
 * The acting-user rule itself, for the guard and for whatever outlives a request's guards (the
 * update stream asks it again while it stays open). Throws the domain's refusal (a DomainError) when
 * a partner or customer user is not an active user of its own tenant; platform actors pass.
 */
@Injectable()
export class ActingUsers {
  constructor(@Inject(COMMAND_PIPELINE) private readonly pipeline: ExtendedPipeline) {}

  async assertActive(principal: Principal): Promise<void> {
    const { actor } = principal;
    if (actor.kind === 'partner-user' && actor.partnerId !== undefined) {
      await this.assertActivePartnerUser(actor, actor.partnerId);
    } else if (actor.kind === 'customer-user' && actor.customerId !== undefined) {
      await this.assertActiveCustomerUser(actor, actor.customerId);
    }
  }

  private async assertActivePartnerUser(actor: Actor, partnerId: string): Promise<void> {
    const { state } = await this.pipeline.readAggregate<PartnerState>(
      partnerStream(partnerId),
      partnerEvolver,
    );
    if (!state.exists) return;
    authorizePartnerAction(state, actor, 'view-partner');
  }

  private async assertActiveCustomerUser(actor: Actor, customerId: string): Promise<void> {
    const { state } = await this.pipeline.readAggregate<CustomerState>(
      customerStream(customerId),
      customerEvolver,
    );
    if (!state.exists) return;
    requireActiveUser('customer', state.id, state.users, actor.id);
  }
}

/**
 * Global guard, after the TenantGuard: a tenant user's READ is answered only while the event-sourced
 * state of the user's own tenant holds that user, active: a partner or customer route, and also a
 * route of no tenant (`GET /invitations/{code}`: what an invitation offers). A
 * token outlives a deactivation, and commands already ask the domain (authorizePartnerAction /
 * authorizeCustomerAction); this gives reads the same rule, with the domain's refusals (403
 * `actor-not-a-partner-user` / `actor-not-a-customer-user`, `actor-inactive`).
 *
 * - A partner user: its partner (`act.partnerId`), on every read.
 * - A customer user: its customer (the TenantGuard has already made the route's `{customerId}` its own).
 * - Platform actors: nothing to check, nothing read.
 *
 * One aggregate read per request, through the pipeline's stream cache (the partner or customer is
 * usually cached: only events appended since are read). A tenant whose stream does not exist has
 * nothing to read: the route answers its own 404 as before.
 */
@Injectable()
export class ActingUserGuard implements CanActivate {
  constructor(private readonly actingUsers: ActingUsers) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!READS.has(request.method)) return true;
    const principal = principalOf(request.raw);
    if (principal === undefined) return true; // a @Public() route
    await this.actingUsers.assertActive(principal);
    return true;
  }
}
