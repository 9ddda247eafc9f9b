import { readModelProjections } from '@pc/read-models';
import { activityLogProjection } from '@pc/read-models/activity-log/activity-log.projection';
import type { Projection } from './definition/projection';

/**
 * The product's projections, run by the API (PROJECTIONS_IN_PROCESS=true) or by apps/projector:
 * partner overview, client list, POR notifications inbox, activity log (libs/read-models). The read models import
 * the runtime by subpath only, so this import closes no module cycle.
 */
export const projectionCatalog: Projection[] = [...readModelProjections, activityLogProjection];
