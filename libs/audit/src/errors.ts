/**
 * Refusals of the audit readers, with a stable code the HTTP layer and the CLI turn into a 404 / a
 * message. Facts ride along so neither has to parse the message.
 */
export type AuditNotFoundCode =
  | 'stream-not-found'
  | 'unknown-aggregate-type'
  | 'revision-not-found'
  | 'aggregate-not-yet-existing'
  | 'position-not-reached'
  | 'partner-not-found';

export class AuditNotFoundError extends Error {
  constructor(
    readonly code: AuditNotFoundCode,
    message: string,
    readonly facts: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = 'AuditNotFoundError';
  }
}
