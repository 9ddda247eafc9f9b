import { randomUUID } from 'node:crypto';
import type { CommandBus } from '@nestjs/cqrs';
import { createDomainCommands, type DomainEvent } from '@pc/domain';
import { customerUser, partnerUser, testCatalog } from '@pc/domain/testing/fixtures';
import type { Actor } from '@pc/event-store';
import { createCommandPipeline, type CommandResult } from '@pc/pipeline';
import { InMemoryEventStore, InMemoryReadModel, project } from '@pc/projections/testing';
import { ManualClock, ProjectionStatusRegistry } from '../../../apps/api/src/platform';
import {
  DUE_ACTIONS_TABLE,
  dueActionsProjection,
} from '../../../apps/api/src/scheduler/due-actions.projection';
import type { DueList } from '../../../apps/api/src/scheduler/due-list';
import type { DueAction } from '../../../apps/api/src/scheduler/scheduled-command';
import type { SchedulerConfig } from '../../../apps/api/src/scheduler/scheduler.config';
import { SchedulerService } from '../../../apps/api/src/scheduler/scheduler.service';

/**
 * The scheduler service over the real domain commands and pipeline, an in-memory event store and the
 * due-actions projection applied in memory: whole event orders run in milliseconds, ticking through
 * months of business time. The due list is the projection's live rows, kept up with every event.
 */
export class InMemoryWorld {
  readonly store = new InMemoryEventStore();
  readonly pipeline = createCommandPipeline({
    store: this.store,
    commands: createDomainCommands(testCatalog),
  });
  readonly clock: ManualClock;
  readonly model = new InMemoryReadModel(dueActionsProjection);
  private projected = 0;
  readonly service: SchedulerService;

  constructor(
    start: string,
    private readonly config: Partial<SchedulerConfig> = {},
  ) {
    this.clock = new ManualClock(start);
    this.service = this.instance(this.pipeline);
  }

  /**
   * Another scheduler instance (as in another process): its own pipeline and stream cache over the
   * same event store, reading the same due list.
   */
  anotherInstance(): SchedulerService {
    return this.instance(
      createCommandPipeline({ store: this.store, commands: createDomainCommands(testCatalog) }),
    );
  }

  private instance(pipeline: typeof this.pipeline): SchedulerService {
    const dueList = {
      start: async () => undefined,
      close: async () => undefined,
      catchUp: async () => {
        await this.sync();
        return true;
      },
      dueAt: async (now: string, limit: number) => this.dueAt(now, limit),
      statuses: async () => [],
    };
    const bus = {
      execute: (command: { type: string; payload: Record<string, unknown>; context: never }) =>
        pipeline.execute(command.type, command.payload, command.context),
    };
    return new SchedulerService(
      bus as unknown as CommandBus,
      dueList as unknown as DueList,
      this.clock,
      {
        intervalMs: 0,
        batchSize: 500,
        catchUpTimeoutMs: 0,
        actionTimeoutMs: 30_000,
        shutdownGraceMs: 0,
        ...this.config,
      },
      new ProjectionStatusRegistry(),
    );
  }

  /** Projects the events written since the last call. */
  async sync(): Promise<void> {
    const fresh = this.store.log.slice(this.projected);
    this.projected = this.store.log.length;
    if (fresh.length > 0) await this.model.given(...fresh);
  }

  async dueAt(now: string, limit: number): Promise<DueAction[]> {
    await this.sync();
    return this.model
      .rows(DUE_ACTIONS_TABLE)
      .filter((row) => String(row.due_at) <= now)
      .sort((a, b) =>
        String(a.due_at) === String(b.due_at)
          ? String(a.key).localeCompare(String(b.key))
          : String(a.due_at) < String(b.due_at)
            ? -1
            : 1,
      )
      .slice(0, limit)
      .map((row) => ({
        key: String(row.key),
        commandType: String(row.command_type),
        payload: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<
          string,
          unknown
        >,
        dueAt: String(row.due_at),
        causedBy: String(row.caused_by),
        correlationId: row.correlation_id === null ? null : String(row.correlation_id),
      }));
  }

  /** Writes history directly (partners, customers), as earlier commands would have. */
  async given(stream: string, ...events: DomainEvent[]): Promise<void> {
    await this.store.append(
      stream,
      events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data as never, metadata: {} })),
    );
  }

  /** Runs a command now, as `actor`. */
  run(type: string, payload: Record<string, unknown>, actor: Actor): Promise<CommandResult> {
    const commandId = randomUUID();
    return this.pipeline.execute(type, payload, {
      commandId,
      correlationId: commandId,
      actor,
      service: { kind: 'service', id: 'test' },
      now: this.clock.now().toISOString(),
    });
  }

  asCustomer(customerId = 'c1', userId = 'cadmin'): Actor {
    return customerUser(userId, customerId) as Actor;
  }

  asPartner(userId = 'admin', partnerId = 'p1'): Actor {
    return partnerUser(userId, partnerId) as Actor;
  }

  /** Events of one stream of these types. */
  events(stream: string, ...types: string[]) {
    return this.store.log.filter((e) => e.streamName === stream && types.includes(e.type));
  }

  /** The due rows, as (key, due time), in key order. */
  async due(): Promise<Array<[string, string]>> {
    await this.sync();
    return this.model.rows(DUE_ACTIONS_TABLE).map((row) => [String(row.key), String(row.due_at)]);
  }

  /** The due rows a rebuild from the whole log would hold. */
  async rebuilt(): Promise<Array<[string, string]>> {
    const tables = await project(dueActionsProjection, this.store.log);
    return tables[DUE_ACTIONS_TABLE].map((row) => [String(row.key), String(row.due_at)]);
  }

  /** Moves the clock by whole hours and ticks at each step; every action report, in order. */
  async tickThrough(untilIso: string, stepHours = 6) {
    const reports = [];
    while (this.clock.now().toISOString() < untilIso) {
      const next = new Date(this.clock.now().getTime() + stepHours * 3_600_000).toISOString();
      this.clock.set(next < untilIso ? next : untilIso);
      const tick = await this.service.tick();
      reports.push(...tick.actions.map((a) => ({ ...a, at: tick.now })));
    }
    return reports;
  }
}
