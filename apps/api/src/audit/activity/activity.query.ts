import { decodeCursor, encodeCursor, type ReadModelStore, sql, type SqlFragment } from '@pc/projections';
import { activityLogProjection } from '@pc/read-models/activity-log/activity-log.projection';
import { ProblemException } from '../../platform';
import { json, num, str } from '../../read-models/row-values';
import type { ActivityActorView, ActivityEntryView, ActivityPageView } from './activity.views';

export interface ActivityFilter {
  partnerId?: string;
  customerId?: string;
  actorId?: string;
  /** A command type or an event type. */
  operation?: string;
  /** Inclusive, ISO-8601. */
  from?: string;
  /** Exclusive, ISO-8601: windows [from, to) tile without overlap. */
  to?: string;
}

export interface ActivityPaging {
  cursor?: string;
  limit?: number;
}

const invalidCursor = () =>
  new ProblemException(
    400,
    'invalid-cursor',
    'Invalid cursor',
    'The cursor is not one this list handed out.',
  );

/** The stored form (toISOString), so the bound compares as text with occurred_at: `2026-01-05` ≡ `…T00:00:00.000Z`. */
const instant = (iso: string): string => new Date(iso).toISOString();

/**
 * A page of the activity log, newest first, continued after the cursor's position. Each filter has
 * an index ending in the position (by_partner, by_customer, by_actor, by_command / by_event_type,
 * by_time), so the page is a range scan on the most selective one whatever the depth.
 */
export async function listActivityPage(
  store: ReadModelStore,
  filter: ActivityFilter,
  paging: ActivityPaging,
): Promise<ActivityPageView> {
  const limit = paging.limit ?? 50;
  const after = paging.cursor === undefined ? null : decodeCursor(paging.cursor);
  if (paging.cursor !== undefined && typeof after?.p !== 'string') throw invalidCursor();
  const rows = await store.query<Record<string, unknown>>(activityLogProjection, (t) => {
    const where: SqlFragment[] = [];
    if (filter.customerId !== undefined) where.push(sql`customer_id = ${filter.customerId}`);
    if (filter.actorId !== undefined) where.push(sql`actor_id = ${filter.actorId}`);
    if (filter.operation !== undefined) {
      where.push(sql`(command_type = ${filter.operation} OR event_type = ${filter.operation})`);
    }
    if (filter.from !== undefined) where.push(sql`occurred_at >= ${instant(filter.from)}`);
    if (filter.to !== undefined) where.push(sql`occurred_at < ${instant(filter.to)}`);
    if (after) where.push(sql`position < ${after.p}`);
    const newest = (conditions: SqlFragment[]) => {
      const condition = conditions.length > 0 ? sql`WHERE ${sql.join(conditions, ' AND ')}` : sql``;
      return sql`SELECT * FROM ${t('entries')} ${condition} ORDER BY position DESC LIMIT ${limit + 1}`;
    };
    if (filter.partnerId === undefined) return newest(where);
    // An entry concerns up to two partners (partner_id, other_partner_id), each with its own index.
    // Each branch takes its newest rows that meet every condition; the page is the newest of both
    // (an OR would make the databases collect and sort every entry of a busy partner).
    const branch = (column: 'partner_id' | 'other_partner_id') =>
      sql`SELECT position FROM (${newest([sql`${sql.raw(column)} = ${filter.partnerId}`, ...where])}) AS ${sql.raw(`by_${column}`)}`;
    return sql`SELECT * FROM ${t('entries')} WHERE position IN (${branch('partner_id')} UNION ALL ${branch('other_partner_id')}) ORDER BY position DESC LIMIT ${limit + 1}`;
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toActivityView),
    nextCursor: rows.length > limit && last ? encodeCursor({ p: String(last.position) }) : null,
  };
}

function actorOf(row: Record<string, unknown>): ActivityActorView | null {
  const kind = str(row.actor_kind);
  const id = str(row.actor_id);
  if (kind === null || id === null) return null;
  const partnerId = str(row.actor_partner_id);
  const customerId = str(row.actor_customer_id);
  return {
    kind,
    id,
    ...(partnerId !== null ? { partnerId } : {}),
    ...(customerId !== null ? { customerId } : {}),
  };
}

export function toActivityView(row: Record<string, unknown>): ActivityEntryView {
  const behalfKind = str(row.on_behalf_of_kind);
  const behalfId = str(row.on_behalf_of_id);
  return {
    position: String(row.position),
    eventId: String(row.event_id),
    eventType: String(row.event_type),
    commandType: str(row.command_type),
    commandId: str(row.command_id),
    correlationId: str(row.correlation_id),
    causationId: str(row.causation_id),
    actor: actorOf(row),
    service: str(row.service_id),
    onBehalfOf: behalfKind !== null && behalfId !== null ? { kind: behalfKind, id: behalfId } : null,
    partnerId: str(row.partner_id),
    otherPartnerId: str(row.other_partner_id),
    customerId: str(row.customer_id),
    resource: { type: String(row.resource_type), id: String(row.resource_id) },
    streamName: String(row.stream_name),
    revision: num(row.revision),
    changes:
      row.changes === null || row.changes === undefined
        ? null
        : json<Record<string, { from: unknown; to: unknown }>>(row.changes),
    occurredAt: String(row.occurred_at),
    recordedAt: String(row.recorded_at),
  };
}
