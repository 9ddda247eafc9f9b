import type { StreamSpec } from '../shared/command';
import { refuse } from '../shared/errors';
import type { DomainEvent, Evolver } from '../shared/types';
import { type ClaimReleased, releases } from '../shared/claims';

/**
 * An invitation code is the secret embedded in a trial-invite or purchase-offer URL. It is generated
 * at the edge (≥128 bits of randomness) and claimed here, once, on its own stream with `no_stream`:
 * two invitations racing for the same code cannot both win, and the edge resolves a code from the URL
 * to its invitation by reading this stream.
 */
export const INVITATION_KINDS = ['trial-invite', 'purchase-offer'] as const;
export type InvitationKind = (typeof INVITATION_KINDS)[number];

export type InvitationCodeEvent = DomainEvent<
  'InvitationCodeClaimed',
  { code: string; kind: InvitationKind; invitationId: string; partnerId: string }
>;

export interface InvitationCodeState {
  claimed: boolean;
  kind: InvitationKind | null;
  invitationId: string | null;
  partnerId: string | null;
}

export const invitationCodeStream = (code: string): string => `invitation-code-${code}`;

export const invitationCodeEvolver: Evolver<InvitationCodeState, InvitationCodeEvent | ClaimReleased> = {
  initialState: { claimed: false, kind: null, invitationId: null, partnerId: null },
  evolve(state, event) {
    // A create refused after claiming the code gave it back (see shared/claims.ts).
    if (releases(event, 'InvitationCodeClaimed')) return invitationCodeEvolver.initialState;
    if (event.type !== 'InvitationCodeClaimed') return state;
    // The first claim wins; the stream never holds a second one (no_stream), but a fold stays stable.
    if (state.claimed) return state;
    return {
      claimed: true,
      kind: event.data.kind,
      invitationId: event.data.invitationId,
      partnerId: event.data.partnerId,
    };
  },
};

export const invitationCodeSpec = (code: string): StreamSpec => ({
  stream: invitationCodeStream(code),
  evolver: invitationCodeEvolver as StreamSpec['evolver'],
});

/**
 * base64url without padding, at least 22 characters (22 × 6 bits ≥ 128 bits). The upper bound keeps
 * stream names sane; it is far above any sensible code length.
 */
const CODE = /^[A-Za-z0-9_-]{22,128}$/;

export function requireValidCode(code: unknown): string {
  if (typeof code !== 'string' || !CODE.test(code)) {
    refuse(
      'invalid-invitation-code',
      'The invitation code must be base64url (A–Z, a–z, 0–9, "-", "_") of at least 22 characters',
      { length: typeof code === 'string' ? code.length : null },
    );
  }
  return code as string;
}

/**
 * The claim of `code` for this invitation: one event on a free code; none when the code is already
 * held by this very invitation (a retry after a crash between the claim and the invitation's own
 * write, or the pipeline replaying a command: the claim is ours, not "taken"); the refusal
 * `invitation-code-taken` when another invitation holds it.
 */
export function claimCode(
  state: InvitationCodeState,
  code: string,
  kind: InvitationKind,
  invitationId: string,
  partnerId: string,
): InvitationCodeEvent[] {
  if (!state.claimed)
    return [{ type: 'InvitationCodeClaimed', data: { code, kind, invitationId, partnerId } }];
  if (state.kind === kind && state.invitationId === invitationId) return [];
  // The code itself is a secret: the refusal names only the kind of invitation holding it.
  return refuse(
    'invitation-code-taken',
    'This invitation code is already in use',
    { kind: state.kind },
    'conflict',
  );
}
