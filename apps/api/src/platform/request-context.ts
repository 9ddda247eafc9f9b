import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Principal } from './auth/principal';

/**
 * Per-request facts shared between Fastify hooks, pino-http (which sees the raw IncomingMessage),
 * guards and the command gateway. Kept in a WeakMap keyed by the raw request so nothing leaks
 * after the request is gone and no global type augmentation is needed.
 */
interface RequestFacts {
  requestId: string;
  correlationId: string;
  principal?: Principal;
}

const facts = new WeakMap<IncomingMessage, RequestFacts>();

/**
 * Ids from callers end up in logs and events: accept only short, plain tokens. No `@`, so a caller
 * cannot put an e-mail address into every log line and event of its request.
 */
const SAFE_ID = /^[A-Za-z0-9._:\-]{1,128}$/;

export function safeIdOrUndefined(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && SAFE_ID.test(first) ? first : undefined;
}

/** Fastify's genReqId: honours a well-formed X-Request-Id, otherwise mints one. */
export function assignRequestIds(raw: IncomingMessage): string {
  const requestId = safeIdOrUndefined(raw.headers['x-request-id']) ?? randomUUID();
  const correlationId = safeIdOrUndefined(raw.headers['x-correlation-id']) ?? requestId;
  facts.set(raw, { requestId, correlationId });
  return requestId;
}

function factsOf(raw: IncomingMessage): RequestFacts {
  let found = facts.get(raw);
  if (found === undefined) {
    assignRequestIds(raw);
    found = facts.get(raw) as RequestFacts;
  }
  return found;
}

export const requestIdOf = (raw: IncomingMessage): string => factsOf(raw).requestId;
export const correlationIdOf = (raw: IncomingMessage): string => factsOf(raw).correlationId;
export const principalOf = (raw: IncomingMessage): Principal | undefined => factsOf(raw).principal;
export function setPrincipal(raw: IncomingMessage, principal: Principal): void {
  factsOf(raw).principal = principal;
}
