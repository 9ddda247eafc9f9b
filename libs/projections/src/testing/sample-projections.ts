import { increment, upsert, removeWhere } from '../definition/changes';
import { defineProjection } from '../definition/projection';

/**
 * A small projection used by the runtime's own specs (not a product read model): counts events
 * per stream and in total, keeps the last event type per stream, and reads its own rows.
 */
export const streamStats = defineProjection({
  name: 'stream_stats',
  version: 1,
  schema: {
    tables: {
      streams: {
        columns: {
          stream: 'text',
          partner_id: { type: 'text', nullable: true },
          events: 'integer',
          last_revision: 'integer',
          last_type: 'text',
          tags: { type: 'json', nullable: true },
          flagged: { type: 'boolean', nullable: true },
        },
        primaryKey: ['stream'],
        indexes: { by_partner: { columns: ['partner_id', 'stream'] } },
        partnerIdColumn: 'partner_id',
      },
      totals: { columns: { id: 'text', events: 'integer', streams: 'integer' }, primaryKey: ['id'] },
    },
  },
  eventTypePrefixes: ['Sample.'],
  async apply(event, view) {
    const partnerId = typeof event.data.partnerId === 'string' ? event.data.partnerId : null;
    if (event.type === 'Sample.Cleared') return [removeWhere('streams', { partner_id: String(partnerId) })];
    const existing = await view.get('streams', { stream: event.streamName });
    return [
      upsert(
        'streams',
        { stream: event.streamName },
        {
          partner_id: partnerId,
          events: ((existing?.events as number | undefined) ?? 0) + 1,
          last_revision: event.revision,
          last_type: event.type,
          tags: { type: event.type, n: event.revision },
          flagged: event.type === 'Sample.Flagged',
        },
      ),
      increment('totals', { id: 'all' }, { events: 1, streams: existing ? 0 : 1 }),
    ];
  },
});

/** Throws on 'Sample.Poison' only while `poisonous.now` is set: the fix deployed (or a bug introduced) later. */
export function touchy(poisonous: { now: boolean }) {
  return defineProjection({
    name: 'touchy',
    version: 1,
    schema: { tables: { seen: { columns: { id: 'text', type: 'text' }, primaryKey: ['id'] } } },
    eventTypePrefixes: ['Sample.'],
    apply(event) {
      if (poisonous.now && event.type === 'Sample.Poison') throw new Error('cannot handle poison');
      return [upsert('seen', { id: event.id }, { type: event.type })];
    },
  });
}
