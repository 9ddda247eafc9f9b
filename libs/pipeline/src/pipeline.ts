import { parse as parseUuid, v5 as uuidv5 } from 'uuid';
import {
  type EventStore,
  type JsonObject,
  type NewEvent,
  type Position,
  type RecordedEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
  comparePositions,
} from '@pc/event-store';
import {
  type CommandDefinition,
  type CommandRegistry,
  type DecisionContext,
  type DecisionResult,
  type DomainEvent,
  type Evolver,
  type Loaded,
  type StreamSpec,
  CLAIM_RELEASED,
  DomainError,
  domainCommands,
} from '@pc/domain';
import { GENESIS_HASH, eventHash } from './hash-chain';
import { type CommandTrace, type FoldedStream, StreamCache } from './stream-cache';
import { StreamLock } from './stream-lock';
import {
  type CommandContext,
  type CommandPipeline,
  type CommandResult,
  ConcurrencyConflictError,
  PreconditionFailedError,
  ReplayMismatchError,
  UnknownCommandError,
} from './types';

/** Notified of what the pipeline does, for metrics. All optional. */
export interface PipelineObserver {
  appended?(commandType: string, streamName: string, events: number, durationMs: number): void;
  accepted?(commandType: string): void;
  refused?(commandType: string, code: string): void;
  conflictRetried?(commandType: string, streamName: string): void;
  /**
   * A refused command's claim was kept: another command has built on it since (e.g. applied the
   * product key a refused batch had registered), or releasing it kept conflicting.
   */
  claimKept?(commandType: string, streamName: string, why: 'in-use' | 'conflicts'): void;
}

export interface PipelineOptions {
  store: EventStore;
  /** Command definitions by type; defaults to every command of libs/domain. */
  commands?: CommandRegistry;
  /** Attempts on WrongExpectedVersion when the caller gave no If-Match. Default 8. */
  maxAttempts?: number;
  observer?: PipelineObserver;
  /** Folded streams kept in memory (LRU). Default 10,000; 0 disables the cache. */
  cacheSize?: number;
}

/** Schema version written in the metadata of every event (bumped per event type when its data changes). */
export const EVENT_SCHEMA_VERSION = 1;

/** Namespace of the deterministic (UUIDv5) ids the pipeline derives from a command id. */
export const PIPELINE_ID_NAMESPACE = '6f1c2b1e-0c55-4a4e-9a51-2f3c9a7e8b10';

/** Parsed once: given as text, uuid would parse the namespace on every id (several per command). */
const NAMESPACE_BYTES = parseUuid(PIPELINE_ID_NAMESPACE);

export const deriveId = (commandId: string, name: string): string =>
  uuidv5(`${commandId}/${name}`, NAMESPACE_BYTES);
/**
 * Event ids derive from the command, so a re-append is a no-op. `generation` counts how often this
 * command's claims on the stream were released before: a retry after a release claims anew.
 */
const eventIdFor = (commandId: string, stream: string, index: number | string, generation = 0): string =>
  uuidv5(
    generation === 0
      ? `${commandId}/event/${stream}/${index}`
      : `${commandId}/event/${stream}/g${generation}/${index}`,
    NAMESPACE_BYTES,
  );

const decisionContext = (ctx: CommandContext): DecisionContext => ({
  actor: ctx.actor,
  now: ctx.now,
  newId: (name) => deriveId(ctx.commandId, name),
});

export interface AggregateView<S> {
  state: S;
  /** -1 when the stream does not exist. */
  revision: number;
}

export interface ExtendedPipeline extends CommandPipeline {
  /** An aggregate's current state, folded from its stream (for queries such as getPartner). */
  readAggregate<S>(stream: string, evolver: Evolver<S, DomainEvent>): Promise<AggregateView<S>>;
}

/**
 * The one command pipeline: load the streams a command names → fold → decide (pure) → append with
 * the expected revision, retrying a bounded number of times on concurrent writes. Every event gets
 * the metadata envelope (who, on whose behalf, when, which command) and its link in the stream's
 * hash chain. A retried command id that already wrote to its primary stream returns the original
 * result and writes nothing.
 */
export function createCommandPipeline(options: PipelineOptions): ExtendedPipeline {
  const store = options.store;
  const commands = options.commands ?? domainCommands;
  const maxAttempts = options.maxAttempts ?? 8;
  const observer = options.observer ?? {};
  const cache = new StreamCache(options.cacheSize ?? 10_000);
  const lock = new StreamLock();

  async function readFrom(stream: string, fromRevision: number): Promise<RecordedEvent[]> {
    try {
      return await store.readStream(stream, { direction: 'forwards', fromRevision });
    } catch (e) {
      if (e instanceof StreamNotFoundError) return [];
      throw e;
    }
  }

  function extend(
    base: FoldedStream,
    evolver: Evolver<unknown, DomainEvent>,
    events: RecordedEvent[],
  ): FoldedStream {
    let { state, lastHash } = base;
    // The command map only ever gains facts (committed events), so it is extended in place rather
    // than copied per append (a copy is O(stream length) on every command). The revision guard makes
    // folding the same events twice harmless.
    const commandsSeen = base.commands;
    for (const e of events) {
      state = evolver.evolve(state, { type: e.type, data: e.data });
      lastHash = typeof e.metadata.hash === 'string' ? e.metadata.hash : lastHash;
      const commandId = e.metadata.commandId;
      if (typeof commandId === 'string') {
        const trace = commandsSeen.get(commandId);
        if (!trace) {
          commandsSeen.set(commandId, {
            firstRevision: e.revision,
            lastRevision: e.revision,
            position: e.position,
            eventTypes: [e.type],
          });
        } else if (e.revision > trace.lastRevision) {
          commandsSeen.set(commandId, {
            ...trace,
            lastRevision: e.revision,
            position: e.position,
            eventTypes: [...trace.eventTypes, e.type],
          });
        }
      }
    }
    const revision = events.length > 0 ? events[events.length - 1].revision : base.revision;
    return { evolver, state, revision, lastHash, commands: commandsSeen };
  }

  /** The stream folded to its head: from the cache, extended by whatever was appended since. */
  async function load(spec: StreamSpec): Promise<FoldedStream> {
    const hit = cache.get(spec.stream);
    const cached = hit && hit.evolver === spec.evolver ? hit : undefined;
    const base: FoldedStream = cached ?? {
      state: spec.evolver.initialState,
      revision: -1,
      lastHash: null,
      commands: new Map(),
    };
    const folded = extend(base, spec.evolver, await readFrom(spec.stream, base.revision + 1));
    cache.set(spec.stream, folded);
    return folded;
  }

  /**
   * A stream folded WITHOUT the events of one command (used when that command is being retried):
   * what the command saw the first time. After a crash between its writes, the command re-appends
   * the same events at the same place (a no-op that answers as before). After its claim was
   * released (it was refused), it appends after everything, with a new generation of ids. The
   * command's current generation starts after its last release: the stream is taken as it was just
   * before that generation (the head, once released), with the earlier generations left out of the
   * state.
   */
  async function loadExcluding(
    spec: StreamSpec,
    commandId: string,
  ): Promise<FoldedStream & { generation: number }> {
    const all = await readFrom(spec.stream, 0);
    const ours = (e: RecordedEvent) => e.metadata.commandId === commandId;
    let lastRelease = -1;
    let generation = 0;
    all.forEach((e, i) => {
      if (!ours(e) || e.type !== CLAIM_RELEASED) return;
      lastRelease = i;
      generation++;
    });
    const start = all.findIndex((e, i) => i > lastRelease && ours(e));
    const before = start < 0 ? all : all.slice(0, start);
    const others = before.filter((e) => !ours(e));
    const empty: FoldedStream = {
      state: spec.evolver.initialState,
      revision: -1,
      lastHash: null,
      commands: new Map(),
    };
    const folded = extend(empty, spec.evolver, others);
    if (others.length === before.length) return { ...folded, generation };
    // Earlier generations (a claim and its release) were left out: the command appends after the
    // event just before, whoever wrote it.
    const previous = before[before.length - 1];
    return {
      ...folded,
      revision: previous.revision,
      lastHash: (previous.metadata.hash as string) ?? null,
      generation,
    };
  }

  /**
   * The command was refused (or gave up) after writing claims: give each one back, so that no domain,
   * code or product key stays claimed by a command that never happened. Idempotent (deterministic id).
   */
  async function releaseClaims(
    definition: CommandDefinition,
    payload: Record<string, unknown>,
    ctx: CommandContext,
    reason: string,
    claimed: ReadonlySet<string>,
  ) {
    const specs = definition.streams(payload, decisionContext(ctx));
    for (const [alias, spec] of Object.entries(specs)) {
      if (alias === definition.primary || !claimed.has(spec.stream)) continue;
      /** Released, found released already, or kept on purpose. */
      let settled = false;
      for (let tries = 0; tries < 5 && !settled; tries++) {
        const all = await readFrom(spec.stream, 0);
        const ours = all.filter((e) => e.metadata.commandId === ctx.commandId);
        if (ours.length === 0 || ours[ours.length - 1].type === CLAIM_RELEASED) {
          settled = true;
          break;
        }
        // Another command wrote after our claim, building on it (a product key a refused batch had
        // registered was applied meanwhile): undoing the claim now would undo that use too and free
        // the key for a second one. It stays; the command's refusal still stands.
        if (all[all.length - 1].metadata.commandId !== ctx.commandId) {
          observer.claimKept?.(definition.type, spec.stream, 'in-use');
          settled = true;
          break;
        }
        const generation = ours.filter((e) => e.type === CLAIM_RELEASED).length;
        const lastRelease = ours.map((e) => e.type).lastIndexOf(CLAIM_RELEASED);
        const undoes = ours.slice(lastRelease + 1).map((e) => e.type);
        const head = all[all.length - 1];
        const [event] = toNewEvents(
          spec.stream,
          [{ type: CLAIM_RELEASED, data: { commandId: ctx.commandId, undoes, reason } }],
          (head.metadata.hash as string) ?? null,
          definition.type,
          ctx,
        );
        event.id = eventIdFor(ctx.commandId, spec.stream, 'release', generation);
        try {
          await store.append(spec.stream, [event], { expectedRevision: head.revision });
          cache.evict(spec.stream);
          settled = true;
        } catch (e) {
          if (!(e instanceof WrongExpectedVersionError)) throw e;
        }
      }
      if (!settled) observer.claimKept?.(definition.type, spec.stream, 'conflicts');
    }
  }

  function toNewEvents(
    stream: string,
    events: DomainEvent[],
    prevHash: string | null,
    commandType: string,
    ctx: CommandContext,
    generation = 0,
  ): NewEvent[] {
    let previous = prevHash ?? GENESIS_HASH;
    return events.map((event, index) => {
      const metadata: Record<string, unknown> = {
        commandId: ctx.commandId,
        commandType,
        correlationId: ctx.correlationId,
        causationId: ctx.causationId ?? ctx.commandId,
        actor: { ...ctx.actor },
        service: ctx.service,
        occurredAt: ctx.now,
        schemaVersion: EVENT_SCHEMA_VERSION,
        prevHash: previous,
      };
      const data = JSON.parse(JSON.stringify(event.data)) as JsonObject;
      metadata.hash = eventHash(event.type, data, metadata);
      previous = metadata.hash as string;
      return {
        id: eventIdFor(ctx.commandId, stream, index, generation),
        type: event.type,
        data,
        metadata: metadata as JsonObject,
      };
    });
  }

  /**
   * The answer to a command its primary stream already holds, as the first time: the event types it
   * wrote (claim streams' first) and the ids its decision gave, decided again as it was decided then.
   * Every stream is read afresh (replays are rare: the cost stays off the success path) and folded up
   * to just before the command's first stored event, by global position (a partner, invite or offer
   * changed since does not count; the streams the command wrote are taken without its own events,
   * earlier generations of a released claim included), and the decision gets the command's own time
   * (`occurredAt` of that event), not the retry's clock.
   *
   * The decision must write what the store holds, event type by event type on every stream, or its
   * ids are not the ones answered the first time. A command retried after a crash between its claim
   * and its primary write was decided again by that retry (on the streams and at the time of the
   * retry): when the first event's cut does not reproduce the stored events, the first event of each
   * other stream the command wrote is tried as the cut, in log order. When none does, the replay
   * fails with a ReplayMismatchError rather than answer without ids.
   */
  async function replayOf(
    definition: CommandDefinition,
    payload: Record<string, unknown>,
    ctx: CommandContext,
    specs: Record<string, StreamSpec>,
    trace: CommandTrace,
  ): Promise<CommandResult> {
    const aliases = Object.keys(specs);
    const ordered = [...aliases.filter((a) => a !== definition.primary), definition.primary];
    const streams = await Promise.all(ordered.map((alias) => readFrom(specs[alias].stream, 0)));
    const ours = (e: RecordedEvent) => e.metadata.commandId === ctx.commandId;
    // Of each stream, the command's events of its last generation (those after its last release).
    const written = streams.map((all) => {
      let lastRelease = -1;
      all.forEach((e, i) => {
        if (ours(e) && e.type === CLAIM_RELEASED) lastRelease = i;
      });
      return all.filter((e, i) => i > lastRelease && ours(e));
    });
    const eventTypes = written.flatMap((events) => events.map((e) => e.type));

    const firsts = written
      .filter((events) => events.length > 0)
      .map((events) => events[0])
      .sort((a, b) => comparePositions(a.position, b.position));
    const reasons: string[] = [];
    for (const cut of firsts) {
      const now = typeof cut.metadata.occurredAt === 'string' ? cut.metadata.occurredAt : ctx.now;
      const loaded: Record<string, Loaded<unknown>> = {};
      ordered.forEach((alias, i) => {
        // A stream the command wrote is taken as it was before the command's events there, even
        // when the cut is later (a retry after a crash re-appended the same claim).
        const own = written[i][0]?.position;
        const limit = own !== undefined && comparePositions(own, cut.position) < 0 ? own : cut.position;
        const evolver = specs[alias].evolver;
        let state = evolver.initialState;
        let revision = -1;
        for (const e of streams[i]) {
          if (comparePositions(e.position, limit) >= 0) break;
          revision = e.revision;
          if (!ours(e)) state = evolver.evolve(state, { type: e.type, data: e.data });
        }
        loaded[alias] = { state, revision };
      });
      let decided: DecisionResult;
      try {
        decided = definition.decide(payload, loaded, decisionContext({ ...ctx, now }));
      } catch (e) {
        const why = e instanceof DomainError ? e.code : e instanceof Error ? e.message : String(e);
        reasons.push(`at ${cut.position} (${now}) it was refused (${why})`);
        continue;
      }
      const differs = ordered.find((alias, i) => {
        const types = (decided.events[alias] ?? []).map((e) => e.type);
        return types.join('\n') !== written[i].map((e) => e.type).join('\n');
      });
      if (differs === undefined) {
        return {
          commandId: ctx.commandId,
          streamName: specs[definition.primary].stream,
          revision: trace.lastRevision,
          position: trace.position,
          ids: decided.ids ?? {},
          eventTypes,
          replayed: true,
        };
      }
      reasons.push(
        `at ${cut.position} (${now}) it wrote [${(decided.events[differs] ?? []).map((e) => e.type).join(', ')}] ` +
          `to '${specs[differs].stream}', which holds [${written[ordered.indexOf(differs)].map((e) => e.type).join(', ')}]`,
      );
    }
    throw new ReplayMismatchError(ctx.commandId, definition.type, specs[definition.primary].stream, reasons);
  }

  async function attempt(
    definition: CommandDefinition,
    payload: Record<string, unknown>,
    ctx: CommandContext,
    claimed: Set<string>,
  ): Promise<CommandResult> {
    const decisionCtx = decisionContext(ctx);
    const specs = definition.streams(payload, decisionCtx);
    const aliases = Object.keys(specs);
    const primarySpec = specs[definition.primary];
    const folded = await Promise.all(aliases.map((alias) => load(specs[alias])));
    const byAlias = new Map(aliases.map((alias, i) => [alias, folded[i]]));
    const primary = byAlias.get(definition.primary) as FoldedStream;

    // A retry of a command that already wrote its primary stream: answer as the first time.
    const trace = primary.commands.get(ctx.commandId);
    if (trace) return replayOf(definition, payload, ctx, specs, trace);

    // Secondary (claim) streams this command already wrote are seen as they were before it. Known
    // before the If-Match check, so a precondition failure still releases a crashed attempt's claims.
    const generations = new Map<string, number>();
    for (const alias of aliases) {
      const f = byAlias.get(alias) as FoldedStream;
      if (alias !== definition.primary && f.commands.has(ctx.commandId)) {
        const excluded = await loadExcluding(specs[alias], ctx.commandId);
        byAlias.set(alias, excluded);
        generations.set(alias, excluded.generation);
        claimed.add(specs[alias].stream);
      }
    }

    if (ctx.expectedRevision !== undefined && primary.revision !== ctx.expectedRevision) {
      throw new PreconditionFailedError(primarySpec.stream, ctx.expectedRevision, primary.revision);
    }

    const loaded: Record<string, Loaded<unknown>> = {};
    for (const [alias, f] of byAlias) loaded[alias] = { state: f.state, revision: f.revision };
    const result: DecisionResult = definition.decide(payload, loaded, decisionCtx);

    const order = [...aliases.filter((a) => a !== definition.primary), definition.primary].filter(
      (alias) => (result.events[alias] ?? []).length > 0,
    );
    let position: Position | null = null;
    let revision = primary.revision;
    const eventTypes: string[] = [];
    for (const alias of order) {
      const spec = specs[alias];
      const base = byAlias.get(alias) as FoldedStream;
      const domainEvents = result.events[alias] as DomainEvent[];
      const generation = generations.get(alias) ?? 0;
      const newEvents = toNewEvents(
        spec.stream,
        domainEvents,
        base.lastHash,
        definition.type,
        ctx,
        generation,
      );
      const started = performance.now();
      const appended = await store.append(spec.stream, newEvents, {
        expectedRevision: base.revision < 0 ? 'no_stream' : base.revision,
      });
      observer.appended?.(definition.type, spec.stream, newEvents.length, performance.now() - started);
      if (appended.duplicate && !generations.has(alias)) {
        // The store already held these events, though this stream held nothing of the command when
        // read: another process ran this command id at the same place (a client retry sent
        // elsewhere). What it holds has that run's metadata and hashes, not ours: forget what we
        // folded and answer from the store, as a replay once the primary stream holds the command.
        // (A re-append of a crashed attempt's claim is expected to be a duplicate: handled below.)
        cache.evict(spec.stream);
        return attempt(definition, payload, ctx, claimed);
      }
      position = appended.position;
      if (alias === definition.primary) revision = appended.nextExpectedRevision;
      else claimed.add(spec.stream);
      eventTypes.push(...newEvents.map((e) => e.type));
      // Keep the cache warm with what we just wrote, when it extends exactly what we read. Not after
      // re-appending a crashed attempt's events: the store kept the ORIGINAL events (other metadata,
      // other hashes), so only a fresh read knows the stream's real last hash.
      if (
        !generations.has(alias) &&
        !appended.duplicate &&
        appended.nextExpectedRevision === base.revision + newEvents.length
      ) {
        const recorded: RecordedEvent[] = newEvents.map((e, i) => ({
          ...e,
          streamName: spec.stream,
          revision: base.revision + 1 + i,
          position: appended.position,
          metadata: e.metadata ?? {},
          recordedAt: ctx.now,
        }));
        cache.set(spec.stream, extend(base, spec.evolver, recorded));
      } else {
        cache.evict(spec.stream);
      }
    }
    return {
      commandId: ctx.commandId,
      streamName: primarySpec.stream,
      revision,
      position,
      ids: result.ids ?? {},
      eventTypes,
      replayed: false,
      ...(result.returned ? { returned: result.returned } : {}),
    };
  }

  /** Whether the command's primary stream is known NOT to hold the command; false when it cannot be read. */
  async function primaryLacks(
    definition: CommandDefinition,
    payload: Record<string, unknown>,
    ctx: CommandContext,
  ): Promise<boolean> {
    try {
      const stream = definition.streams(payload, decisionContext(ctx))[definition.primary].stream;
      cache.evict(stream);
      const events = await readFrom(stream, 0);
      return !events.some((e) => e.metadata.commandId === ctx.commandId);
    } catch {
      return false;
    }
  }

  /** The streams a command names; none when its payload cannot name them (its decision refuses it). */
  function streamsOf(definition: CommandDefinition, payload: Record<string, unknown>, ctx: CommandContext) {
    try {
      return Object.values(definition.streams(payload, decisionContext(ctx))).map((spec) => spec.stream);
    } catch {
      return [];
    }
  }

  return {
    async execute(commandType, payload, ctx) {
      const definition = commands.get(commandType);
      if (!definition) throw new UnknownCommandError(commandType);
      return lock.run(streamsOf(definition, payload, ctx), () => run(commandType, definition, payload, ctx));
    },

    async readAggregate<S>(stream: string, evolver: Evolver<S, DomainEvent>): Promise<AggregateView<S>> {
      const folded = await load({ stream, evolver: evolver as Evolver<unknown, DomainEvent> });
      return { state: folded.state as S, revision: folded.revision };
    },
  };

  /** One command, its streams held by this process: attempts, retries on concurrent writes, releases. */
  async function run(
    commandType: string,
    definition: CommandDefinition,
    payload: Record<string, unknown>,
    ctx: CommandContext,
  ): Promise<CommandResult> {
    // Claim streams this command has written to (in any attempt, or before a crash).
    const claimed = new Set<string>();
    for (let attemptNo = 1; ; attemptNo++) {
      try {
        const result = await attempt(definition, payload, ctx, claimed);
        observer.accepted?.(commandType);
        return result;
      } catch (e) {
        if (e instanceof DomainError) {
          observer.refused?.(commandType, e.code);
          await releaseClaims(definition, payload, ctx, e.code, claimed);
          throw e;
        }
        if (e instanceof PreconditionFailedError) {
          await releaseClaims(definition, payload, ctx, e.code, claimed);
          throw e;
        }
        if (!(e instanceof WrongExpectedVersionError)) {
          // The store may be the thing that failed, and a write whose answer was lost may still have
          // been committed: release only when the primary stream shows the command did not happen
          // (else the claimed domain or key would be free again for a command that took it). Best
          // effort: a retry of the same command id re-claims or completes what is left here.
          if (await primaryLacks(definition, payload, ctx)) {
            await releaseClaims(definition, payload, ctx, 'failed', claimed).catch(() => undefined);
          }
          throw e;
        }
        cache.evict(e.streamName);
        const primaryStream = definition.streams(payload, decisionContext(ctx))[definition.primary].stream;
        if (ctx.expectedRevision !== undefined && e.streamName === primaryStream) {
          await releaseClaims(definition, payload, ctx, 'precondition-failed', claimed);
          throw new PreconditionFailedError(
            e.streamName,
            ctx.expectedRevision,
            typeof e.actual === 'number' ? e.actual : -1,
          );
        }
        if (attemptNo >= maxAttempts) {
          await releaseClaims(definition, payload, ctx, 'concurrency-conflict', claimed);
          throw new ConcurrencyConflictError(e.streamName, attemptNo);
        }
        observer.conflictRetried?.(commandType, e.streamName);
        // Jittered back-off keeps colliding writers from colliding again in lock step.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * attemptNo));
      }
    }
  }
}
