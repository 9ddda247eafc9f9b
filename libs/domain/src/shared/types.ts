/**
 * The domain's kernel types. Everything in libs/domain is pure: no framework, no I/O, no clock,
 * no randomness. Time and new ids arrive with the command (see DecisionContext).
 */

/** A domain event as decided: a type and its JSON data. The pipeline adds ids and metadata. */
export interface DomainEvent<T extends string = string, D extends object = object> {
  type: T;
  data: D;
}

/** An aggregate's fold: start from `initialState`, apply each event of its stream in order. */
export interface Evolver<S, E extends DomainEvent = DomainEvent> {
  initialState: S;
  evolve(state: S, event: E): S;
}

export type ActorKind = 'partner-user' | 'customer-user' | 'service' | 'platform';

/** The acting principal, as authenticated at the edge (the domain decides what it may do). */
export interface Actor {
  kind: ActorKind;
  id: string;
  partnerId?: string;
  customerId?: string;
}

/** What a decision may know besides the command and the loaded states. */
export interface DecisionContext {
  actor: Actor;
  /** Business time of the command, ISO-8601 (UTC). */
  now: string;
  /** A new id, deterministic for this command and name (retries get the same id). */
  newId(name: string): string;
}

/** An aggregate's state as loaded by the pipeline: the folded state and the stream's revision (-1: no stream). */
export interface Loaded<S> {
  state: S;
  revision: number;
}
