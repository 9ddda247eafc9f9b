import type { JsonObject, RecordedEvent } from '@pc/event-store';

export interface EventSpec {
  type: string;
  data?: JsonObject;
  streamName?: string;
  metadata?: JsonObject;
  recordedAt?: string;
}

/**
 * Builds RecordedEvents for "given events → then rows" specs: positions are fixed-width and
 * increasing, revisions count per stream, ids and times are deterministic.
 */
export class EventLog {
  private sequence = 0;
  private readonly revisions = new Map<string, number>();

  next(spec: EventSpec): RecordedEvent {
    this.sequence++;
    const streamName = spec.streamName ?? 'test-1';
    const revision = (this.revisions.get(streamName) ?? -1) + 1;
    this.revisions.set(streamName, revision);
    return {
      id: `00000000-0000-4000-8000-${String(this.sequence).padStart(12, '0')}`,
      type: spec.type,
      streamName,
      revision,
      position: String(this.sequence).padStart(20, '0'),
      data: spec.data ?? {},
      metadata: spec.metadata ?? {},
      recordedAt: spec.recordedAt ?? new Date(Date.UTC(2025, 0, 1) + this.sequence * 1000).toISOString(),
    };
  }

  events(...specs: EventSpec[]): RecordedEvent[] {
    return specs.map((spec) => this.next(spec));
  }
}
