import type { DomainEvent } from './types';

/**
 * A command that spans aggregates first appends *claims* (a domain is taken, a product key is used,
 * an invitation code is issued) and then its primary stream. When the command is refused or gives
 * up after one of its claims was written, the pipeline appends `ClaimReleased` to that claim stream,
 * naming the event types it undoes, so nothing stays claimed by a command that never happened.
 * Every evolver of a claim stream must handle it.
 */
export const CLAIM_RELEASED = 'ClaimReleased';

export type ClaimReleased = DomainEvent<
  typeof CLAIM_RELEASED,
  { commandId: string; undoes: string[]; reason: string }
>;

export const isClaimRelease = (event: DomainEvent): event is ClaimReleased => event.type === CLAIM_RELEASED;

/** Does this release undo an event of that type? */
export const releases = (event: DomainEvent, type: string): boolean =>
  isClaimRelease(event) && event.data.undoes.includes(type);
