import { type Catalog, serviceOf } from '../catalog/catalog';
import type { DelegatedAdminTerms } from '../delegation/terms';
import { partnerSpec } from '../partner/commands';
import { requirePlatform } from '../partner/permissions';
import type { PartnerState } from '../partner/state';
import {
  type CommandDefinition,
  type DecisionResult,
  defineCommand,
  type StreamSpec,
} from '../shared/command';
import { DomainError, refuse } from '../shared/errors';
import { toInstant } from '../shared/time';
import type { DomainEvent, Evolver, Loaded } from '../shared/types';
import { claimCode, invitationCodeSpec, type InvitationCodeState, requireValidCode } from './code';
import { expiryDecision, hasLapsed, isInvitationOf } from './lifecycle';
import {
  type CreateInvitation,
  invitationOptions,
  requireInvitingActor,
  requireInvitingAdvisor,
} from './terms';

export type TrialInviteEvent =
  | DomainEvent<
      'TrialInviteCreated',
      {
        inviteId: string;
        partnerId: string;
        /** The URL's secret; the URL itself is built at the edge from a configured base URL. */
        code: string;
        offerId: string;
        delegatedAdmin: DelegatedAdminTerms | null;
        expiresAt: string | null;
        createdAt: string;
      }
    >
  | DomainEvent<'TrialInviteRevoked', { inviteId: string; partnerId: string; revokedAt: string }>
  | DomainEvent<'TrialInviteExpired', { inviteId: string; partnerId: string; expiredAt: string }>;

export interface TrialInviteState {
  exists: boolean;
  id: string;
  partnerId: string;
  code: string;
  offerId: string;
  delegatedAdmin: DelegatedAdminTerms | null;
  expiresAt: string | null;
  revoked: boolean;
  expired: boolean;
}

export const trialInviteStream = (inviteId: string): string => `trial-invite-${inviteId}`;

export const trialInviteEvolver: Evolver<TrialInviteState, TrialInviteEvent> = {
  initialState: {
    exists: false,
    id: '',
    partnerId: '',
    code: '',
    offerId: '',
    delegatedAdmin: null,
    expiresAt: null,
    revoked: false,
    expired: false,
  },
  evolve(state, event) {
    switch (event.type) {
      case 'TrialInviteCreated':
        return {
          ...state,
          exists: true,
          id: event.data.inviteId,
          partnerId: event.data.partnerId,
          code: event.data.code,
          offerId: event.data.offerId,
          delegatedAdmin: event.data.delegatedAdmin,
          expiresAt: event.data.expiresAt,
        };
      case 'TrialInviteRevoked':
        return { ...state, revoked: true };
      case 'TrialInviteExpired':
        return { ...state, expired: true };
      default:
        return state;
    }
  },
};

export const trialInviteSpec = (inviteId: string): StreamSpec => ({
  stream: trialInviteStream(inviteId),
  evolver: trialInviteEvolver as StreamSpec['evolver'],
});

/** Is the invite usable at `now`? (Revoked, or past its expiry even before the scheduler says so, is not.) */
export function requireUsableInvite(invite: TrialInviteState, now: string): void {
  if (invite.revoked)
    refuse('invite-revoked', `Trial invite ${invite.id} was revoked`, { inviteId: invite.id });
  if (hasLapsed(invite, now)) {
    refuse('invite-expired', `Trial invite ${invite.id} has expired`, {
      inviteId: invite.id,
      expiresAt: invite.expiresAt,
    });
  }
}

/** Not found, also when it belongs to another partner than the one named (ids are not probeable). */
export function requireInviteOf(invite: TrialInviteState, inviteId: string, partnerId: string | null): void {
  if (!isInvitationOf(invite, partnerId)) {
    throw new DomainError('trial-invite-not-found', 'No such trial invite', { inviteId }, 'not-found');
  }
}

// ---------------------------------------------------------------------------------------------

export interface CreateTrialInvite extends CreateInvitation {
  inviteId?: string;
  /** The one service the invitation offers a trial of. */
  offerId: string;
}

export interface TrialInviteRef {
  partnerId: string;
  inviteId: string;
}

const nothing = (): DecisionResult => ({ events: {} });
const stateOf = <S>(loaded: Record<string, Loaded<unknown>>, alias: string): S => loaded[alias].state as S;

export function trialInviteCommands(catalog: Catalog): CommandDefinition[] {
  const createTrialInvite = defineCommand<CreateTrialInvite>({
    type: 'CreateTrialInvite',
    primary: 'invite',
    streams: (p, ctx) => ({
      invite: trialInviteSpec(p.inviteId ?? ctx.newId('inviteId')),
      partner: partnerSpec(p.partnerId),
      code: invitationCodeSpec(p.code),
    }),
    decide(p, loaded, ctx) {
      const now = toInstant(ctx.now, 'now');
      const partner = stateOf<PartnerState>(loaded, 'partner');
      requireInvitingAdvisor(partner, ctx);
      const inviteId = p.inviteId ?? ctx.newId('inviteId');
      if (stateOf<TrialInviteState>(loaded, 'invite').exists)
        refuse('trial-invite-exists', `Trial invite ${inviteId} already exists`, { inviteId }, 'conflict');
      const code = requireValidCode(p.code);
      const claim = claimCode(
        stateOf<InvitationCodeState>(loaded, 'code'),
        code,
        'trial-invite',
        inviteId,
        partner.id,
      );
      const service = serviceOf(catalog, p.offerId);
      if (service.trial === null)
        refuse('offer-has-no-trial', `${service.name} has no trial`, { offerId: service.offerId });
      const { delegatedAdmin, expiresAt } = invitationOptions(partner, p, now, ctx.actor);
      return {
        ids: { inviteId },
        events: {
          code: claim,
          invite: [
            {
              type: 'TrialInviteCreated',
              data: {
                inviteId,
                partnerId: partner.id,
                code,
                offerId: service.offerId,
                delegatedAdmin,
                expiresAt,
                createdAt: now,
              },
            },
          ],
        },
      };
    },
  });

  const revokeTrialInvite = defineCommand<TrialInviteRef>({
    type: 'RevokeTrialInvite',
    primary: 'invite',
    streams: (p) => ({ invite: trialInviteSpec(p.inviteId), partner: partnerSpec(p.partnerId) }),
    decide(p, loaded, ctx) {
      const partner = stateOf<PartnerState>(loaded, 'partner');
      // Who may create invitations may stop them, even after the partner lost its advisor status.
      requireInvitingActor(partner, ctx);
      const invite = stateOf<TrialInviteState>(loaded, 'invite');
      requireInviteOf(invite, p.inviteId, partner.id);
      if (invite.revoked) return nothing();
      const event: TrialInviteEvent = {
        type: 'TrialInviteRevoked',
        data: { inviteId: invite.id, partnerId: invite.partnerId, revokedAt: toInstant(ctx.now, 'now') },
      };
      return { events: { invite: [event] } };
    },
  });

  const expireTrialInvite = defineCommand<{ inviteId: string }>({
    type: 'ExpireTrialInvite',
    primary: 'invite',
    streams: (p) => ({ invite: trialInviteSpec(p.inviteId) }),
    decide(p, loaded, ctx) {
      requirePlatform(ctx.actor, 'expire trial invites');
      const now = toInstant(ctx.now, 'now');
      const invite = stateOf<TrialInviteState>(loaded, 'invite');
      requireInviteOf(invite, p.inviteId, null);
      // Already out of use: a scheduler firing again (or late) changes nothing.
      const expiry = expiryDecision(invite, invite.revoked, now);
      if (expiry === 'out-of-use') return nothing();
      if (expiry === 'not-due') {
        refuse('invite-not-due', `Trial invite ${invite.id} is not due to expire`, {
          inviteId: invite.id,
          expiresAt: invite.expiresAt,
        });
      }
      const event: TrialInviteEvent = {
        type: 'TrialInviteExpired',
        data: { inviteId: invite.id, partnerId: invite.partnerId, expiredAt: now },
      };
      return { events: { invite: [event] } };
    },
  });

  return [createTrialInvite, revokeTrialInvite, expireTrialInvite];
}
