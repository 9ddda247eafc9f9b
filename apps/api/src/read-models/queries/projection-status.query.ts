import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReadModelRuntime } from '../read-model-runtime';
import type { ProjectionStatusListView } from '../views/projection-status.view';

export class GetProjectionStatusQuery extends Query<ProjectionStatusListView> {}

/** Every product projection: state, generation, checkpoint, head, lag, error, rebuild in progress. */
@QueryHandler(GetProjectionStatusQuery)
export class GetProjectionStatusHandler implements IQueryHandler<
  GetProjectionStatusQuery,
  ProjectionStatusListView
> {
  constructor(private readonly runtime: ReadModelRuntime) {}

  async execute(): Promise<ProjectionStatusListView> {
    const statuses = await this.runtime.status();
    return {
      inProcess: this.runtime.runsProjections,
      thread: this.runtime.projectionThread,
      projections: statuses.map((s) => ({
        name: s.name,
        version: s.version,
        state: s.state,
        ownedHere: s.ownedHere,
        generation: s.generation,
        position: s.position,
        head: s.head,
        lag: s.lag,
        error: s.error,
        rebuild: s.rebuild
          ? { generation: s.rebuild.generation, position: s.rebuild.position, error: s.rebuild.error }
          : null,
      })),
    };
  }
}
