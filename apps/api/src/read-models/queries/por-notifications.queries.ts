import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { decodeCursor, encodeCursor, type ReadModelStore, sql, type SqlFragment } from '@pc/projections';
import { POR_INBOX, porInboxProjection } from '@pc/read-models';
import { ProblemException } from '../../platform';
import { ReadModelRuntime } from '../read-model-runtime';
import { ReadYourWrites } from '../read-your-writes';
import { bool, json, num } from '../row-values';
import type { PorNotificationPageView, PorNotificationView } from '../views/por-notification.view';

export interface ListPorNotificationsParams {
  unread?: boolean;
  kind?: string;
  customerId?: string;
  cursor?: string;
  limit?: number;
}

export class ListPorNotificationsQuery extends Query<PorNotificationPageView> {
  constructor(
    readonly partnerId: string,
    readonly params: ListPorNotificationsParams,
    readonly minPosition?: string,
  ) {
    super();
  }
}

/** The partner's "read everything up to here" watermark ('' when it never marked all). */
async function readUpTo(store: ReadModelStore, partnerId: string): Promise<string> {
  const [mark] = await store.query<{ read_up_to: string }>(
    porInboxProjection,
    (t) => sql`SELECT read_up_to FROM ${t('read_marks')} WHERE partner_id = ${partnerId}`,
  );
  return mark?.read_up_to ?? '';
}

/** Unread notifications of a partner: an index range on by_unread (partner_id, is_read, position). */
export async function countUnread(store: ReadModelStore, partnerId: string): Promise<number> {
  const watermark = await readUpTo(store, partnerId);
  const [row] = await store.query<{ n: unknown }>(
    porInboxProjection,
    (t) => sql`SELECT COUNT(*) AS n FROM ${t('notifications')}
               WHERE partner_id = ${partnerId} AND is_read = ${false} AND position > ${watermark}`,
  );
  return num(row?.n);
}

/** Newest first, keyset-paged on the position (unique per partner: one notification per event). */
@QueryHandler(ListPorNotificationsQuery)
export class ListPorNotificationsHandler implements IQueryHandler<
  ListPorNotificationsQuery,
  PorNotificationPageView
> {
  constructor(
    private readonly runtime: ReadModelRuntime,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async execute({
    partnerId,
    params,
    minPosition,
  }: ListPorNotificationsQuery): Promise<PorNotificationPageView> {
    await this.readYourWrites.atLeast(minPosition, [POR_INBOX]);
    const store = this.runtime.store;
    const limit = params.limit ?? 50;
    const after = params.cursor === undefined ? null : decodeCursor(params.cursor);
    if (params.cursor !== undefined && typeof after?.p !== 'string') {
      throw new ProblemException(
        400,
        'invalid-cursor',
        'Invalid cursor',
        'The cursor is not one this list handed out.',
      );
    }
    const watermark = await readUpTo(store, partnerId);
    const rows = await store.query<Record<string, unknown>>(porInboxProjection, (t) => {
      const where: SqlFragment[] = [sql`partner_id = ${partnerId}`];
      if (params.unread === true) where.push(sql`is_read = ${false} AND position > ${watermark}`);
      if (params.unread === false) where.push(sql`(is_read = ${true} OR position <= ${watermark})`);
      if (params.kind !== undefined) where.push(sql`kind = ${params.kind}`);
      if (params.customerId !== undefined) where.push(sql`customer_id = ${params.customerId}`);
      if (after) where.push(sql`position < ${after.p}`);
      return sql`SELECT * FROM ${t('notifications')} WHERE ${sql.join(where, ' AND ')}
                 ORDER BY position DESC LIMIT ${limit + 1}`;
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => toNotificationView(row, watermark)),
      unread: await countUnread(store, partnerId),
      nextCursor: rows.length > limit && last ? encodeCursor({ p: String(last.position) }) : null,
    };
  }
}

function toNotificationView(row: Record<string, unknown>, watermark: string): PorNotificationView {
  const position = String(row.position);
  return {
    notificationId: String(row.notification_id),
    position,
    kind: String(row.kind),
    customerId: String(row.customer_id),
    customerName: String(row.customer_name),
    subscriptionId: String(row.subscription_id),
    offerId: String(row.offer_id),
    changes: json<Record<string, { from: unknown; to: unknown }>>(row.changes),
    occurredAt: String(row.occurred_at),
    read: bool(row.is_read) || position <= watermark,
  };
}
