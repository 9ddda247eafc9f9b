import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics. One Registry per app instance (not prom-client's global one) so
 * several apps in one process (tests, restarts) never collide on metric names.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({
    name: 'pc_http_requests_total',
    help: 'HTTP requests by operationId, method and status',
    labelNames: ['operation_id', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'pc_http_request_duration_seconds',
    help: 'HTTP request latency by operationId, method and status',
    labelNames: ['operation_id', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly commandsAccepted = new Counter({
    name: 'pc_commands_accepted_total',
    help: 'Commands accepted by command type',
    labelNames: ['command_type'] as const,
    registers: [this.registry],
  });
  private readonly commandsRefused = new Counter({
    name: 'pc_commands_refused_total',
    help: 'Commands refused by command type and refusal code',
    labelNames: ['command_type', 'code'] as const,
    registers: [this.registry],
  });
  private readonly conflictRetries = new Counter({
    name: 'pc_command_conflict_retries_total',
    help: 'Retries after a concurrent append to the same stream, by command type',
    labelNames: ['command_type'] as const,
    registers: [this.registry],
  });
  private readonly claimsKept = new Counter({
    name: 'pc_command_claims_kept_total',
    help: "Claims a refused command did not give back: another command built on them ('in-use'), or releasing kept conflicting ('conflicts')",
    labelNames: ['command_type', 'why'] as const,
    registers: [this.registry],
  });
  private readonly appendDuration = new Histogram({
    name: 'pc_event_store_append_duration_seconds',
    help: 'Event-store append latency by command type',
    labelNames: ['command_type'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly projectionLagEvents = new Gauge({
    name: 'pc_projection_lag_events',
    help: 'Events in $all not yet applied by the projection',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  private readonly projectionLagSeconds = new Gauge({
    name: 'pc_projection_lag_seconds',
    help: 'Age of the oldest event not yet applied by the projection',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pc_' });
  }

  observeHttpRequest(operationId: string, method: string, status: number, seconds: number): void {
    const labels = { operation_id: operationId, method, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  commandAccepted(commandType: string): void {
    this.commandsAccepted.inc({ command_type: commandType });
  }

  commandRefused(commandType: string, code: string): void {
    this.commandsRefused.inc({ command_type: commandType, code });
  }

  conflictRetried(commandType: string): void {
    this.conflictRetries.inc({ command_type: commandType });
  }

  claimKept(commandType: string, why: string): void {
    this.claimsKept.inc({ command_type: commandType, why });
  }

  appendObserved(commandType: string, seconds: number): void {
    this.appendDuration.observe({ command_type: commandType }, seconds);
  }

  setProjectionLag(projection: string, events: number, seconds: number): void {
    this.projectionLagEvents.set({ projection }, events);
    this.projectionLagSeconds.set({ projection }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
