import { readModelProjections } from '@pc/read-models';
import { activityLogProjection } from '@pc/read-models/activity-log/activity-log.projection';
import type { Projection } from './definition/projection';
import type { ProjectionSource } from './runtime/thread-protocol';

/**
 * The product's projections, run by the API (PROJECTIONS_IN_PROCESS=true) or by apps/projector:
 * partner overview, client list, POR notifications inbox, activity log (libs/read-models). The read models import
 * the runtime by subpath only, so this import closes no module cycle.
 */
export const projectionCatalog: Projection[] = [...readModelProjections, activityLogProjection];

/** Where a projection thread loads the catalog (this very module, compiled or not). */
export const projectionCatalogSource: ProjectionSource = {
  module: __filename,
  exportName: 'projectionCatalog',
};
