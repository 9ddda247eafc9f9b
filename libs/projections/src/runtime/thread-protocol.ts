import type { EventStoreConfig } from '@pc/event-store';
import type { ReadModelStoreConfig } from '../store/config';
import type { ProjectionChange, ProjectionRunnerOptions, ProjectionStatus } from './runner';

/** Where the worker thread finds the projections: a module (absolute path) and the array it exports. */
export interface ProjectionSource {
  module: string;
  exportName: string;
}

/** What the worker thread starts from (`workerData`): plain data, since projections and stores hold functions and handles. */
export interface RunnerThreadData {
  source: ProjectionSource;
  names: string[];
  eventStore: EventStoreConfig;
  readModelStore: ReadModelStoreConfig;
  owner: string;
  tuning: RunnerTuning;
}

/** The runner's settings that are plain numbers, passed on to the thread's runner as they are. */
export type RunnerTuning = Pick<
  ProjectionRunnerOptions,
  'batchSize' | 'liveBatchWindowMs' | 'leaseTtlMs' | 'leaseRetryMs' | 'retryBackoffMs' | 'maxDropRetryMs'
>;

export type ToRunnerThread =
  | { type: 'stop' }
  | { type: 'rebuild'; name: string }
  | { type: 'resume'; name: string }
  | { type: 'status'; id: number };

export type FromRunnerThread =
  | { type: 'started' }
  | { type: 'start-failed'; message: string }
  /** Committed batches, in commit order; `owned` = the projections whose lease the thread holds now. */
  | { type: 'changes'; changes: ProjectionChange[]; owned: string[] }
  | { type: 'owned'; owned: string[] }
  | { type: 'status'; id: number; statuses?: ProjectionStatus[]; error?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; context: object; message: string }
  | { type: 'stopped' };
