import { type EventRef, eventRef, readModelsAsOf } from '@pc/audit';
import type { EventStore, Position, RecordedEvent } from '@pc/event-store';
import type { Projection } from '@pc/projections';
import { clientListProjection, partnerOverviewProjection, porInboxProjection } from '@pc/read-models';
import { type ListClientsParams, listClientsPage } from '../../read-models/queries/client-list.queries';
import { readPartnerOverview } from '../../read-models/queries/partner-overview.query';
import type { ClientPageView } from '../../read-models/views/client.view';
import type { PartnerOverviewView } from '../../read-models/views/partner-overview.view';

/** The read models an auditor can see as of a past position, by the names dashboards use. */
export const AS_OF_READ_MODELS = ['partner-overview', 'client-list'] as const;
export type AsOfReadModel = (typeof AS_OF_READ_MODELS)[number];

export const isAsOfReadModel = (name: string): name is AsOfReadModel =>
  (AS_OF_READ_MODELS as readonly string[]).includes(name);

/** The projections each view reads: the overview also takes figures from the client list and the inbox. */
const SOURCES: Record<AsOfReadModel, Projection[]> = {
  'partner-overview': [partnerOverviewProjection, clientListProjection, porInboxProjection],
  'client-list': [clientListProjection],
};

export interface ReadModelAsOfParams {
  partnerId: string;
  position: Position;
  /**
   * The instant clock-dependent figures (authorizations held, trials ending soon) are evaluated at.
   * Default: the business time of the last event at or before the position — the dashboard as it
   * stood right after that event.
   */
  at?: string;
  /** client-list only: the live query's paging, sort and relationship filter. */
  clients?: ListClientsParams;
}

export interface ReadModelAsOfResult {
  readModel: AsOfReadModel;
  partnerId: string;
  position: Position;
  /** The last event at or before the position: what the view reflects (null: the log starts later). */
  reflects: EventRef | null;
  eventsReplayed: number;
  /** Exactly what the live query (getPartnerOverview / listClients) answered at that position. */
  view: PartnerOverviewView | ClientPageView;
}

const businessTime = (event: RecordedEvent | null): string | null => {
  const value = event?.metadata.occurredAt;
  return typeof value === 'string' ? value : (event?.recordedAt ?? null);
};

/**
 * Replays the view's projections into a scratch store up to the position (never the live store),
 * then runs the live query code against it. Shared by the HTTP endpoint and the auditor CLI. The
 * scratch store is a SQLite file under TMPDIR (readModelsAsOf), removed before this returns or
 * throws, whether the query succeeded or not.
 */
export async function readModelAsOf(
  eventStore: EventStore,
  readModel: AsOfReadModel,
  params: ReadModelAsOfParams,
  fallbackNow: () => Date,
  signal?: AbortSignal,
): Promise<ReadModelAsOfResult> {
  const asOf = await readModelsAsOf(eventStore, SOURCES[readModel], params.position, { signal });
  try {
    const now = new Date(params.at ?? businessTime(asOf.event) ?? fallbackNow()).toISOString();
    const view =
      readModel === 'partner-overview'
        ? await readPartnerOverview(asOf.store, params.partnerId, now)
        : await listClientsPage(asOf.store, params.partnerId, params.clients ?? {});
    return {
      readModel,
      partnerId: params.partnerId,
      position: params.position,
      reflects: asOf.event ? eventRef(asOf.event) : null,
      eventsReplayed: asOf.eventsReplayed,
      view,
    };
  } finally {
    await asOf.close();
  }
}
