/** The platform's public API for feature modules. Import from here, not from the files. */
export { Public, RequireScope, AcrossTenants, CurrentPrincipal, assertScope } from './auth/decorators';
export type { Principal, Scope } from './auth/principal';
export { SCOPES, hasAnyScope } from './auth/principal';
export {
  assertPartnerVisible,
  assertCustomerVisible,
  canSeePartner,
  canSeeCustomer,
  partnerNotFound,
  customerNotFound,
} from './auth/tenant';
export { CLOCK, SystemClock, ManualClock, type Clock } from './clock';
export { API_CONFIG, loadApiConfig, ConfigError, type ApiConfig } from './config';
export { CommandGateway, type CommandResponseBody } from './commands/command-gateway';
export { CommandMeta, type CommandRequestMeta, type CommandReply } from './commands/command-meta';
export { ApiCommand, CommandAcceptedDto, CommandBodyDto } from './commands/api-command';
export { ExecuteDomainCommand } from './commands/execute-domain-command';
export { CATALOG, COMMAND_PIPELINE, EVENT_STORE, IDEMPOTENCY_STORE, PIPELINE_OBSERVER } from './tokens';
export type { IdempotencyStore, IdempotencyRecord, StoredResponse } from './idempotency/idempotency-store';
export { ProblemException, type ProblemDetails } from './problem/problem-exception';
export { NestedObjects } from './problem/nested-objects';
export { Optional } from './problem/optional';
export { IsInstant } from './problem/instant';
export { IsPosition } from './problem/position';
export { DecimalInteger } from './problem/integer';
export { ReadsQuery } from './problem/request-shape.guard';
export { ClientGone, ClientGoneError, clientGoneSignal } from './problem/client-gone';
export { statusOfDomainError } from './problem/problem.filter';
export { ActingUsers } from './auth/acting-user.guard';
export { ProblemResponses, ProblemDetailsDto, ValidationProblemDto } from './openapi/problem-responses';
export { GuessingRateLimit } from './rate-limit/guessing-rate-limit';
export { MetricsService } from './observability/metrics.service';
export { MetricsPipelineObserver } from './observability/metrics-pipeline-observer';
export {
  ProjectionStatusRegistry,
  type ProjectionStatus,
  type ProjectionStatusProvider,
} from './health/projection-status';
export { DEVELOPMENT_JWT_SECRET } from './auth/dev-keys';
export { TIMED_OUT, within } from './within';
