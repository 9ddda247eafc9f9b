import type { DecisionContext, DomainEvent, Evolver, Loaded } from './types';

/** One stream a command reads, and how to fold it. */
export interface StreamSpec {
  stream: string;
  evolver: Evolver<unknown, DomainEvent>;
}

/**
 * A command's decision: events to append, by the alias of a loaded stream. The pipeline writes the
 * non-primary aliases first (claims such as "this product key is used" or "this domain is taken",
 * each with the revision it read, so races are caught), then the primary stream.
 */
export interface DecisionResult {
  events: Record<string, DomainEvent[]>;
  /** Ids the command created, reported to the caller. */
  ids?: Record<string, string>;
  /** One-time values for the caller (never stored), e.g. a temporary password. */
  returned?: Record<string, string>;
}

/**
 * The definition of one command type: which streams it loads (by alias), which of them is the
 * primary (the aggregate the command is about: its revision is the ETag / If-Match), and the pure
 * decision. The one generic pipeline runs every command through this shape.
 */
export interface CommandDefinition<P = Record<string, unknown>> {
  type: string;
  /** Streams to load, by alias. Must include `primary`. */
  streams(payload: P, ctx: DecisionContext): Record<string, StreamSpec>;
  /** Alias of the primary stream. */
  primary: string;
  /** Pure: the events to append (by alias), or a thrown DomainError. */
  decide(payload: P, loaded: Record<string, Loaded<unknown>>, ctx: DecisionContext): DecisionResult;
}

export type CommandRegistry = ReadonlyMap<string, CommandDefinition>;

/** Helps type a definition while registering it in a heterogeneous registry. */
export function defineCommand<P>(definition: CommandDefinition<P>): CommandDefinition {
  return definition as unknown as CommandDefinition;
}

export function registry(...definitions: CommandDefinition[]): CommandRegistry {
  const map = new Map<string, CommandDefinition>();
  for (const d of definitions) {
    if (map.has(d.type)) throw new Error(`Command '${d.type}' is defined twice`);
    map.set(d.type, d);
  }
  return map;
}

/** Folds events into a state with an evolver. */
export function fold<S, E extends DomainEvent>(evolver: Evolver<S, E>, events: readonly E[]): S {
  let state = evolver.initialState;
  for (const e of events) state = evolver.evolve(state, e);
  return state;
}

/**
 * The pure core of every command, shared by the pipeline and the spec DSL: fold each loaded
 * stream, then decide. `history` gives each stream's events (already in order).
 */
export function decideWithHistory(
  definition: CommandDefinition,
  payload: Record<string, unknown>,
  ctx: DecisionContext,
  history: (stream: string) => readonly DomainEvent[],
): { specs: Record<string, StreamSpec>; result: DecisionResult } {
  const specs = definition.streams(payload, ctx);
  const loaded: Record<string, Loaded<unknown>> = {};
  for (const [alias, spec] of Object.entries(specs)) {
    const events = history(spec.stream);
    loaded[alias] = { state: fold(spec.evolver, events), revision: events.length - 1 };
  }
  return { specs, result: definition.decide(payload, loaded, ctx) };
}
