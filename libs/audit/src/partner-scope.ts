import { AuditNotFoundError } from './errors';
import { partnerStreamName } from './event-filter';

/**
 * The refusal of a partner-scoped audit read (verify, export, its manifest) when no event of the log
 * concerns the partner (no stream `partner-{id}`, no event carrying the id): a typo, say. Answering
 * "0 events, ok" or an empty export would read as a clean record of a partner that was never looked
 * at. One rule and one message for every such read: 404 `partner-not-found` over HTTP, exit 2 in the CLI.
 */
export function partnerNotFound(partnerId: string): AuditNotFoundError {
  return new AuditNotFoundError(
    'partner-not-found',
    `Partner '${partnerId}' was not found: no event of the log concerns it (no stream ` +
      `${partnerStreamName(partnerId)}, no event carrying the id).`,
    { partnerId },
  );
}

/** Throws partnerNotFound when `found` is false (no event of the scanned log concerns the partner). */
export function assertPartnerFound(partnerId: string, found: boolean): void {
  if (!found) throw partnerNotFound(partnerId);
}
