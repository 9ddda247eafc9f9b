import { defineProjection, type ExtraDdlContext, upsert } from '../shared/runtime';
import { activityRow } from './activity-entry';

/**
 * The activity log: one row per event of the whole log, shaped like an audit record — who acted
 * (actor, calling service), on whose behalf, which operation (command and event type), on which
 * resource (from the stream name), old → new values, when, and the command / correlation ids.
 * No retention window: rows are never removed (the event log is the record; this is its index).
 *
 * Keyed by the global position, which is also the newest-first order and the keyset cursor; every
 * filter index ends with the position so "filter, newest first, after cursor" is one range scan.
 * No partnerIdColumn: dashboards are not told about activity rows (it would wake every partner
 * dashboard's SSE stream on every event, for a list none of them shows).
 */
export const ACTIVITY_LOG = 'activity_log';

const optionalText = { type: 'text', nullable: true } as const;

const otherPartnerIndex = (x: ExtraDdlContext): string[] => [
  `CREATE INDEX IF NOT EXISTS ${x.index('entries_by_other_partner')} ON ${x.table('entries')} (other_partner_id, position) WHERE other_partner_id IS NOT NULL`,
];

export const activityLogProjection = defineProjection({
  name: ACTIVITY_LOG,
  // 2: other_partner_id, the second partner an entry concerns (rebuilt once on upgrade).
  version: 2,
  schema: {
    tables: {
      entries: {
        columns: {
          position: 'text',
          event_id: 'text',
          event_type: 'text',
          stream_name: 'text',
          revision: 'integer',
          resource_type: 'text',
          resource_id: 'text',
          command_type: optionalText,
          command_id: optionalText,
          correlation_id: optionalText,
          causation_id: optionalText,
          actor_kind: optionalText,
          actor_id: optionalText,
          actor_partner_id: optionalText,
          actor_customer_id: optionalText,
          service_id: optionalText,
          on_behalf_of_kind: optionalText,
          on_behalf_of_id: optionalText,
          partner_id: optionalText,
          other_partner_id: optionalText,
          customer_id: optionalText,
          changes: { type: 'json', nullable: true },
          occurred_at: 'text',
          recorded_at: 'text',
        },
        primaryKey: ['position'],
        indexes: {
          by_partner: { columns: ['partner_id', 'position'] },
          by_customer: { columns: ['customer_id', 'position'] },
          by_actor: { columns: ['actor_id', 'position'] },
          by_command: { columns: ['command_type', 'position'] },
          by_event_type: { columns: ['event_type', 'position'] },
          by_time: { columns: ['occurred_at', 'position'] },
        },
      },
    },
    // Few entries concern a second partner: a partial index holds only those, and costs the others
    // nothing (`other_partner_id = ?` implies IS NOT NULL, so both databases use it for that filter).
    extraDdl: {
      sqlite: otherPartnerIndex,
      postgres: otherPartnerIndex,
    },
  },
  // Every event of every type, including types added later: a catch-all with no type filter.
  apply: (event) => [upsert('entries', { position: event.position }, activityRow(event))],
});
