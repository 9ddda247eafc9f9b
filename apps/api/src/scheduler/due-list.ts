import type { EventStore } from '@pc/event-store';
import {
  ProjectionRunner,
  type ProjectionStatus as RunnerStatus,
  type ReadModelStore,
  type RunnerLogger,
  createReadModelStore,
  sql,
} from '@pc/projections';
import type { ApiConfig, ProjectionStatus, ProjectionStatusProvider } from '../platform';
import { DUE_ACTIONS_TABLE, dueActionsProjection } from './due-actions.projection';
import type { DueAction } from './scheduled-command';

interface DueRow {
  key: string;
  command_type: string;
  payload: unknown;
  due_at: string;
  caused_by: string;
  correlation_id: string | null;
}

const HEALTH_STATE: Record<RunnerStatus['state'], ProjectionStatus['state']> = {
  'catching-up': 'catching-up',
  running: 'live',
  rebuilding: 'rebuilding',
  'stopped-on-error': 'failed',
  stopped: 'stopped',
  // Another instance holds the lease and keeps the list: nothing is wrong here.
  standby: 'live',
};

/**
 * The due list: the due-actions projection, run by its own runner into the configured read-model
 * store, and the query the scheduler selects from. It is a projection of its own (not in the product
 * catalog) because the scheduler needs it wherever it runs, whatever PROJECTIONS_IN_PROCESS says.
 */
export class DueList implements ProjectionStatusProvider {
  private constructor(
    private readonly eventStore: EventStore,
    private readonly store: ReadModelStore,
    private readonly runner: ProjectionRunner,
  ) {}

  static async open(eventStore: EventStore, config: ApiConfig, logger: RunnerLogger): Promise<DueList> {
    const store = await createReadModelStore(config.readModelStore);
    const runner = new ProjectionRunner({ eventStore, store, projections: [dueActionsProjection], logger });
    return new DueList(eventStore, store, runner);
  }

  start(): Promise<void> {
    return this.runner.start();
  }

  async close(): Promise<void> {
    await this.runner.stop();
    await this.store.close();
  }

  /** Waits until every event written so far is in the list; false when `timeoutMs` passed first. */
  async catchUp(timeoutMs: number): Promise<boolean> {
    const head = await this.eventStore.headPosition();
    if (head === null) return true;
    return this.runner.waitForPosition(head, timeoutMs, [dueActionsProjection.name]);
  }

  /** Actions due at or before `now`, earliest first. */
  async dueAt(now: string, limit: number): Promise<DueAction[]> {
    const rows = await this.store.query<DueRow>(
      dueActionsProjection,
      (t) =>
        sql`SELECT key, command_type, payload, due_at, caused_by, correlation_id FROM ${t(DUE_ACTIONS_TABLE)}
            WHERE due_at <= ${now} ORDER BY due_at, key LIMIT ${limit}`,
    );
    return rows.map((row) => ({
      key: row.key,
      commandType: row.command_type,
      // json columns come back as text from SQLite and parsed from PostgreSQL (jsonb).
      payload: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<
        string,
        unknown
      >,
      dueAt: row.due_at,
      causedBy: row.caused_by,
      correlationId: row.correlation_id,
    }));
  }

  async statuses(): Promise<ProjectionStatus[]> {
    const statuses = await this.runner.status();
    return statuses.map((s) => ({
      name: s.name,
      state: HEALTH_STATE[s.state],
      checkpoint: s.position,
      lagEvents: s.lag.events,
      lagSeconds: s.lag.seconds,
      ...(s.error ? { lastError: s.error.message } : {}),
    }));
  }
}
