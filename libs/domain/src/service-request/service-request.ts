import {
  type CustomerEvent,
  SERVICE_REQUEST_SEVERITIES,
  type ServiceRequestEvent,
  type ServiceRequestSeverity,
} from '../customer/events';
import { authorizeCustomerAction } from '../customer/permissions';
import { customerSpec, type CustomerState, type ServiceRequest } from '../customer/state';
import { nonEmpty } from '../customer/validation';
import { actingContext, actingPartnerStreams, actingRef } from '../delegation/access';
import { type CommandDefinition, defineCommand } from '../shared/command';
import { DomainError, refuse } from '../shared/errors';
import { toInstant } from '../shared/time';
import type { DecisionContext, Loaded } from '../shared/types';
import { entryOf } from '../shared/records';

/**
 * Service requests (support cases) opened for a customer: by the customer's own global admin, or on
 * its behalf by a partner's delegated admin with full access (the same commands for both).
 *
 * They live in the customer stream, not in streams of their own: acting for a customer is decided
 * on that stream (the delegation in force), so a request opened or changed by a delegated admin
 * cannot slip past a removal of the delegation written concurrently: both append to one stream, one
 * waits for the other. Requests are few and small next to the rest of a customer's history, and the
 * client list and the audit read them where the customer's other facts are. The cost: the ETag of a
 * request is the customer stream's revision.
 */

export interface CreateServiceRequest {
  customerId: string;
  serviceRequestId?: string;
  title: string;
  description: string;
  severity: ServiceRequestSeverity;
}

export interface UpdateServiceRequest {
  customerId: string;
  serviceRequestId: string;
  title?: string;
  description?: string;
  severity?: ServiceRequestSeverity;
}

export interface CloseServiceRequest {
  customerId: string;
  serviceRequestId: string;
  resolution?: string;
}

export const MAX_TITLE = 200;
export const MAX_DESCRIPTION = 10_000;

const onCustomer = {
  primary: 'customer',
  streams: (p: { customerId: string }, ctx: DecisionContext) => ({
    customer: customerSpec(p.customerId),
    ...actingPartnerStreams(ctx),
  }),
};
const customerOf = (loaded: Record<string, Loaded<unknown>>): CustomerState =>
  loaded.customer.state as CustomerState;
const emit = (...events: CustomerEvent[]) => ({ events: { customer: events } });

function validSeverity(value: unknown): ServiceRequestSeverity {
  if (!(SERVICE_REQUEST_SEVERITIES as readonly unknown[]).includes(value)) {
    refuse('invalid-severity', `Severity must be one of ${SERVICE_REQUEST_SEVERITIES.join(', ')}`, {
      severity: typeof value === 'string' ? value : null,
    });
  }
  return value as ServiceRequestSeverity;
}

function serviceRequestOf(state: CustomerState, serviceRequestId: string): ServiceRequest {
  const r = entryOf(state.serviceRequests, serviceRequestId);
  if (!r) {
    throw new DomainError(
      'service-request-not-found',
      `No service request ${serviceRequestId} in customer ${state.id}`,
      { customerId: state.id, serviceRequestId },
      'not-found',
    );
  }
  return r;
}

function authorize(p: { customerId: string }, loaded: Record<string, Loaded<unknown>>, ctx: DecisionContext) {
  const state = customerOf(loaded);
  const by = authorizeCustomerAction(
    state,
    p.customerId,
    ctx.actor,
    'manage-service-requests',
    actingContext(loaded, ctx),
  );
  return { state, by: actingRef(by), now: toInstant(ctx.now, 'now') };
}

export const createServiceRequest = defineCommand<CreateServiceRequest>({
  type: 'CreateServiceRequest',
  ...onCustomer,
  decide(p, loaded, ctx) {
    const { state, by, now } = authorize(p, loaded, ctx);
    const title = nonEmpty(p.title, 'title', MAX_TITLE);
    const description = nonEmpty(p.description, 'description', MAX_DESCRIPTION);
    const severity = validSeverity(p.severity);
    const serviceRequestId = p.serviceRequestId ?? ctx.newId('serviceRequestId');
    if (entryOf(state.serviceRequests, serviceRequestId)) {
      refuse(
        'service-request-exists',
        `Service request ${serviceRequestId} already exists`,
        { customerId: state.id, serviceRequestId },
        'conflict',
      );
    }
    return {
      ids: { serviceRequestId },
      ...emit({
        type: 'ServiceRequestCreated',
        data: {
          customerId: state.id,
          serviceRequestId,
          title,
          description,
          severity,
          openedBy: by,
          openedAt: now,
        },
      }),
    };
  },
});

function requireOpen(r: ServiceRequest): void {
  if (r.status === 'closed') {
    refuse('service-request-closed', `Service request ${r.id} is closed`, { serviceRequestId: r.id });
  }
}

export const updateServiceRequest = defineCommand<UpdateServiceRequest>({
  type: 'UpdateServiceRequest',
  ...onCustomer,
  decide(p, loaded, ctx) {
    const { state, by, now } = authorize(p, loaded, ctx);
    const r = serviceRequestOf(state, p.serviceRequestId);
    requireOpen(r);
    const changes: Extract<ServiceRequestEvent, { type: 'ServiceRequestUpdated' }>['data']['changes'] = {};
    if (p.title !== undefined) {
      const title = nonEmpty(p.title, 'title', MAX_TITLE);
      if (title !== r.title) changes.title = { from: r.title, to: title };
    }
    if (p.description !== undefined) {
      const description = nonEmpty(p.description, 'description', MAX_DESCRIPTION);
      if (description !== r.description) changes.description = { from: r.description, to: description };
    }
    if (p.severity !== undefined) {
      const severity = validSeverity(p.severity);
      if (severity !== r.severity) changes.severity = { from: r.severity, to: severity };
    }
    if (Object.keys(changes).length === 0) return { events: {} };
    return emit({
      type: 'ServiceRequestUpdated',
      data: { customerId: state.id, serviceRequestId: r.id, changes, updatedBy: by, updatedAt: now },
    });
  },
});

export const closeServiceRequest = defineCommand<CloseServiceRequest>({
  type: 'CloseServiceRequest',
  ...onCustomer,
  decide(p, loaded, ctx) {
    const { state, by, now } = authorize(p, loaded, ctx);
    const r = serviceRequestOf(state, p.serviceRequestId);
    if (r.status === 'closed') return { events: {} };
    const resolution =
      typeof p.resolution !== 'string' || p.resolution.trim() === ''
        ? null
        : nonEmpty(p.resolution, 'resolution', MAX_DESCRIPTION);
    return emit({
      type: 'ServiceRequestClosed',
      data: { customerId: state.id, serviceRequestId: r.id, resolution, closedBy: by, closedAt: now },
    });
  },
});

export const serviceRequestCommands: CommandDefinition[] = [
  createServiceRequest,
  updateServiceRequest,
  closeServiceRequest,
];
