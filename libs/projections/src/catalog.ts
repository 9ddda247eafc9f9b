import type { Projection } from './definition/projection';

/**
 * The product's projections, run by the API (PROJECTIONS_IN_PROCESS=true) or by apps/projector.
 * Empty until the read models (partner overview, client list, POR inbox) are written; add each one here.
 */
export const projectionCatalog: Projection[] = [];
