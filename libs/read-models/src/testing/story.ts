import type { JsonObject, RecordedEvent } from '@pc/event-store';
import { EventLog, InMemoryReadModel } from '@pc/projections/testing';
import type { Projection } from '@pc/projections/definition/projection';

/**
 * Given-events / then-rows specs for the read models: events get increasing positions and business
 * times (metadata.occurredAt, one minute apart unless given), and the story remembers every event
 * type it told so a spec can prove it covered each type the projection handles.
 */
export class Story {
  private readonly log = new EventLog();
  private readonly told = new Set<string>();
  private minutes = 0;
  readonly model: InMemoryReadModel;

  constructor(readonly projection: Projection) {
    this.model = new InMemoryReadModel(projection);
  }

  event(type: string, data: JsonObject, options: { stream?: string; at?: string } = {}): RecordedEvent {
    this.minutes++;
    this.told.add(type);
    const at = options.at ?? new Date(Date.UTC(2026, 0, 5, 9, this.minutes)).toISOString();
    return this.log.next({
      type,
      data,
      streamName: options.stream ?? 'test-1',
      metadata: { occurredAt: at },
    });
  }

  /** Tells the events to the projection (one batch) and returns them. */
  async given(...events: RecordedEvent[]): Promise<RecordedEvent[]> {
    await this.model.given(...events);
    return events;
  }

  rows(table: string) {
    return this.model.rows(table);
  }

  /** Handled event types the story never told. */
  untold(): string[] {
    return (this.projection.filter?.eventTypePrefixes ?? []).filter((type) => !this.told.has(type));
  }
}

/** The data every subscription event carries. */
export const facts = (
  customerId: string,
  subscriptionId: string,
  por: string | null,
  partnerId: string | null = 'p1',
) => ({
  customerId,
  subscriptionId,
  offerId: 'office-business-basic',
  partnerId,
  partnerOfRecordId: por,
});

export const customerCreated = (
  customerId: string,
  companyName: string,
  primaryDomain: string,
  partnerId = 'p1',
) => ({
  customerId,
  companyName,
  primaryDomain,
  country: 'SK',
  adminContact: { name: 'Admin', email: `admin@${primaryDomain}` },
  signedUpVia: { kind: 'trial-invite', id: 'inv-1', partnerId },
});
