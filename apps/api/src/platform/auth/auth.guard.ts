import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException, insufficientScope, unauthenticated } from '../problem/problem-exception';
import { setPrincipal } from '../request-context';
import { ACROSS_TENANTS, IS_PUBLIC, REQUIRED_SCOPES } from './decorators';
import { JWT_VERIFIER, TokenRejectedError, type JwtVerifier } from './jwt-verifier';
import type { Scope } from './principal';
import { seesEverything } from './tenant';

/** Global guard: every route needs a valid bearer token unless it is marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(JWT_VERIFIER) private readonly verifier: JwtVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = bearerToken(request.headers.authorization);
    let principal;
    try {
      principal = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenRejectedError) throw unauthenticated(error.detail);
      throw error;
    }
    setPrincipal(request.raw, principal);

    const required = this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, targets);
    if (required && !required.some((scope) => principal.scopes.has(scope))) throw insufficientScope(required);
    if (this.reflector.getAllAndOverride<boolean>(ACROSS_TENANTS, targets) && !seesEverything(principal)) {
      throw new ProblemException(
        403,
        'cross-tenant-access-denied',
        'Forbidden',
        "This operation spans every tenant: it needs a platform actor (act.kind platform), not a tenant user's token, whatever its scopes.",
        { actorKind: principal.actor.kind },
      );
    }
    return true;
  }
}

function bearerToken(header: string | undefined): string {
  if (header === undefined || header === '') {
    throw unauthenticated('This operation requires an "Authorization: Bearer <token>" header.');
  }
  const match = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)\s*$/i.exec(header);
  if (match === null) throw unauthenticated('The Authorization header is not a well-formed bearer JWT.');
  return match[1] as string;
}
