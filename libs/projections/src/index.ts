export * from './definition/schema';
export * from './definition/rows';
export * from './definition/changes';
export * from './definition/projection';
export { InvalidChangeError, validateChange } from './definition/apply-change';
export { sql, RawSql, SqlFragment, renderSql } from './sql/sql';
export { generationTableName } from './sql/ddl';
export type { DialectName } from './sql/dialect';
export * from './store/read-model-store';
export * from './store/config';
export { decodeRow } from './store/shared';
export { compareCodePoints, compareKeyValues, compareRowKeys } from './store/row-order';
export { SqliteReadModelStore, type SqliteReadModelStoreOptions } from './store/sqlite-store';
export { PostgresReadModelStore, type PostgresReadModelStoreOptions } from './store/postgres-store';
export * from './runtime/runner';
export {
  createProjectionRunner,
  ProjectionThreadError,
  ThreadedProjectionRunner,
  type ProjectionRunnerSetup,
  type ProjectionSource,
  type ThreadedProjectionRunnerOptions,
} from './runtime/threaded-runner';
export type { RunnerLogger } from './runtime/projection-worker';
export { PositionWaiter, type PositionWaiterOptions } from './runtime/wait';
export {
  rebuildInto,
  replayInto,
  type RebuildIntoOptions,
  type RebuildIntoResult,
  type ReplayIntoOptions,
} from './runtime/rebuild-into';
export type { Lag } from './runtime/lag';
export * from './paging';
export { projectionCatalog, projectionCatalogSource } from './catalog';
