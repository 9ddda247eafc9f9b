import type { RecordedEvent } from '@pc/event-store';
import { applyToRow, copyRow, validateChange } from '../definition/apply-change';
import type { Change } from '../definition/changes';
import type { Projection, ReadView } from '../definition/projection';
import { keyId, type Row, type RowKey } from '../definition/rows';

export type LoadRow = (table: string, key: RowKey) => Promise<Row | undefined>;

interface Pending {
  seq: number;
  change: Change;
}

/**
 * The rows a projection sees while a batch is in flight: committed rows (loaded once) with the
 * batch's own earlier changes folded over them, so event N+1 sees the effect of event N although
 * nothing is written until the batch commits.
 */
export class BatchView implements ReadView {
  private seq = 0;
  private readonly byKey = new Map<string, Pending[]>();
  private readonly byTableWhere = new Map<string, Pending[]>();
  private readonly base = new Map<string, Row | undefined>();

  constructor(
    private readonly projection: Projection,
    private readonly load: LoadRow,
  ) {}

  async get(tableName: string, key: RowKey): Promise<Row | undefined> {
    const table = this.projection.table(tableName);
    const id = `${tableName}\u0000${keyId(table, key)}`;
    if (!this.base.has(id)) this.base.set(id, await this.load(tableName, key));
    const keyed = this.byKey.get(id) ?? [];
    const wheres = this.byTableWhere.get(tableName) ?? [];
    const pending = wheres.length === 0 ? keyed : [...keyed, ...wheres].sort((a, b) => a.seq - b.seq);
    // applyToRow never mutates its input, so the cached base and the pending changes are only shared,
    // and one copy of the result at the end keeps a projection that mutates it from touching them.
    let row = this.base.get(id);
    for (const { change } of pending) row = applyToRow(table, row, change);
    return row && copyRow(row);
  }

  add(change: Change): void {
    const table = this.projection.table(change.table);
    const entry = { seq: this.seq++, change };
    if (change.op === 'deleteWhere') {
      this.byTableWhere.set(change.table, [...(this.byTableWhere.get(change.table) ?? []), entry]);
      return;
    }
    const id = `${change.table}\u0000${keyId(table, change.key)}`;
    const list = this.byKey.get(id);
    if (list) list.push(entry);
    else this.byKey.set(id, [entry]);
  }
}

export interface AppliedBatch {
  /** Changes of every successfully applied event, in order. */
  changes: Change[];
  /** The last event applied successfully (the new checkpoint), if any. */
  last?: RecordedEvent;
  applied: number;
  /** The first event the projection could not handle; events after it were not attempted. */
  failure?: { event: RecordedEvent; error: unknown };
  partnerIds: Set<string>;
}

/** Runs the projection over events; an event whose apply throws ends the batch just before it. */
export async function applyEvents(
  projection: Projection,
  events: RecordedEvent[],
  load: LoadRow,
): Promise<AppliedBatch> {
  const view = new BatchView(projection, load);
  const result: AppliedBatch = { changes: [], applied: 0, partnerIds: new Set() };
  for (const event of events) {
    let changes: Change[];
    try {
      changes = await projection.apply(event, view);
      // Validate all before adding any, so a failing event leaves no trace in the overlay.
      changes.forEach((change) => validateChange(projection, change));
    } catch (error) {
      result.failure = { event, error };
      return result;
    }
    for (const change of changes) {
      view.add(change);
      result.changes.push(change);
      collectPartnerIds(projection, change, result.partnerIds);
    }
    projection.partnerIds?.(event).forEach((id) => result.partnerIds.add(id));
    result.last = event;
    result.applied++;
  }
  return result;
}

function collectPartnerIds(projection: Projection, change: Change, into: Set<string>): void {
  const column = projection.tables.get(change.table)?.partnerIdColumn;
  if (!column) return;
  const sources =
    change.op === 'deleteWhere'
      ? [change.where]
      : change.op === 'increment'
        ? [change.key, change.initial ?? {}]
        : change.op === 'delete'
          ? [change.key]
          : [change.key, change.values];
  for (const source of sources) {
    const value = (source as Record<string, unknown>)[column];
    if (typeof value === 'string') into.add(value);
  }
}
