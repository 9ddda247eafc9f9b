/** Injection tokens of the platform's ports. Inject with `@Inject(TOKEN)`. */

/** The `EventStore` (libs/event-store) the app opened; closed on shutdown. */
export const EVENT_STORE = Symbol('EVENT_STORE');
/** The `CommandPipeline` (libs/pipeline) the generic command handler runs. */
export const COMMAND_PIPELINE = Symbol('COMMAND_PIPELINE');
/** The durable `IdempotencyStore` (idempotency/idempotency-store.ts). */
export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');
/** The `PipelineObserver` that feeds metrics. */
export const PIPELINE_OBSERVER = Symbol('PIPELINE_OBSERVER');
/** The validated `Catalog` (libs/domain) of services, loaded once at boot from CATALOG_PATH. */
export const CATALOG = Symbol('CATALOG');
