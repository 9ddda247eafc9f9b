import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { insufficientScope, unauthenticated } from '../problem/problem-exception';
import { principalOf } from '../request-context';
import type { Principal, Scope } from './principal';

export const IS_PUBLIC = 'pc:is-public';
export const REQUIRED_SCOPES = 'pc:required-scopes';
/** OpenAPI marker the document builder turns into `security: []` (see openapi/setup-openapi.ts). */
export const OPENAPI_PUBLIC_EXTENSION = 'x-pc-public';

/** The route needs no token (health, readiness, metrics). */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(OPENAPI_PUBLIC_EXTENSION, true));

/**
 * The token must carry AT LEAST ONE of these scopes. Without this decorator an authenticated
 * caller with any scope passes the guard; put it on every controller or route.
 */
export const RequireScope = (...scopes: [Scope, ...Scope[]]): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(REQUIRED_SCOPES, scopes), ApiExtension('x-required-scopes', scopes));

export const ACROSS_TENANTS = 'pc:across-tenants';

/**
 * The route reads (or acts on) every tenant at once, so the scope alone is not enough: the caller must
 * be one who sees every tenant (a platform actor: see seesEverything in tenant.ts). A partner or customer user's token is refused with 403 whatever
 * scopes it carries; such a token gets 404 on another tenant's own routes for the same reason.
 */
export const AcrossTenants = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(ACROSS_TENANTS, true), ApiExtension('x-across-tenants', true));

/** The authenticated caller: `{ service, actor, scopes }`. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const principal = principalOf(request.raw);
  // Only reachable on a @Public() route, which has no principal by definition.
  if (principal === undefined) throw unauthenticated('This operation requires a bearer token.');
  return principal;
});

/** For handlers that check scopes themselves (e.g. a route that serves both queries and audit). */
export function assertScope(principal: Principal, ...scopes: [Scope, ...Scope[]]): void {
  if (!scopes.some((scope) => principal.scopes.has(scope))) throw insufficientScope(scopes);
}
