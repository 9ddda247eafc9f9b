import type { Actor, Position } from '@pc/event-store';

/** Everything about a command that is not its payload: who, on whose behalf, when, and which request. */
export interface CommandContext {
  /** Stable id of this command; a retry carries the same id (derived from the Idempotency-Key). */
  commandId: string;
  correlationId: string;
  /** Defaults to commandId. */
  causationId?: string;
  /** The acting principal (JWT `act`). */
  actor: Actor;
  /** The calling internal service (JWT `sub`). */
  service: { kind: 'service'; id: string };
  /** Business time of the command (ISO-8601), taken from the injected clock at the edge. */
  now: string;
  /** From If-Match: the revision the caller saw. A mismatch is a PreconditionFailedError, never retried. */
  expectedRevision?: number;
}

export interface CommandResult {
  commandId: string;
  /** The stream the command wrote to (or would have, for a no-op). */
  streamName: string;
  /** Revision of the stream after the command (-1 when it has no events). */
  revision: number;
  /** Global position of the last event written, null when nothing was written. */
  position: Position | null;
  /** Ids the command created, by name (e.g. { partnerId, userId }). */
  ids: Record<string, string>;
  /** Types of the events written. Empty for a no-op. */
  eventTypes: string[];
  /** True when this command id had already been applied and nothing new was written. */
  replayed: boolean;
  /** Extra data returned once to the caller and never stored (e.g. a temporary password). */
  returned?: Record<string, string>;
}

export interface CommandPipeline {
  execute(
    commandType: string,
    payload: Record<string, unknown>,
    context: CommandContext,
  ): Promise<CommandResult>;
}

/** If-Match did not match the aggregate's current revision (HTTP 412). */
export class PreconditionFailedError extends Error {
  readonly code = 'precondition-failed';
  constructor(
    readonly streamName: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Stream '${streamName}' is at revision ${actual}, not ${expected}`);
    this.name = 'PreconditionFailedError';
  }
}

/** Version conflicts kept happening after the bounded retries (HTTP 409). */
export class ConcurrencyConflictError extends Error {
  readonly code = 'concurrency-conflict';
  constructor(
    readonly streamName: string,
    readonly attempts: number,
  ) {
    super(`Stream '${streamName}' kept changing concurrently; gave up after ${attempts} attempts`);
    this.name = 'ConcurrencyConflictError';
  }
}

/** The command type is not registered. */
export class UnknownCommandError extends Error {
  readonly code = 'unknown-command';
  constructor(readonly commandType: string) {
    super(`Unknown command '${commandType}'`);
    this.name = 'UnknownCommandError';
  }
}

/**
 * A command its primary stream already holds could not be answered as the first time: decided again
 * on every stream as it stood just before the command, at the command's own time, it was refused or
 * wrote other events than the store holds (a decision that is not pure, or depends on something
 * outside its streams, such as a catalog changed since). Never a DomainError: the command happened,
 * so nothing it claimed is given back, and no answer with made-up or missing ids is given (a gateway
 * would store that answer for the key). Not retried; a retry after the cause is fixed answers.
 */
export class ReplayMismatchError extends Error {
  readonly code = 'replay-mismatch';
  constructor(
    readonly commandId: string,
    readonly commandType: string,
    readonly streamName: string,
    /** Per decision tried: why it did not reproduce what the store holds. */
    readonly reasons: string[],
  ) {
    super(
      `Command ${commandId} (${commandType}) is stored in '${streamName}', but its answer cannot be ` +
        `rebuilt: decided again on its streams as they were before it, ${reasons.join('; ')}`,
    );
    this.name = 'ReplayMismatchError';
  }
}
