import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { unauthenticated } from '../problem/problem-exception';
import { correlationIdOf, principalOf, requestIdOf } from '../request-context';

/** The part of the reply the gateway needs: it sets the status (201/200) and ETag/X-Position. */
export interface CommandReply {
  status(statusCode: number): unknown;
  header(name: string, value: string): unknown;
}

/** Everything about the HTTP request that a command needs besides its payload. */
export interface CommandRequestMeta {
  principal: Principal;
  requestId: string;
  correlationId: string;
  /** The Idempotency-Key header, as sent. */
  idempotencyKey?: string;
  /** The If-Match header, as sent. */
  ifMatch?: string;
  method: string;
  /** The concrete path (no query string), part of the idempotency fingerprint. */
  path: string;
  /** The body as received (before DTO transformation): fingerprinted, and read for `commandId`. */
  rawBody: unknown;
  reply: CommandReply;
}

const headerValue = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/** Parameter decorator for command routes: `@CommandMeta() meta: CommandRequestMeta`. */
export const CommandMeta = createParamDecorator(
  (_: unknown, context: ExecutionContext): CommandRequestMeta => {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const principal = principalOf(request.raw);
    if (principal === undefined) throw unauthenticated('This operation requires a bearer token.');
    return {
      principal,
      requestId: requestIdOf(request.raw),
      correlationId: correlationIdOf(request.raw),
      idempotencyKey: headerValue(request.headers['idempotency-key']),
      ifMatch: headerValue(request.headers['if-match']),
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      rawBody: request.body,
      reply: {
        status: (statusCode) => reply.status(statusCode),
        header: (name, value) => reply.header(name, value),
      },
    };
  },
);
