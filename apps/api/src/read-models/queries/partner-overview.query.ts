import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { addDays } from '@pc/domain';
import { type ReadModelStore, sql } from '@pc/projections';
import {
  CLIENT_LIST,
  clientListProjection,
  holdsAt,
  PARTNER_OVERVIEW,
  parsePeriods,
  partnerOverviewProjection,
  POR_INBOX,
} from '@pc/read-models';
import type { JsonValue } from '@pc/event-store';
import { CLOCK, type Clock, partnerNotFound } from '../../platform';
import { ReadModelRuntime } from '../read-model-runtime';
import { ReadYourWrites } from '../read-your-writes';
import { bool, json, num, str } from '../row-values';
import type { InvitationCountsView, PartnerOverviewView } from '../views/partner-overview.view';
import { countUnread } from './por-notifications.queries';

export class GetPartnerOverviewQuery extends Query<PartnerOverviewView> {
  constructor(
    readonly partnerId: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

/** The projections the overview reads: its own, and the client list and inbox for their figures. */
export const OVERVIEW_SOURCES = [PARTNER_OVERVIEW, CLIENT_LIST, POR_INBOX];

/**
 * The partner's dashboard: its own row, plus a handful of index lookups and small aggregates (its
 * users and invitations), plus the client list's per-partner totals and the inbox's unread count.
 * Clock-dependent figures (authorizations held now, trials active and ending within 7 days, open
 * invitations) are evaluated here, at the clock's time.
 */
@QueryHandler(GetPartnerOverviewQuery)
export class GetPartnerOverviewHandler implements IQueryHandler<
  GetPartnerOverviewQuery,
  PartnerOverviewView
> {
  constructor(
    private readonly runtime: ReadModelRuntime,
    private readonly readYourWrites: ReadYourWrites,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ partnerId, minPosition }: GetPartnerOverviewQuery): Promise<PartnerOverviewView> {
    await this.readYourWrites.atLeast(minPosition, OVERVIEW_SOURCES);
    return readPartnerOverview(this.runtime.store, partnerId, this.clock.now().toISOString());
  }
}

/**
 * The overview itself, over any store holding its three source projections: the live one, or an
 * auditor's scratch store rebuilt up to a past position (getReadModelAsOf). `now` is the instant
 * clock-dependent figures are evaluated at.
 */
export async function readPartnerOverview(
  store: ReadModelStore,
  partnerId: string,
  now: string,
): Promise<PartnerOverviewView> {
  const own = <R extends object>(build: Parameters<typeof store.query>[1]) =>
    store.query<R>(partnerOverviewProjection, build);

  const [partner] = await own<Record<string, unknown>>(
    (t) => sql`SELECT * FROM ${t('partners')} WHERE partner_id = ${partnerId}`,
  );
  if (!partner) throw partnerNotFound(partnerId);

  // "authorization" is a reserved word in PostgreSQL: quoted.
  const authorizations = await own<{ authorization: string; periods: unknown }>(
    (t) => sql`SELECT "authorization", periods FROM ${t('authorizations')}
               WHERE partner_id = ${partnerId} ORDER BY "authorization"`,
  );
  const users = await own<{
    active: unknown;
    company_role: string | null;
    customer_access: string | null;
    n: unknown;
  }>(
    (t) => sql`SELECT active, company_role, customer_access, COUNT(*) AS n FROM ${t('users')}
               WHERE partner_id = ${partnerId} GROUP BY active, company_role, customer_access`,
  );
  // An open invitation past its expiry is no longer open, whether or not the scheduler has recorded
  // it yet (the domain refuses it from that instant: invitation/lifecycle.ts isPastExpiry). Grouped by
  // ordinal: PostgreSQL would not see the same expression in two parameters of the same value.
  const invitations = await own<{
    kind: string;
    state: string;
    lapsed: unknown;
    n: unknown;
    take_ups: unknown;
  }>(
    (t) => sql`SELECT kind, state, (expires_at IS NOT NULL AND expires_at <= ${now}) AS lapsed,
                      COUNT(*) AS n, SUM(take_ups) AS take_ups
               FROM ${t('invitations')} WHERE partner_id = ${partnerId}
               GROUP BY 1, 2, 3`,
  );
  const [totals] = await store.query<Record<string, unknown>>(
    clientListProjection,
    (t) => sql`SELECT * FROM ${t('totals')} WHERE partner_id = ${partnerId}`,
  );
  // Judged at `now`, as invitations are: a trial past its end is not active, nor "ending", even
  // before the scheduler's tick records its expiry (the row leaves the table then).
  const [ending] = await store.query<{ ended: unknown; ending: unknown }>(
    clientListProjection,
    (t) =>
      sql`SELECT COALESCE(SUM(CASE WHEN ends_at <= ${now} THEN 1 ELSE 0 END), 0) AS ended,
                 COALESCE(SUM(CASE WHEN ends_at > ${now} THEN 1 ELSE 0 END), 0) AS ending
            FROM ${t('trials')} WHERE partner_id = ${partnerId} AND ends_at <= ${addDays(now, 7)}`,
  );

  const byCompanyRole: Record<string, number> = {};
  const byCustomerAccess: Record<string, number> = { full: 0, limited: 0 };
  let active = 0;
  let inactive = 0;
  for (const row of users) {
    const n = num(row.n);
    if (!bool(row.active)) {
      inactive += n;
      continue;
    }
    // Roles count for active users only: a deactivated user holds no effective access.
    active += n;
    if (row.company_role) byCompanyRole[row.company_role] = (byCompanyRole[row.company_role] ?? 0) + n;
    if (row.customer_access)
      byCustomerAccess[row.customer_access] = (byCustomerAccess[row.customer_access] ?? 0) + n;
  }
  const invitationCounts = (kind: string): InvitationCountsView => {
    const rows = invitations.filter((r) => r.kind === kind);
    const isOpen = (r: (typeof rows)[number]) => r.state === 'open' && !bool(r.lapsed);
    return {
      open: rows.filter(isOpen).reduce((sum, r) => sum + num(r.n), 0),
      closed: rows.filter((r) => !isOpen(r)).reduce((sum, r) => sum + num(r.n), 0),
      takeUps: rows.reduce((sum, r) => sum + num(r.take_ups), 0),
    };
  };

  return {
    partnerId,
    legalName: String(partner.legal_name),
    profile: json<Record<string, unknown>>(partner.profile),
    verification: String(partner.verification),
    rejectionReason: str(partner.rejection_reason),
    reverifyFields: reverifyFieldsOf(String(partner.verification), partner.reverify_fields),
    authorizations: authorizations.map((row) => {
      const periods = parsePeriods(json<JsonValue>(row.periods));
      return { authorization: row.authorization, active: holdsAt(periods, now), periods };
    }),
    users: { total: active + inactive, active, inactive, byCompanyRole, byCustomerAccess },
    clients: {
      total: num(totals?.clients),
      withActiveDelegation: num(totals?.delegated),
      partnerOfRecord: num(totals?.por),
    },
    trials: {
      active: Math.max(0, num(totals?.trials) - num(ending?.ended)),
      endingWithin7Days: num(ending?.ending),
    },
    trialInvites: invitationCounts('trial-invite'),
    purchaseOffers: invitationCounts('purchase-offer'),
    subscriptions: { count: num(totals?.subscriptions), licenses: num(totals?.licenses) },
    unreadPorNotifications: await countUnread(store, partnerId),
    registeredAt: String(partner.registered_at),
    lastActivityAt: String(partner.last_activity),
    asOf: now,
  };
}

/** The fields waiting for re-verification: shown while one is pending, null otherwise (see the projection). */
function reverifyFieldsOf(verification: string, stored: unknown): string[] | null {
  if (verification !== 'pending' || stored === null || stored === undefined) return null;
  const fields = json<string[]>(stored);
  return fields.length > 0 ? fields : null;
}
