import {
  type Actor,
  type EventStore,
  type JsonObject,
  type RecordedEvent,
  StreamNotFoundError,
  createSqliteEventStore,
} from '@pc/event-store';
import {
  type CommandContext,
  type ExtendedPipeline,
  GENESIS_HASH,
  createCommandPipeline,
  eventHash,
} from '@pc/pipeline';

/** A throw-away real SQLite event store (in memory): the specs exercise the real adapter, not a fake. */
export const memoryStore = (): Promise<EventStore> => createSqliteEventStore({ path: ':memory:' });

export const platformActor: Actor = { kind: 'platform', id: 'ops' };
export const partnerUser = (partnerId: string, id: string): Actor => ({
  kind: 'partner-user',
  id,
  partnerId,
});

let commandCounter = 0;

export function context(actor: Actor, now: string): CommandContext {
  commandCounter++;
  const commandId = `00000000-0000-4000-8000-${String(commandCounter).padStart(12, '0')}`;
  return { commandId, correlationId: commandId, actor, service: { kind: 'service', id: 'spec' }, now };
}

export const partnerProfile = {
  legalName: 'Contoso Partners s.r.o.',
  address: { line1: 'Hlavná 1', city: 'Bratislava', postalCode: '811 01', country: 'SK' },
  phone: '+421 2 1234 5678',
  email: 'office@contoso.example',
};

/** Partner commands through the real pipeline: realistic metadata and hash chains. */
export async function registerPartner(
  pipeline: ExtendedPipeline,
  partnerId: string,
  now: string,
): Promise<void> {
  await pipeline.execute(
    'RegisterPartner',
    {
      partnerId,
      profile: partnerProfile,
      firstUser: { userId: `${partnerId}-admin`, email: `admin@${partnerId}.example`, displayName: 'Admin' },
    },
    context(platformActor, now),
  );
}

export const pipelineOver = (store: EventStore): ExtendedPipeline =>
  createCommandPipeline({ store, cacheSize: 0 });

/**
 * Appends events chained exactly as the pipeline chains them, for streams the partner commands do
 * not produce (e.g. a customer stream carrying a partnerId).
 */
export async function appendChained(
  store: EventStore,
  stream: string,
  events: { type: string; data: JsonObject }[],
  actor: Actor,
  occurredAt: string,
): Promise<void> {
  let prev = GENESIS_HASH;
  let revision = -1;
  try {
    const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    prev = String(last.metadata.hash);
    revision = last.revision;
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  const ctx = context(actor, occurredAt);
  const newEvents = events.map((event, index) => {
    const metadata: JsonObject = {
      commandId: ctx.commandId,
      commandType: 'Spec',
      correlationId: ctx.correlationId,
      causationId: ctx.commandId,
      actor: { ...actor },
      service: ctx.service,
      occurredAt,
      schemaVersion: 1,
      prevHash: prev,
    };
    metadata.hash = eventHash(event.type, event.data, metadata);
    prev = metadata.hash;
    const id = `10000000-0000-4000-8000-${String(commandCounter * 100 + index).padStart(12, '0')}`;
    return { id, type: event.type, data: event.data, metadata };
  });
  await store.append(stream, newEvents, { expectedRevision: revision < 0 ? 'no_stream' : revision });
}

/**
 * The store as a tamperer left it: every read passes through `edit`. Lets pure specs show what the
 * verifier sees after a change "by hand" without a database at hand (the integration tests do it for real).
 */
export function tampered(
  store: EventStore,
  edit: (event: RecordedEvent) => RecordedEvent | null,
): EventStore {
  const apply = (events: RecordedEvent[]) =>
    events.map(edit).filter((event): event is RecordedEvent => event !== null);
  return {
    kind: store.kind,
    append: (...args) => store.append(...args),
    readStream: async (...args) => apply(await store.readStream(...args)),
    readAll: async (...args) => apply(await store.readAll(...args)),
    subscribeToAll: (...args) => store.subscribeToAll(...args),
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

export const recorded = (overrides: Partial<RecordedEvent>): RecordedEvent => ({
  id: 'e1',
  type: 'Something',
  streamName: 'thing-1',
  revision: 0,
  position: '00000000000000000001',
  data: {},
  metadata: {},
  recordedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});
