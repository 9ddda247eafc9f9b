import type { Actor } from '@pc/event-store';
import type { CommandContext } from '@pc/pipeline';
import { v5 as uuidv5 } from 'uuid';

/** A due action, as read from the due list. */
export interface DueAction {
  key: string;
  commandType: string;
  payload: Record<string, unknown>;
  dueAt: string;
  causedBy: string;
  correlationId: string | null;
}

/** The scheduler acts as the platform, from its own service id: that is what the events record. */
export const SCHEDULER_ACTOR: Actor = { kind: 'platform', id: 'scheduler' };
export const SCHEDULER_SERVICE = { kind: 'service', id: 'scheduler' } as const;

/** Namespace of scheduler command ids. Fixed forever: changing it would make a re-issue look new. */
export const SCHEDULER_ID_NAMESPACE = '3b8e2f4c-7d1a-5e6b-9c0d-a1b2c3d4e5f6';

/**
 * The command id of a due action: the same action at the same due time always gets the same id, so
 * issuing it again (a crash before the due list caught up, two instances ticking, a tick repeated)
 * is recognised by the pipeline as a replay and writes nothing.
 */
export function scheduledCommandId(action: Pick<DueAction, 'key' | 'dueAt'>): string {
  return uuidv5(`${action.key}@${action.dueAt}`, SCHEDULER_ID_NAMESPACE);
}

export function scheduledCommandContext(action: DueAction, now: string): CommandContext {
  const commandId = scheduledCommandId(action);
  return {
    commandId,
    // The flow that scheduled it (e.g. the invite's creation), so an auditor sees the whole story.
    correlationId: action.correlationId ?? commandId,
    causationId: action.causedBy,
    actor: SCHEDULER_ACTOR,
    service: SCHEDULER_SERVICE,
    now,
  };
}
