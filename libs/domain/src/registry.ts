import { acquisitionCommands } from './acquisition/acquisition';
import type { Catalog } from './catalog/catalog';
import { customerUserCommands } from './customer/users';
import { subscriptionCommands } from './customer/subscriptions';
import { delegationCommands } from './delegation/commands';
import { trialInviteCommands } from './invitation/trial-invite';
import { partnerCommands } from './partner/commands';
import { partnerOfRecordCommands } from './partner-of-record/partner-of-record';
import { productKeyCommands } from './product-key/product-key';
import { purchaseOfferCommands } from './purchase-offer/purchase-offer';
import { serviceRequestCommands } from './service-request/service-request';
import { type CommandRegistry, registry } from './shared/command';

/**
 * The partner commands only: they need no catalog. Kept for callers that predate the catalog; the
 * service builds its registry with `createDomainCommands(catalog)`. Deliberately NOT backed by a
 * built-in default catalog: a caller that forgets to pass the configured one should get "unknown
 * command", not silently sell from a catalog nobody configured.
 */
export const domainCommands = registry(...partnerCommands);

/**
 * Every command of the domain, by type. The definitions that need the catalog (offers, trial
 * lengths, license bounds, terms) close over the one given, loaded and validated with parseCatalog.
 */
export function createDomainCommands(catalog: Catalog): CommandRegistry {
  return registry(
    ...partnerCommands,
    ...trialInviteCommands(catalog),
    ...purchaseOfferCommands(catalog),
    ...acquisitionCommands(catalog),
    ...customerUserCommands,
    ...subscriptionCommands(catalog),
    ...delegationCommands,
    ...serviceRequestCommands,
    ...productKeyCommands(catalog),
    ...partnerOfRecordCommands,
  );
}
