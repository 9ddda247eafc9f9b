import { loadProjectorConfig, loadReadModelStoreConfig, ReadModelConfigError } from './config';

describe('read-model configuration', () => {
  it('defaults to a SQLite file of its own', () => {
    expect(loadReadModelStoreConfig({})).toEqual({ kind: 'sqlite', path: './data/read-models.sqlite' });
  });

  it('reads the PostgreSQL settings', () => {
    expect(
      loadReadModelStoreConfig({
        READ_MODEL_STORE: 'postgres',
        READ_MODEL_URL: 'postgres://u@h/db',
        READ_MODEL_SCHEMA: 'rm',
      }),
    ).toEqual({ kind: 'postgres', url: 'postgres://u@h/db', schema: 'rm' });
  });

  it.each([
    [{ READ_MODEL_STORE: 'mysql' }, 'READ_MODEL_STORE'],
    [{ READ_MODEL_STORE: 'postgres' }, 'READ_MODEL_URL'],
    [{ READ_MODEL_STORE: 'postgres', READ_MODEL_URL: 'http://x' }, 'READ_MODEL_URL'],
    [
      { READ_MODEL_STORE: 'postgres', READ_MODEL_URL: 'postgres://x/db', READ_MODEL_SCHEMA: 'Bad-Name' },
      'READ_MODEL_SCHEMA',
    ],
    [{ READ_MODEL_PATH: './data/e.sqlite', EVENT_STORE_PATH: './data/e.sqlite' }, 'READ_MODEL_PATH'],
    // Regression: compared as text, another spelling of the same file was taken.
    [{ READ_MODEL_PATH: 'data/e.sqlite', EVENT_STORE_PATH: './data/e.sqlite' }, 'READ_MODEL_PATH'],
    [
      { READ_MODEL_PATH: `${process.cwd()}/data/e.sqlite`, EVENT_STORE_PATH: './data/e.sqlite' },
      'READ_MODEL_PATH',
    ],
  ])('names the bad setting (%o)', (env, setting) => {
    let error: unknown;
    try {
      loadReadModelStoreConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ReadModelConfigError);
    expect((error as ReadModelConfigError).setting).toBe(setting);
    expect((error as Error).message).toMatch(new RegExp(`^${setting}: `));
  });

  it('reads the projector settings', () => {
    expect(loadProjectorConfig({})).toEqual({
      inProcess: true,
      thread: 'main',
      batchSize: 500,
      leaseTtlMs: 15000,
      liveBatchWindowMs: 0,
      maxDropRetryMs: 30000,
    });
    expect(
      loadProjectorConfig({
        PROJECTIONS_IN_PROCESS: 'false',
        PROJECTION_BATCH_SIZE: '50',
        PROJECTION_BATCH_WINDOW_MS: '5',
        PROJECTIONS_THREAD: 'Worker',
      }),
    ).toMatchObject({ inProcess: false, thread: 'worker', batchSize: 50, liveBatchWindowMs: 5 });
    expect(() => loadProjectorConfig({ PROJECTIONS_THREAD: 'both' })).toThrow(
      /^PROJECTIONS_THREAD: must be 'worker' or 'main', got 'both'/,
    );
    expect(() => loadProjectorConfig({ PROJECTION_BATCH_WINDOW_MS: '-1' })).toThrow(
      /^PROJECTION_BATCH_WINDOW_MS: must be a non-negative integer/,
    );
    expect(() => loadProjectorConfig({ PROJECTIONS_IN_PROCESS: 'maybe' })).toThrow(
      /^PROJECTIONS_IN_PROCESS: /,
    );
    expect(() => loadProjectorConfig({ PROJECTION_BATCH_SIZE: '0' })).toThrow(/^PROJECTION_BATCH_SIZE: /);
  });
});
