/**
 * The lifecycle the two kinds of invitation share (trial invites and purchase offers): created by
 * a partner, optionally with an expiry; stopped by the partner (a trial invite is revoked, a
 * purchase offer withdrawn) or expired by the scheduler. Each kind keeps its own events and refusal
 * codes; these are the rules behind them.
 */
export interface InvitationLifecycle {
  exists: boolean;
  partnerId: string;
  expiresAt: string | null;
  expired: boolean;
}

/**
 * The invitation exists and belongs to `partnerId` (null: to any partner). Callers answer
 * not-found otherwise, also for another partner's invitation: ids are not probeable.
 */
export function isInvitationOf(invitation: InvitationLifecycle, partnerId: string | null): boolean {
  return invitation.exists && (partnerId === null || invitation.partnerId === partnerId);
}

/** Its expiry has come at `now`, whether or not the scheduler has expired it yet. */
export function isPastExpiry(invitation: InvitationLifecycle, now: string): boolean {
  return invitation.expiresAt !== null && invitation.expiresAt <= now;
}

/** Expired at `now`: recorded as expired, or past its expiry even before the scheduler says so. */
export function hasLapsed(invitation: InvitationLifecycle, now: string): boolean {
  return invitation.expired || isPastExpiry(invitation, now);
}

/**
 * What the scheduler's expire command does at `now`: nothing ('out-of-use') when the invitation is
 * already expired or stopped, so a scheduler firing again (or late) changes nothing; refuse
 * ('not-due') before its expiry, or when it has none; otherwise 'expire'.
 */
export function expiryDecision(
  invitation: InvitationLifecycle,
  stopped: boolean,
  now: string,
): 'out-of-use' | 'not-due' | 'expire' {
  if (invitation.expired || stopped) return 'out-of-use';
  return isPastExpiry(invitation, now) ? 'expire' : 'not-due';
}
