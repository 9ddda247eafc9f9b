import type { EventStoreError } from '../errors';
import type { AppendResult, ExpectedRevision } from '../types';
import type { PreparedEvent } from './validation';

/** An append waiting for the adapter's next group commit, with the promise its caller awaits. */
export interface QueuedAppend {
  streamName: string;
  events: PreparedEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** What one append of a group came to: its result, or the port error that refused it alone. */
export type AppendOutcome = AppendResult | EventStoreError;

/** Settles each caller's promise with its own outcome, once the group's transaction has committed. */
export function settleGroup(group: readonly QueuedAppend[], outcomes: readonly AppendOutcome[]): void {
  group.forEach((item, i) => {
    const outcome = outcomes[i];
    if (outcome instanceof Error) item.reject(outcome);
    else item.resolve(outcome);
  });
}
