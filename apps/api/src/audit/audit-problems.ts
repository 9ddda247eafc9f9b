import { AuditNotFoundError } from '@pc/audit';
import { InvalidAppendError, StreamNotFoundError } from '@pc/event-store';
import { ProblemException } from '../platform';

/**
 * Turns what the audit readers refuse into problem+json. The port reports a malformed position as
 * InvalidAppendError (its generic "bad argument"): for a reader that is the caller's 400, never a 500.
 */
export function toAuditProblem(error: unknown): unknown {
  if (error instanceof AuditNotFoundError) {
    return new ProblemException(404, error.code, 'Not found', error.message, { ...error.facts });
  }
  if (error instanceof StreamNotFoundError) {
    return new ProblemException(
      404,
      'stream-not-found',
      'Not found',
      `Stream '${error.streamName}' was not found.`,
      {
        streamName: error.streamName,
      },
    );
  }
  if (error instanceof InvalidAppendError) {
    return new ProblemException(400, 'invalid-audit-query', 'Bad request', error.message);
  }
  return error;
}

/** Runs a read and rethrows its refusal as the matching problem. */
export async function asProblem<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw toAuditProblem(error);
  }
}

export const badAuditQuery = (detail: string): ProblemException =>
  new ProblemException(400, 'invalid-audit-query', 'Bad request', detail);
