import type { Actor } from '@pc/event-store';
import { ACTOR_KINDS, SCOPES, type Principal, type Scope, type TokenActorKind } from './principal';

/** Why verified claims do not describe a usable principal; becomes a 401 detail. */
export class InvalidClaimsError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'InvalidClaimsError';
  }
}

const MAX_ID_LENGTH = 200;

/** Turns the payload of a token whose signature already checked out into a Principal, or refuses it. */
export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const sub = claims['sub'];
  if (!isId(sub)) throw new InvalidClaimsError('The token has no valid "sub" (calling service id).');
  return {
    service: { kind: 'service', id: sub },
    actor: parseActor(claims['act']),
    scopes: parseScopes(claims['scope']),
  };
}

function parseScopes(raw: unknown): Set<Scope> {
  const list =
    raw === undefined
      ? []
      : typeof raw === 'string'
        ? raw.split(' ').filter((s) => s !== '')
        : Array.isArray(raw)
          ? raw
          : null;
  if (list === null || !list.every((s): s is string => typeof s === 'string')) {
    throw new InvalidClaimsError(
      'The "scope" claim must be a space-separated string or an array of strings.',
    );
  }
  const unknown = list.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new InvalidClaimsError(`Unknown scope(s) ${unknown.join(', ')}; allowed: ${SCOPES.join(', ')}.`);
  }
  return new Set(list as Scope[]);
}

function parseActor(raw: unknown): Actor {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidClaimsError('The token has no "act" object (the acting principal).');
  }
  const act = raw as Record<string, unknown>;
  const kind = act['kind'];
  if (typeof kind !== 'string' || !(ACTOR_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidClaimsError(`"act.kind" must be one of ${ACTOR_KINDS.join(', ')}.`);
  }
  if (!isId(act['id'])) throw new InvalidClaimsError('"act.id" must be a non-empty string.');
  for (const field of ['partnerId', 'customerId'] as const) {
    if (act[field] !== undefined && !isId(act[field])) {
      throw new InvalidClaimsError(`"act.${field}" must be a non-empty string when present.`);
    }
  }
  const actor: Actor = { kind: kind as TokenActorKind, id: act['id'] as string };
  if (typeof act['partnerId'] === 'string') actor.partnerId = act['partnerId'];
  if (typeof act['customerId'] === 'string') actor.customerId = act['customerId'];
  if (actor.kind === 'partner-user' && actor.partnerId === undefined) {
    throw new InvalidClaimsError('A partner-user actor must carry "act.partnerId".');
  }
  if (actor.kind === 'customer-user' && actor.customerId === undefined) {
    throw new InvalidClaimsError('A customer-user actor must carry "act.customerId".');
  }
  return actor;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_ID_LENGTH;
}
