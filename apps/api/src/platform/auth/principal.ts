import type { Actor } from '@pc/event-store';

export const SCOPES = ['commands', 'queries', 'audit', 'platform'] as const;
export type Scope = (typeof SCOPES)[number];

/** Actor kinds a token may name in `act` (the 'service' kind is the token's `sub`, never an actor). */
export const ACTOR_KINDS = ['partner-user', 'customer-user', 'platform'] as const;
export type TokenActorKind = (typeof ACTOR_KINDS)[number];

/** Who is calling: the internal service (JWT `sub`), on whose behalf (JWT `act`), and with which scopes. */
export interface Principal {
  service: { kind: 'service'; id: string };
  actor: Actor;
  scopes: ReadonlySet<Scope>;
}

export function hasAnyScope(principal: Principal, scopes: readonly Scope[]): boolean {
  return scopes.some((scope) => principal.scopes.has(scope));
}
