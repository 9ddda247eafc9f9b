import type { ProjectionStatus } from '@pc/projections';
import type { ReadModelRuntime } from '../read-model-runtime';
import { GetProjectionStatusHandler } from './projection-status.query';

const failure = {
  eventId: '00000000-0000-4000-8000-000000000002',
  eventType: 'Client.Added',
  position: '00000000000000000002',
  message: 'Error: cannot handle it',
  at: '2025-01-01T00:00:00.000Z',
};

const status = (rebuild: ProjectionStatus['rebuild']): ProjectionStatus => ({
  name: 'client_list',
  version: 1,
  state: 'running',
  ownedHere: true,
  generation: 1,
  position: '00000000000000000009',
  head: '00000000000000000009',
  lag: { events: 0, eventsCapped: false, seconds: 0 },
  error: null,
  rebuild,
});

describe('GetProjectionStatusHandler', () => {
  const handler = (statuses: ProjectionStatus[]) =>
    new GetProjectionStatusHandler({
      status: async () => statuses,
      runsProjections: true,
      projectionThread: 'main',
    } as unknown as ReadModelRuntime);

  it('given a rebuild that failed beside the live generation, then the view names its error', async () => {
    const view = await handler([
      status({ generation: 2, position: '00000000000000000001', error: failure }),
    ]).execute();
    expect(view.projections[0].rebuild).toEqual({
      generation: 2,
      position: '00000000000000000001',
      error: failure,
    });
  });

  it('given a rebuild in progress, then its error is null', async () => {
    const view = await handler([status({ generation: 2, position: null, error: null })]).execute();
    expect(view.projections[0].rebuild).toEqual({ generation: 2, position: null, error: null });
  });
});
