import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { principalOf } from '../request-context';
import { assertCustomerVisible, assertPartnerVisible, customerNotFound, partnerNotFound } from './tenant';

/** The shape of every partner and customer id (letters, digits, '-', '_'; generated ids are UUIDs). */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Global guard, after authentication: every route with a `{partnerId}` or `{customerId}` parameter
 * answers another tenant with 404 BEFORE anything else looks at the request (validation included),
 * so no endpoint can forget the check and nothing about another tenant's resources leaks through
 * error details. What needs business state (is this partner related to that customer?) is still
 * decided further in, by the readers and the domain.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = principalOf(request.raw);
    if (principal === undefined) return true; // a @Public() route
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    // An id that cannot exist is not found; it also keeps ids from reaching into another stream's
    // namespace (`customer-domain-x.com` is a claim stream, not a customer).
    if (params.partnerId !== undefined && !ID.test(params.partnerId)) throw partnerNotFound(params.partnerId);
    if (params.customerId !== undefined && !ID.test(params.customerId))
      throw customerNotFound(params.customerId);
    if (params.partnerId !== undefined) assertPartnerVisible(principal, params.partnerId);
    // A customer user is bound to one customer; a partner user's access to a customer depends on
    // the relationship, which the customer routes check from the customer's own state.
    if (params.customerId !== undefined && principal.actor.kind === 'customer-user') {
      assertCustomerVisible(principal, params.customerId);
    }
    return true;
  }
}
