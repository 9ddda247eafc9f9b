import type { RecordedEvent } from '@pc/event-store';
import { applyToRow, copyRow, missingNotNull, validateChange } from '../definition/apply-change';
import type { Change } from '../definition/changes';
import type { Projection, ReadView } from '../definition/projection';
import { keyId, type Row, type RowKey } from '../definition/rows';
import type { NormalizedTable } from '../definition/schema';
import { isDeterministicFailure } from './errors';

export type LoadRow = (table: string, key: RowKey) => Promise<Row | undefined>;

interface Pending {
  seq: number;
  change: Change;
}

/** One row the batch touched: its committed state (once loaded) and the batch's changes to it. */
interface Touched {
  table: NormalizedTable;
  key: RowKey;
  changes: Pending[];
  /** The committed row, once loaded ({ row: undefined } = no such row). */
  base?: { row: Row | undefined };
  /** base with every change folded in, kept up to date while the batch runs; absent = not computed. */
  current?: { row: Row | undefined };
}

/**
 * The rows a projection sees while a batch is in flight: committed rows (loaded once) with the
 * batch's own earlier changes folded over them, so event N+1 sees the effect of event N although
 * nothing is written until the batch commits.
 *
 * A row read once is kept folded as changes arrive, so a hot row (a partner's totals, touched by
 * every event of a 500-event catch-up batch) costs one fold per change, not a re-fold of all its
 * changes per read. At the end, `coalesce` turns a row's several changes into one write.
 */
export class BatchView implements ReadView {
  private seq = 0;
  private readonly touched = new Map<string, Touched>();
  private readonly wheres: Pending[] = [];
  /**
   * The first error of the row loader that was the store's fault (down, timed out), not the event's:
   * applyEvents throws it, whatever the projection did with it, so the batch is retried.
   */
  loadFailure: { error: unknown } | null = null;

  constructor(
    private readonly projection: Projection,
    private readonly load: LoadRow,
  ) {}

  private entry(tableName: string, key: RowKey): Touched {
    const table = this.projection.table(tableName);
    const id = `${tableName}\u0000${keyId(table, key)}`;
    let entry = this.touched.get(id);
    if (!entry) {
      entry = { table, key, changes: [] };
      this.touched.set(id, entry);
    }
    return entry;
  }

  private async loadBase(entry: Touched): Promise<Row | undefined> {
    if (!entry.base) {
      let row: Row | undefined;
      try {
        row = await this.load(entry.table.name, entry.key);
      } catch (error) {
        // A data error (e.g. PostgreSQL refusing a key of the wrong type) is the event's, like a change's.
        if (!isDeterministicFailure(error)) this.loadFailure ??= { error };
        throw error;
      }
      entry.base ??= { row };
    }
    return entry.base.row;
  }

  /** The row as the batch has left it so far: its committed state with every change folded in. */
  private async folded(entry: Touched): Promise<Row | undefined> {
    const base = await this.loadBase(entry);
    if (entry.current) return entry.current.row;
    const wheres = this.wheres.filter((w) => w.change.table === entry.table.name);
    const pending =
      wheres.length === 0 ? entry.changes : [...entry.changes, ...wheres].sort((a, b) => a.seq - b.seq);
    // applyToRow never mutates its input, so the cached base and the pending changes are only shared.
    let row = base;
    for (const { change } of pending) row = applyToRow(entry.table, row, change);
    // With a deleteWhere in the batch the fold depends on the order of all changes: not kept.
    if (this.wheres.length === 0) entry.current = { row };
    return row;
  }

  async get(tableName: string, key: RowKey): Promise<Row | undefined> {
    const row = await this.folded(this.entry(tableName, key));
    // One copy at the end keeps a projection that mutates it from touching what the view holds.
    return row && copyRow(row);
  }

  add(change: Change): void {
    const pending = { seq: this.seq++, change };
    if (change.op === 'deleteWhere') {
      this.wheres.push(pending);
      for (const entry of this.touched.values()) delete entry.current;
      return;
    }
    const entry = this.entry(change.table, change.key);
    entry.changes.push(pending);
    if (!entry.current) return;
    try {
      entry.current = { row: applyToRow(entry.table, entry.current.row, change) };
    } catch {
      // e.g. a NOT NULL violation: the next read folds again and fails there, in the event that reads.
      delete entry.current;
    }
  }

  /**
   * The batch's changes with each row's several changes replaced by one write of its final state
   * (see finalWrite): the same end state in fewer statements. Rows changed once,
   * and every batch holding a deleteWhere, keep their changes as they are. Should folding fail,
   * the changes are returned unchanged, for the database to refuse them and the batch to be
   * retried event by event.
   */
  async coalesce(changes: Change[]): Promise<Change[]> {
    if (this.wheres.length > 0) return changes;
    const out: Change[] = [];
    try {
      for (const entry of this.touched.values()) {
        if (entry.changes.length === 0) continue;
        // One change, or one the database would refuse on its own (kept, so the same events are
        // accepted or refused however they were batched).
        if (
          entry.changes.length === 1 ||
          !entry.changes.every(({ change }) => acceptedAlone(entry.table, change))
        ) {
          for (const { change } of entry.changes) out.push(change);
          continue;
        }
        const row = await this.folded(entry);
        // The key of a change (validated), not of a read, which may carry other fields.
        const key = (entry.changes[0].change as { key: RowKey }).key;
        const write = finalWrite(entry.table, key, entry.base?.row, row);
        if (write) out.push(write);
      }
    } catch {
      return changes;
    }
    return out;
  }
}

/**
 * Whether the database would accept this change on any row state: an upsert or increment is an INSERT
 * first, and both SQLite and PostgreSQL check NOT NULL on that row before ON CONFLICT turns it into an
 * update, so each must give every NOT NULL column itself.
 */
function acceptedAlone(table: NormalizedTable, change: Change): boolean {
  if (change.op !== 'upsert' && change.op !== 'increment') return true;
  const given = change.op === 'upsert' ? change.values : { ...change.initial, ...change.deltas };
  return missingNotNull(table, change.key, given) === undefined;
}

/**
 * The one change that takes a row from `base` to `row`: an insert of the whole row, an update (patch)
 * of the columns that differ (so indexes and triggers on the others are not touched), a delete, or nothing.
 */
function finalWrite(
  table: NormalizedTable,
  key: RowKey,
  base: Row | undefined,
  row: Row | undefined,
): Change | null {
  if (!row) return base ? { op: 'delete', table: table.name, key } : null;
  const values: Row = {};
  let changed = false;
  for (const column of table.columns) {
    if (table.primaryKey.includes(column.name)) continue;
    const value = row[column.name] ?? null;
    if (base && sameCell(base[column.name] ?? null, value)) continue;
    values[column.name] = value;
    changed = true;
  }
  if (!base) return { op: 'upsert', table: table.name, key, values };
  // An UPDATE, not an upsert: an INSERT ... ON CONFLICT checks NOT NULL on the partial row first.
  return changed ? { op: 'patch', table: table.name, key, values } : null;
}

function sameCell(a: Row[string], b: Row[string]): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface AppliedBatch {
  /** What to write for every successfully applied event: their changes, a row changed several times as one write (BatchView.coalesce). */
  changes: Change[];
  /** The last event applied successfully (the new checkpoint), if any. */
  last?: RecordedEvent;
  applied: number;
  /** The first event the projection could not handle; events after it were not attempted. */
  failure?: { event: RecordedEvent; error: unknown };
  partnerIds: Set<string>;
}

/**
 * Runs the projection over events; an event whose apply throws ends the batch just before it. Throws
 * (nothing applied, no event blamed) when the store failed to load a row the projection read: an
 * infrastructure error, for the caller to retry, like a failed commit.
 */
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
      if (view.loadFailure) throw view.loadFailure.error;
      result.failure = { event, error };
      break;
    }
    // Also when the projection caught it: its changes rest on a row it could not read.
    if (view.loadFailure) throw view.loadFailure.error;
    for (const change of changes) {
      view.add(change);
      result.changes.push(change);
      collectPartnerIds(projection, change, result.partnerIds);
    }
    projection.partnerIds?.(event).forEach((id) => result.partnerIds.add(id));
    result.last = event;
    result.applied++;
  }
  result.changes = await view.coalesce(result.changes);
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
