import { applyDecorators, Injectable, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemResponses } from '../openapi/problem-responses';
import { actorKey } from '../commands/command-ids';
import { ProblemException } from '../problem/problem-exception';
import { principalOf } from '../request-context';

export const GUESSING_THROTTLER = 'guessing';
const GUESSABLE = 'pc:guessable';

/**
 * Puts a route behind the guessing limit (GUESSING_RATE_LIMIT per GUESSING_RATE_WINDOW_SECONDS and
 * caller): product-key application, invitation-code resolution and redemption, anything where a
 * caller could enumerate secrets. Over the limit: 429 problem+json with Retry-After.
 */
export const GuessingRateLimit = (): MethodDecorator =>
  applyDecorators(SetMetadata(GUESSABLE, true), ProblemResponses(429));

/**
 * ThrottlerGuard that only counts routes marked @GuessingRateLimit(), per calling service and actor.
 * Runs after AuthGuard (registered after it), so the principal is known; the internal services
 * all share few IPs, so an IP key would throttle every user of a service together.
 */
@Injectable()
export class GuessingThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    return (
      this.reflector.getAllAndOverride<boolean>(GUESSABLE, [context.getHandler(), context.getClass()]) !==
      true
    );
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const fastifyRequest = request as unknown as FastifyRequest;
    const principal = principalOf(fastifyRequest.raw);
    if (principal === undefined) return `ip:${fastifyRequest.ip}`;
    // With the actor's tenant: user ids are unique within one partner or customer only, so two
    // customers' "admin" users shared one budget (one could block the other's sign-ups).
    return `${principal.service.id}|${actorKey(principal.actor)}`;
  }

  /** ThrottlerGuard names the header `Retry-After-<throttler>` for named throttlers; RFC 9110 wants `Retry-After`. */
  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const retryAfterSeconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    void reply.header('Retry-After', String(retryAfterSeconds));
    // Our own words, not the library's "ThrottlerException: Too Many Requests".
    throw new ProblemException(
      429,
      'too-many-requests',
      'Too many requests',
      `More than ${detail.limit} attempts in ${Math.round(detail.ttl / 1000)} s on routes that take ` +
        `secrets (codes, product keys); retry in ${retryAfterSeconds} s.`,
      { retryAfterSeconds },
    );
  }
}
