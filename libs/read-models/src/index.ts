import { clientListProjection } from './client-list/client-list.projection';
import { partnerOverviewProjection } from './partner-overview/partner-overview.projection';
import { porInboxProjection } from './por-inbox/por-inbox.projection';

export * from './partner-overview/partner-overview.projection';
export * from './client-list/client-list.projection';
export * from './client-list/client-facts';
export * from './por-inbox/por-inbox.projection';
export * from './por-inbox/notification-kinds';
export * from './por-inbox/mark-por-notifications-read';
export * from './shared/periods';

/** The product's read models, in the order the catalog lists them. */
export const readModelProjections = [partnerOverviewProjection, clientListProjection, porInboxProjection];
