import { loadProjectorConfig, loadReadModelStoreConfig } from './config';
import { configRefusal as refusal } from '../testing/config-refusal';

describe('projector integer settings', () => {
  const names = ['PROJECTION_BATCH_SIZE', 'PROJECTION_LEASE_TTL_MS', 'PROJECTION_BATCH_WINDOW_MS'];

  // Regression: parsed with Number(), so hex, exponents and decimals booted; every other integer
  // setting (the API's, the scheduler's) takes plain decimal digits only.
  it.each(['0x10', '1e3', '10.0', '1.', '+5', '0b11', '0o17', '99999999999999999999'])(
    "refuses '%s' (which Number() took) for each, naming it",
    (raw) => {
      for (const name of names) {
        const error = refusal(() => loadProjectorConfig({ [name]: raw }));
        expect(error.setting).toBe(name);
        expect(error.message.startsWith(`${name}: must be a `)).toBe(true);
        expect(error.message.endsWith(`got '${raw}'`)).toBe(true);
      }
    },
  );

  it('takes plain decimal digits, surrounding blanks trimmed as for every setting', () => {
    expect(
      loadProjectorConfig({
        PROJECTION_BATCH_SIZE: '16',
        PROJECTION_LEASE_TTL_MS: ' 1000 ',
        PROJECTION_BATCH_WINDOW_MS: '0',
      }),
    ).toMatchObject({ batchSize: 16, leaseTtlMs: 1000, liveBatchWindowMs: 0 });
    expect(refusal(() => loadProjectorConfig({ PROJECTION_LEASE_TTL_MS: '0' })).setting).toBe(
      'PROJECTION_LEASE_TTL_MS',
    );
  });
});

describe('every bad read-model setting at once', () => {
  it('reports each bad projector setting, not only the first', () => {
    const error = refusal(() =>
      loadProjectorConfig({
        PROJECTIONS_IN_PROCESS: 'maybe',
        PROJECTIONS_THREAD: 'gpu',
        PROJECTION_BATCH_SIZE: '0x10',
        PROJECTION_LEASE_TTL_MS: '1e3',
        PROJECTION_BATCH_WINDOW_MS: '-1',
      }),
    );
    expect(error.setting).toBe('PROJECTIONS_IN_PROCESS');
    expect(error.problems.map((problem) => problem.split(':')[0])).toEqual([
      'PROJECTIONS_IN_PROCESS',
      'PROJECTIONS_THREAD',
      'PROJECTION_BATCH_SIZE',
      'PROJECTION_LEASE_TTL_MS',
      'PROJECTION_BATCH_WINDOW_MS',
    ]);
    expect(error.message.split('\n')).toEqual(error.problems);
  });

  it('reports a missing READ_MODEL_URL and a bad READ_MODEL_SCHEMA together', () => {
    const error = refusal(() =>
      loadReadModelStoreConfig({ READ_MODEL_STORE: 'postgres', READ_MODEL_SCHEMA: 'Bad-Name' }),
    );
    expect(error.problems.map((problem) => problem.split(':')[0])).toEqual([
      'READ_MODEL_URL',
      'READ_MODEL_SCHEMA',
    ]);
  });
});
