import { ProjectionRunner } from '../runtime/runner';
import { InMemoryEventStore } from '../testing';
import { streamStats } from '../testing/sample-projections';
import {
  DEFAULT_MAX_DROP_RETRY_MS,
  loadProjectorConfig,
  loadReadModelStoreConfig,
  newReadModelStore,
} from './config';
import { PostgresReadModelStore } from './postgres-store';
import { SqliteReadModelStore } from './sqlite-store';
import { configRefusal as refusal } from '../testing/config-refusal';

const pg = { READ_MODEL_STORE: 'postgres', READ_MODEL_URL: 'postgres://u@127.0.0.1:1/db' };
const BAD = ['0', '-1', '0x10', '1e3', '10.0', '+5', 'soon', '99999999999999999999'];

// Regression: the retired-generation drop's lock timeout and the worker's drop-retry ceiling were
// constructor options only: no setting could change them, in the API or the projector.
describe('PROJECTION_DROP_LOCK_TIMEOUT_MS (the read-model store loader)', () => {
  it('is absent when unset (the store keeps its default, 300 ms), read when set', () => {
    expect(loadReadModelStoreConfig(pg)).toEqual({
      kind: 'postgres',
      url: pg.READ_MODEL_URL,
      schema: 'read_models',
    });
    expect(loadReadModelStoreConfig({ ...pg, PROJECTION_DROP_LOCK_TIMEOUT_MS: ' 1500 ' })).toEqual({
      kind: 'postgres',
      url: pg.READ_MODEL_URL,
      schema: 'read_models',
      dropLockTimeoutMs: 1500,
    });
    // SQLite drops take no lock timeout: its config is as before.
    expect(loadReadModelStoreConfig({ PROJECTION_DROP_LOCK_TIMEOUT_MS: '1500' })).toEqual({
      kind: 'sqlite',
      path: './data/read-models.sqlite',
    });
  });

  it.each(BAD)("refuses '%s', naming it, whatever the store", (raw) => {
    for (const env of [pg, {}]) {
      const error = refusal(() => loadReadModelStoreConfig({ ...env, PROJECTION_DROP_LOCK_TIMEOUT_MS: raw }));
      expect(error.problems).toEqual([
        `PROJECTION_DROP_LOCK_TIMEOUT_MS: must be a positive integer (decimal digits), got '${raw}'`,
      ]);
    }
  });

  it('is reported with every other bad read-model store setting', () => {
    const error = refusal(() =>
      loadReadModelStoreConfig({
        READ_MODEL_STORE: 'postgres',
        READ_MODEL_URL: 'http://x',
        READ_MODEL_SCHEMA: 'Bad-Name',
        PROJECTION_DROP_LOCK_TIMEOUT_MS: '0',
      }),
    );
    expect(error.problems.map((problem) => problem.split(':')[0])).toEqual([
      'READ_MODEL_URL',
      'READ_MODEL_SCHEMA',
      'PROJECTION_DROP_LOCK_TIMEOUT_MS',
    ]);
    expect(
      refusal(() =>
        loadReadModelStoreConfig({ READ_MODEL_STORE: 'mongo', PROJECTION_DROP_LOCK_TIMEOUT_MS: 'x' }),
      ).problems.map((problem) => problem.split(':')[0]),
    ).toEqual(['READ_MODEL_STORE', 'PROJECTION_DROP_LOCK_TIMEOUT_MS']);
  });

  it('reaches the PostgreSQL store built from the config', async () => {
    const set = newReadModelStore(
      loadReadModelStoreConfig({ ...pg, PROJECTION_DROP_LOCK_TIMEOUT_MS: '1500' }),
    );
    const unset = newReadModelStore(loadReadModelStoreConfig(pg));
    try {
      expect(set).toBeInstanceOf(PostgresReadModelStore);
      expect((set as PostgresReadModelStore).options.dropLockTimeoutMs).toBe(1500);
      expect((set as unknown as { dropLockTimeoutMs: number }).dropLockTimeoutMs).toBe(1500);
      expect((unset as unknown as { dropLockTimeoutMs: number }).dropLockTimeoutMs).toBe(300);
    } finally {
      await Promise.all([set.close(), unset.close()]);
    }
  });
});

describe('PROJECTION_DROP_RETRY_MAX_MS (the projector loader)', () => {
  it('defaults to 30 s, read when set', () => {
    expect(loadProjectorConfig({}).maxDropRetryMs).toBe(30_000);
    expect(DEFAULT_MAX_DROP_RETRY_MS).toBe(30_000);
    expect(loadProjectorConfig({ PROJECTION_DROP_RETRY_MAX_MS: '5000' }).maxDropRetryMs).toBe(5000);
  });

  it.each(BAD)("refuses '%s', naming it", (raw) => {
    const error = refusal(() => loadProjectorConfig({ PROJECTION_DROP_RETRY_MAX_MS: raw }));
    expect(error.problems).toEqual([
      `PROJECTION_DROP_RETRY_MAX_MS: must be a positive integer (decimal digits), got '${raw}'`,
    ]);
  });

  it('is reported with every other bad projector setting', () => {
    const error = refusal(() =>
      loadProjectorConfig({
        PROJECTIONS_THREAD: 'gpu',
        PROJECTION_BATCH_SIZE: '0x10',
        PROJECTION_DROP_RETRY_MAX_MS: '1e3',
      }),
    );
    expect(error.problems.map((problem) => problem.split(':')[0])).toEqual([
      'PROJECTIONS_THREAD',
      'PROJECTION_BATCH_SIZE',
      'PROJECTION_DROP_RETRY_MAX_MS',
    ]);
  });

  it("reaches the runner's workers", async () => {
    const store = new SqliteReadModelStore({ path: ':memory:' });
    await store.init();
    try {
      const workersOf = (runner: ProjectionRunner) => [
        ...(
          runner as unknown as { workers: Map<string, { options: { maxDropRetryMs?: number } }> }
        ).workers.values(),
      ];
      const { maxDropRetryMs } = loadProjectorConfig({ PROJECTION_DROP_RETRY_MAX_MS: '2500' });
      const runner = new ProjectionRunner({
        eventStore: new InMemoryEventStore(),
        store,
        projections: [streamStats],
        maxDropRetryMs,
      });
      expect(workersOf(runner).map((worker) => worker.options.maxDropRetryMs)).toEqual([2500]);
    } finally {
      await store.close();
    }
  });
});
