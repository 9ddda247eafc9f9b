import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError } from '@pc/domain';
import type { CommandResult } from '@pc/pipeline';
import {
  CLOCK,
  type Clock,
  ExecuteDomainCommand,
  ProjectionStatusRegistry,
  TIMED_OUT,
  within,
} from '../platform';
import { DueList } from './due-list';
import { type DueAction, scheduledCommandContext } from './scheduled-command';
import { SCHEDULER_CONFIG, type SchedulerConfig } from './scheduler.config';

export type ActionOutcome = 'applied' | 'no-op' | 'replayed' | 'refused' | 'failed';

export interface ActionReport {
  key: string;
  commandType: string;
  commandId: string;
  outcome: ActionOutcome;
  /** The refusal code, the error message, or `timed out after N ms`, when the action did not go through. */
  reason?: string;
}

export interface TickReport {
  now: string;
  /** False when the due list did not reach the head of the log in time (the tick still ran). */
  caughtUp: boolean;
  actions: ActionReport[];
  /**
   * Due actions of this batch not tried: the tick ended early, because a command timed out (the store
   * may be hung: each would wait out its own timeout behind it) or the service is stopping. They stay
   * due for the next tick.
   */
  deferred: number;
}

/** What names one due action (key @ due time) in the scheduler's own sets. */
const actionId = (action: DueAction): string => `${action.key}@${action.dueAt}`;

/** Adds `id`, first dropping the oldest entry when the set holds `max` already. */
function addBounded(set: Set<string>, id: string, max: number): void {
  if (set.size >= max) set.delete(set.values().next().value as string);
  set.add(id);
}

/**
 * Refusals that mean "already done, differently": a trial converted since the action was listed is
 * no longer a trial to expire or warn about. The due list drops such rows on the same events, so
 * these only show up while it lags behind.
 */
const ALREADY_DONE = new Set(['not-a-trial']);

/** Notices sent a number of days before an end (the payload's `daysLeft`); keys end in `/{daysLeft}`. */
const NOTICES = new Set(['MarkTrialExpiring', 'MarkDelegationEnding']);

/** What a notice is about (its key without the days) and how many days before the end it is sent. */
function noticeOf(action: DueAction): { subject: string; daysLeft: number } | null {
  const daysLeft = Number(action.payload.daysLeft);
  if (!NOTICES.has(action.commandType) || !Number.isFinite(daysLeft)) return null;
  return { subject: `${action.commandType}:${action.key.slice(0, action.key.lastIndexOf('/'))}`, daysLeft };
}

/**
 * The notices of this batch that a shorter notice of the same trial or delegation, due as well,
 * overtakes. After a pause (downtime, a lagging list) the 7- and 1-day notices of a trial fall due
 * together; issued oldest first, the customer was told "7 days left" hours before the end, then
 * "1 day left". Only the shortest is issued: its event makes the longer ones stale for the domain
 * and takes their rows out of the due list.
 */
function overtaken(due: DueAction[]): Set<DueAction> {
  const shortest = new Map<string, number>();
  for (const action of due) {
    const notice = noticeOf(action);
    if (notice)
      shortest.set(notice.subject, Math.min(shortest.get(notice.subject) ?? Infinity, notice.daysLeft));
  }
  return new Set(
    due.filter((action) => {
      const notice = noticeOf(action);
      return notice !== null && notice.daysLeft > (shortest.get(notice.subject) as number);
    }),
  );
}

/**
 * Issues the time-driven commands (trial notices and expiry, invite and offer expiry) when they fall
 * due by the injected clock. Each action carries a command id derived from its key and due time, so
 * issuing it twice has one effect; the list itself is a projection, so nothing is lost on a restart.
 * Several instances may tick at once: the worst case is a replay. A command that does not settle
 * within SCHEDULER_ACTION_TIMEOUT_MS counts as failed (ticks never overlap, so one hung command would
 * otherwise stop the scheduler for good) and ends the tick: the rest of the batch waits for the next
 * one, instead of each waiting out its own timeout behind a hung store. The command is left to finish
 * alone; the action is retried with the same id, after everything else due, once it has settled.
 */
@Injectable()
export class SchedulerService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private timer: NodeJS.Timeout | undefined;
  /** Ticks never overlap: a manual tick during a timed one runs after it. */
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly dueList: DueList,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly projectionStatus: ProjectionStatusRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    this.projectionStatus.register(this.dueList);
    await this.dueList.start();
  }

  onApplicationBootstrap(): void {
    if (this.config.intervalMs > 0) this.scheduleNext();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.awaitAbandoned();
    await this.dueList.close();
  }

  /**
   * Commands that timed out and still run would otherwise have their stores closed under them and fail
   * late; those that settle within SCHEDULER_SHUTDOWN_GRACE_MS finish first. The others are logged,
   * and retried with the same command id after a restart (a replay if they had applied).
   */
  private async awaitAbandoned(): Promise<void> {
    const { shutdownGraceMs } = this.config;
    if (this.abandoned.size === 0 || shutdownGraceMs === 0) return this.reportAbandoned();
    this.logger.warn(
      { stillRunning: this.abandoned.size, graceMs: shutdownGraceMs },
      'waiting for timed-out scheduled commands before closing the stores',
    );
    await within(Promise.allSettled([...this.abandoned]), shutdownGraceMs);
    this.reportAbandoned();
  }

  private reportAbandoned(): void {
    if (this.abandoned.size === 0) return;
    this.logger.error(
      { stillRunning: this.abandoned.size },
      'shutting down with timed-out scheduled commands still running; their stores close under them',
    );
  }

  /** Runs every action due now. Tests move the clock and call this; in service, the timer does. */
  tick(): Promise<TickReport> {
    const tick = this.running.then(() => this.runTick());
    this.running = tick.catch(() => undefined);
    return tick;
  }

  private scheduleNext(): void {
    // A timeout re-armed after each tick (not an interval): a slow tick never piles up behind itself.
    this.timer = setTimeout(() => {
      this.tick()
        .catch((error: unknown) => this.logger.error({ err: error }, 'scheduler tick failed'))
        .finally(() => {
          if (!this.stopped) this.scheduleNext();
        });
    }, this.config.intervalMs);
    this.timer.unref();
  }

  /**
   * Actions (key @ due time) that were refused, had nothing to do, or were already done, in this process.
   * Their rows stay in the due list (it is derived from events alone), so without this they would be
   * selected first on every tick and, in numbers, starve everything due later. Bounded; a restart
   * tries each once more, which is harmless (the domain refuses again, or it is a replay).
   */
  private readonly settled = new Set<string>();
  private static readonly MAX_SETTLED = 100_000;

  /**
   * Actions (key @ due time) whose last try in this process failed (infrastructure trouble, or a command
   * past SCHEDULER_ACTION_TIMEOUT_MS). They stay due and are retried every tick, but after everything
   * else due: enough of them failing for good (≥ the batch size) starved every action due after them.
   * In a general outage all fail alike, so the order, and the recovery, are as before. Bounded like
   * `settled`.
   */
  private readonly failing = new Set<string>();

  /**
   * Actions (key @ due time) whose try timed out and is still running. They are not issued again
   * until it settles: against a database that stays hung, every tick would otherwise leave one more
   * stuck command per action behind.
   */
  private readonly stillRunning = new Set<string>();
  /** Those commands themselves (settled when they end, however), for shutdown to wait for. */
  private readonly abandoned = new Set<Promise<void>>();

  private noteOutcome(action: DueAction, outcome: ActionOutcome): void {
    const id = actionId(action);
    if (outcome === 'failed') addBounded(this.failing, id, SchedulerService.MAX_SETTLED);
    else this.failing.delete(id);
  }

  private settle(action: DueAction): void {
    addBounded(this.settled, actionId(action), SchedulerService.MAX_SETTLED);
  }

  private async runTick(): Promise<TickReport> {
    const now = this.clock.now().toISOString();
    const caughtUp = await this.dueList.catchUp(this.config.catchUpTimeoutMs);
    // Behind is not fatal: every action is idempotent and the domain checks it is due, so a stale
    // row costs a replay or a no-op, never a wrong effect.
    if (!caughtUp) this.logger.warn({ now }, 'due list is behind the event log; ticking with what it has');
    const candidates = (
      await this.dueList.dueAt(now, this.config.batchSize + this.settled.size + this.failing.size)
    ).filter((action) => !this.settled.has(actionId(action)));
    const due = [
      ...candidates.filter((action) => !this.failing.has(actionId(action))),
      ...candidates.filter((action) => this.failing.has(actionId(action))),
    ].slice(0, this.config.batchSize);
    const actions: ActionReport[] = [];
    const skipped = overtaken(due);
    for (const [index, action] of due.entries()) {
      if (this.stopped) return this.endEarly({ now, caughtUp, actions }, due.length - index, 'stopping');
      if (skipped.has(action)) {
        // Not issued, and not set aside: its row goes with the shorter notice's event (if that one
        // fails, both come back next tick and this one is skipped again).
        actions.push({
          key: action.key,
          commandType: action.commandType,
          commandId: scheduledCommandContext(action, now).commandId,
          outcome: 'no-op',
          reason: 'overtaken',
        });
        continue;
      }
      const { timedOut, ...report } = await this.run(action, now);
      this.noteOutcome(action, report.outcome);
      // An applied action's own event takes its row out of the list; a failure must be retried.
      // Anything else (refused, nothing to do, already done) would only come back every tick.
      if (report.outcome !== 'applied' && report.outcome !== 'failed') this.settle(action);
      actions.push(report);
      if (timedOut && index < due.length - 1) {
        return this.endEarly({ now, caughtUp, actions }, due.length - index - 1, 'a command timed out');
      }
    }
    return { now, caughtUp, actions, deferred: 0 };
  }

  private endEarly(
    report: Omit<TickReport, 'deferred'>,
    deferred: number,
    why: 'stopping' | 'a command timed out',
  ): TickReport {
    this.logger.warn({ now: report.now, deferred }, `tick ended early (${why}); the rest stays due`);
    return { ...report, deferred };
  }

  private async run(action: DueAction, now: string): Promise<ActionReport & { timedOut?: true }> {
    const context = scheduledCommandContext(action, now);
    const report = { key: action.key, commandType: action.commandType, commandId: context.commandId };
    // Logged as `action`: the log redacts any field named `key` (product keys), which hid the one an
    // operator needs to find the due row.
    const logged = { action: action.key, commandType: action.commandType, commandId: context.commandId };
    const timeoutMs = this.config.actionTimeoutMs;
    const id = actionId(action);
    if (this.stillRunning.has(id)) {
      return { ...report, outcome: 'failed', reason: 'an earlier try that timed out is still running' };
    }
    try {
      const execution = this.commandBus.execute(
        new ExecuteDomainCommand(action.commandType, action.payload, context),
      );
      const result = await within(execution, timeoutMs);
      if (result === TIMED_OUT) {
        // A hung command (a database call that never returns) held the tick, and every later tick,
        // for good. It is left running: it carries this action's command id, so if it completes, the
        // retry once it has settled is a replay.
        this.abandon(id, execution, logged);
        this.logger.error({ ...logged, timeoutMs }, 'scheduled command timed out');
        return { ...report, outcome: 'failed', reason: `timed out after ${timeoutMs} ms`, timedOut: true };
      }
      const outcome = result.replayed ? 'replayed' : result.eventTypes.length > 0 ? 'applied' : 'no-op';
      this.logger.log({ ...logged, outcome, events: result.eventTypes }, 'scheduled command issued');
      return { ...report, outcome };
    } catch (error) {
      if (error instanceof DomainError) {
        if (ALREADY_DONE.has(error.code)) return { ...report, outcome: 'no-op', reason: error.code };
        this.logger.warn({ ...logged, code: error.code, facts: error.facts }, 'scheduled command refused');
        return { ...report, outcome: 'refused', reason: error.code };
      }
      // Infrastructure trouble: the row stays, the next tick retries with the same command id.
      this.logger.error({ ...logged, err: error }, 'scheduled command failed');
      return { ...report, outcome: 'failed', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Logs how a timed-out command ended, if it ever does (and keeps a late rejection from going unhandled). */
  private abandon(id: string, execution: Promise<CommandResult>, logged: Record<string, string>): void {
    this.stillRunning.add(id);
    const settled: Promise<void> = execution
      .then(
        (result) =>
          this.logger.warn(
            { ...logged, replayed: result.replayed, events: result.eventTypes },
            'timed-out scheduled command completed late',
          ),
        (error: unknown) =>
          this.logger.warn(
            error instanceof DomainError
              ? { ...logged, code: error.code, facts: error.facts }
              : { ...logged, err: error },
            'timed-out scheduled command failed late',
          ),
      )
      .finally(() => {
        this.stillRunning.delete(id);
        this.abandoned.delete(settled);
      });
    this.abandoned.add(settled);
  }
}
