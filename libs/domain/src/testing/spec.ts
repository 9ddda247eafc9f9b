import { type CommandRegistry, decideWithHistory } from '../shared/command';
import { DomainError } from '../shared/errors';
import type { Actor, DecisionContext, DomainEvent } from '../shared/types';

/**
 * A given / when / then DSL for command specs, running the very decision code the pipeline runs
 * (minus I/O). Reads as a specification:
 *
 *   given({ 'partner-p1': [registered, ...] })
 *     .when('AssignAdminRole', { partnerId: 'p1', ... }, { actor: globalAdmin })
 *     .thenEmits({ 'partner-p1': [{ type: 'AdminRoleAssigned', data: {...} }] });
 */
export interface WhenOptions {
  actor: Actor;
  /** Defaults to 2026-01-01T00:00:00.000Z. */
  now?: string;
}

export interface Outcome {
  /** Exactly these events, by stream name (streams not named must get none). */
  thenEmits(expected: Record<string, DomainEvent[]>): Outcome;
  /** Nothing is written (a no-op). */
  thenNothing(): Outcome;
  /** Refused with this code (and, optionally, these facts among the error's facts). */
  thenRefused(code: string, facts?: Record<string, unknown>): Outcome;
  /** The ids reported to the caller include these. */
  thenIds(ids: Record<string, string>): Outcome;
  /** The raw events by stream, for ad-hoc assertions. */
  readonly events: Record<string, DomainEvent[]>;
}

export const SPEC_NOW = '2026-01-01T00:00:00.000Z';
export const specNewId = (name: string): string => `new-${name}`;

export function commandSpec(commands: CommandRegistry) {
  return function given(history: Record<string, DomainEvent[]> = {}) {
    return {
      when(type: string, payload: object, options: WhenOptions): Outcome {
        const definition = commands.get(type);
        if (!definition) throw new Error(`No command '${type}' in the registry`);
        const ctx: DecisionContext = { actor: options.actor, now: options.now ?? SPEC_NOW, newId: specNewId };
        let error: unknown = null;
        let byStream: Record<string, DomainEvent[]> = {};
        let ids: Record<string, string> = {};
        try {
          const { specs, result } = decideWithHistory(
            definition,
            payload as Record<string, unknown>,
            ctx,
            (s) => history[s] ?? [],
          );
          for (const [alias, events] of Object.entries(result.events)) {
            if (events.length > 0) byStream[specs[alias].stream] = events;
          }
          ids = result.ids ?? {};
        } catch (e) {
          error = e;
          byStream = {};
        }
        const outcome: Outcome = {
          events: byStream,
          thenEmits(expected) {
            if (error) throw error;
            expect(byStream).toEqual(expected);
            return outcome;
          },
          thenNothing() {
            if (error) throw error;
            expect(byStream).toEqual({});
            return outcome;
          },
          thenRefused(code, facts) {
            expect(error).toBeInstanceOf(DomainError);
            const refusal = error as DomainError;
            expect({ code: refusal.code }).toEqual({ code });
            if (facts) expect(refusal.facts).toMatchObject(facts);
            return outcome;
          },
          thenIds(expected) {
            if (error) throw error;
            expect(ids).toMatchObject(expected);
            return outcome;
          },
        };
        return outcome;
      },
    };
  };
}

/** A history with events written since (e.g. a first customer's acceptance) appended stream by stream. */
export function followedBy(
  history: Record<string, DomainEvent[]>,
  written: Record<string, DomainEvent[]>,
): Record<string, DomainEvent[]> {
  const streams = new Set([...Object.keys(history), ...Object.keys(written)]);
  return Object.fromEntries([...streams].map((s) => [s, [...(history[s] ?? []), ...(written[s] ?? [])]]));
}
