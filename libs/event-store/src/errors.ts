import type { ActualRevision, ExpectedRevision } from './types';

/** Base of every error the event-store port raises; `code` is stable and machine-readable. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

/** The stream was not at the expected revision. Carries the facts: stream, expected and actual. */
export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'wrong-expected-version';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
  ) {
    super(
      `Append to stream '${streamName}' expected revision ${String(expected)} but the stream is at ${String(actual)}`,
    );
    this.name = 'WrongExpectedVersionError';
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'stream-not-found';
  constructor(readonly streamName: string) {
    super(`Stream '${streamName}' not found`);
    this.name = 'StreamNotFoundError';
  }
}

/** The backend could not be reached or failed in a way that is not the caller's fault. */
export class EventStoreUnavailableError extends EventStoreError {
  readonly code = 'event-store-unavailable';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'EventStoreUnavailableError';
  }
}

/** Invalid arguments to a port operation (empty stream name, bad event id, non-JSON data...). */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'invalid-append';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}

/**
 * The backend refused the service access (wrong credentials, or ACLs that deny its user): a
 * configuration fault that retrying never fixes, unlike EventStoreUnavailableError.
 */
export class EventStoreAccessDeniedError extends EventStoreError {
  readonly code = 'event-store-access-denied';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'EventStoreAccessDeniedError';
  }
}

/**
 * An append to a stream the backend has deleted for good (an EventStoreDB tombstone): the stream can
 * never be written again, so retrying never helps. Only the EventStoreDB adapter raises it (the SQL
 * adapters never delete streams); a read of a deleted stream is a StreamNotFoundError.
 */
export class StreamDeletedError extends EventStoreError {
  readonly code = 'stream-deleted';
  constructor(readonly streamName: string) {
    super(`Stream '${streamName}' is deleted and cannot be written`);
    this.name = 'StreamDeletedError';
  }
}
