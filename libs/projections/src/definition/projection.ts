import { createHash } from 'node:crypto';
import type { AllFilter, RecordedEvent } from '@pc/event-store';
import type { Change } from './changes';
import type { Row, RowKey } from './rows';
import {
  assertIdentifier,
  normalizeTable,
  ProjectionDefinitionError,
  type ExtraDdlContext,
  type NormalizedTable,
  type ProjectionSchema,
} from './schema';

/** What a projection may read while applying an event: its own rows, as of the previous event. */
export interface ReadView {
  get(table: string, key: RowKey): Promise<Row | undefined>;
}

/**
 * Pure: the same event and the same rows give the same changes. No clock, no random, no I/O other
 * than the view — that is what makes a rebuild equal to the live tables.
 */
export type ApplyFn = (event: RecordedEvent, view: ReadView) => Change[] | Promise<Change[]>;

export interface ProjectionDefinition {
  /** Lower-case snake_case; becomes the prefix of every physical table. */
  name: string;
  /** Bump whenever the schema or the logic changes: the runner then rebuilds beside the live tables. */
  version: number;
  schema: ProjectionSchema;
  /** Handlers by exact event type. Events of other (unknown, newer) types are ignored. */
  on?: Record<string, ApplyFn>;
  /** A catch-all, called after the `on` handler (if any) of every event passing the filter. */
  apply?: ApplyFn;
  /**
   * Event-type prefixes read from the store. Default: the keys of `on` when there is no `apply`,
   * so the store only ships events the projection handles; otherwise every event.
   */
  eventTypePrefixes?: string[];
  /** Extra partner ids to notify for an event, beyond those found in `partnerIdColumn` columns. */
  partnerIds?: (event: RecordedEvent) => string[];
}

export interface Projection {
  readonly name: string;
  readonly version: number;
  readonly schema: ProjectionSchema;
  readonly tables: ReadonlyMap<string, NormalizedTable>;
  readonly filter: AllFilter | undefined;
  /** sha256 of the rendered schema: a change without a version bump still triggers a rebuild. */
  readonly schemaHash: string;
  apply(event: RecordedEvent, view: ReadView): Promise<Change[]>;
  partnerIds?(event: RecordedEvent): string[];
  table(name: string): NormalizedTable;
}

export function defineProjection(definition: ProjectionDefinition): Projection {
  assertIdentifier('Projection', definition.name, 24);
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    throw new ProjectionDefinitionError(
      `Projection '${definition.name}': version must be a positive integer`,
    );
  }
  if (!definition.on && !definition.apply) {
    throw new ProjectionDefinitionError(
      `Projection '${definition.name}' needs 'on' handlers or an 'apply' function`,
    );
  }
  const tables = new Map(
    Object.entries(definition.schema.tables).map(([name, def]) => [name, normalizeTable(name, def)]),
  );
  if (tables.size === 0)
    throw new ProjectionDefinitionError(`Projection '${definition.name}' declares no tables`);
  const handlers = definition.on ?? {};
  const catchAll = definition.apply;
  const prefixes = definition.eventTypePrefixes ?? (catchAll ? undefined : Object.keys(handlers));
  const table = (name: string): NormalizedTable => {
    const found = tables.get(name);
    if (!found) throw new ProjectionDefinitionError(`Projection '${definition.name}' has no table '${name}'`);
    return found;
  };
  return {
    name: definition.name,
    version: definition.version,
    schema: definition.schema,
    tables,
    filter: prefixes ? { eventTypePrefixes: prefixes } : undefined,
    schemaHash: hashSchema(definition.schema),
    table,
    partnerIds: definition.partnerIds,
    async apply(event, view) {
      const handler = Object.prototype.hasOwnProperty.call(handlers, event.type)
        ? handlers[event.type]
        : undefined;
      const changes = handler ? await handler(event, view) : [];
      if (!catchAll) return changes;
      return [...changes, ...(await catchAll(event, view))];
    },
  };
}

function hashSchema(schema: ProjectionSchema): string {
  const placeholder: ExtraDdlContext = {
    table: (name) => `<table:${name}>`,
    object: (name) => `<object:${name}>`,
    index: (name) => `<index:${name}>`,
  };
  const rendered = {
    tables: schema.tables,
    sqlite: schema.extraDdl?.sqlite?.(placeholder) ?? [],
    postgres: schema.extraDdl?.postgres?.(placeholder) ?? [],
  };
  return createHash('sha256').update(JSON.stringify(rendered)).digest('hex').slice(0, 16);
}

/** Whether the event store would deliver the event through this filter (same rule as the adapters). */
export function passesFilter(filter: AllFilter | undefined, event: RecordedEvent): boolean {
  if (!filter) return true;
  const { eventTypePrefixes: types, streamNamePrefixes: streams } = filter;
  if (types && !types.some((prefix) => event.type.startsWith(prefix))) return false;
  return !streams || streams.some((prefix) => event.streamName.startsWith(prefix));
}
