import type { RecordedEvent } from '@pc/event-store';
import { RowMaps } from '../definition/apply-change';
import type { Change } from '../definition/changes';
import { passesFilter, type Projection, type ReadView } from '../definition/projection';
import { sortRows, type Row, type RowKey, type TableDump } from '../definition/rows';
import { applyEvents } from '../runtime/batch';
import { describeError } from '../runtime/errors';

/**
 * A projection's tables in memory, with the exact change semantics of the SQL stores (same
 * validation, same NOT NULL rule, same batch overlay). For pure "given events → then rows" specs.
 */
export class InMemoryReadModel implements ReadView {
  private readonly maps: RowMaps;

  constructor(readonly projection: Projection) {
    this.maps = new RowMaps(projection);
  }

  async get(table: string, key: RowKey): Promise<Row | undefined> {
    return this.maps.get(table, key);
  }

  /**
   * Applies events as one batch, skipping those the projection's filter would not deliver; throws
   * (naming the event) when the projection cannot handle one.
   */
  async given(...events: RecordedEvent[]): Promise<Change[]> {
    const delivered = events.filter((event) => passesFilter(this.projection.filter, event));
    const applied = await applyEvents(this.projection, delivered, (table, key) => this.get(table, key));
    applied.changes.forEach((change) => this.maps.apply(change));
    if (applied.failure) {
      const { event, error } = applied.failure;
      throw new Error(
        `Projection '${this.projection.name}' failed on ${event.type} (${event.id}): ${describeError(error)}`,
      );
    }
    return applied.changes;
  }

  /** Rows of one table in primary-key order, every column present. */
  rows(table: string): Row[] {
    return sortRows(this.projection.table(table), this.maps.rows(table));
  }

  /** Same shape and order as `ReadModelStore.dumpTables`. */
  dump(): TableDump {
    const dump: TableDump = {};
    for (const name of this.projection.tables.keys()) dump[name] = this.rows(name);
    return dump;
  }
}

/** Shortcut: the tables after projecting the events. */
export async function project(projection: Projection, events: RecordedEvent[]): Promise<TableDump> {
  const model = new InMemoryReadModel(projection);
  await model.given(...events);
  return model.dump();
}
