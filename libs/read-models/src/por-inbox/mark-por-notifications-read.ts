import {
  authorizePartnerAction,
  type CommandDefinition,
  defineCommand,
  DomainError,
  type DomainEvent,
  type Evolver,
  partnerSpec,
  type PartnerState,
  refuse,
  type StreamSpec,
} from '@pc/domain';
import { POSITION_FORMAT } from '@pc/event-store';

/**
 * MarkPorNotificationsRead: a partner user marks POR notifications read. A command with an event,
 * not a write to the read model, so the inbox (and every other read model) can be rebuilt from the
 * log and keep what was read. Exactly one of:
 *   - notificationIds: these notifications (ids of other partners' notifications change nothing);
 *   - upToPosition: every notification at or before this global position;
 *   - all: every notification there is when the command is handled (up to the event's own position).
 */
export interface MarkPorNotificationsRead {
  partnerId: string;
  notificationIds?: string[];
  upToPosition?: string;
  all?: boolean;
}

export type PorInboxEvent = DomainEvent<
  'PorNotificationsMarkedRead',
  {
    partnerId: string;
    notificationIds: string[] | null;
    upToPosition: string | null;
    all: boolean;
    byUserId: string;
    markedAt: string;
  }
>;

export const MAX_NOTIFICATION_IDS = 500;

export const porInboxStream = (partnerId: string): string => `por-inbox-${partnerId}`;

/** The inbox stream only records reads; its state is how many, which nothing decides on. */
export const porInboxEvolver: Evolver<{ marks: number }, PorInboxEvent> = {
  initialState: { marks: 0 },
  evolve: (state, event) =>
    event.type === 'PorNotificationsMarkedRead' ? { marks: state.marks + 1 } : state,
};

const porInboxSpec = (partnerId: string): StreamSpec => ({
  stream: porInboxStream(partnerId),
  evolver: porInboxEvolver as StreamSpec['evolver'],
});

function validIds(value: unknown): string[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.length > MAX_NOTIFICATION_IDS ||
    !value.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 100)
  ) {
    refuse(
      'invalid-notification-ids',
      `notificationIds must list 1 to ${MAX_NOTIFICATION_IDS} notification ids`,
      { count: Array.isArray(value) ? value.length : null },
    );
  }
  return [...new Set(value as string[])].sort();
}

export const markPorNotificationsRead: CommandDefinition = defineCommand<MarkPorNotificationsRead>({
  type: 'MarkPorNotificationsRead',
  primary: 'inbox',
  streams: (p) => ({ inbox: porInboxSpec(p.partnerId), partner: partnerSpec(p.partnerId) }),
  decide(p, loaded, ctx) {
    const partner = loaded.partner.state as PartnerState;
    // Any active user of the partner may read its inbox; other partners' users learn nothing (404).
    const user = authorizePartnerAction(partner, ctx.actor, 'view-partner');
    if (user === null) {
      throw new DomainError(
        'access-denied',
        "Only the partner's own users mark its notifications read",
        { partnerId: p.partnerId },
        'forbidden',
      );
    }
    const given = [p.notificationIds !== undefined, p.upToPosition !== undefined, p.all === true].filter(
      Boolean,
    );
    if (given.length !== 1) {
      refuse('invalid-mark-read', 'Give exactly one of notificationIds, upToPosition or all: true', {
        partnerId: p.partnerId,
      });
    }
    if (
      p.upToPosition !== undefined &&
      (typeof p.upToPosition !== 'string' || !POSITION_FORMAT.test(p.upToPosition))
    ) {
      refuse('invalid-position', 'upToPosition must be a position returned by the service', {});
    }
    const event: PorInboxEvent = {
      type: 'PorNotificationsMarkedRead',
      data: {
        partnerId: p.partnerId,
        notificationIds: p.notificationIds !== undefined ? validIds(p.notificationIds) : null,
        upToPosition: p.upToPosition ?? null,
        all: p.all === true,
        byUserId: user.id,
        markedAt: ctx.now,
      },
    };
    return { events: { inbox: [event] } };
  },
});

/** The read side's commands, merged into the service's registry beside the domain's. */
export const readModelCommands: CommandDefinition[] = [markPorNotificationsRead];
