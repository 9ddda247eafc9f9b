import {
  Catch,
  HttpException,
  Inject,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { DomainError } from '@pc/domain/shared/errors';
import {
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  InvalidAppendError,
  WrongExpectedVersionError,
} from '@pc/event-store';
import { ConcurrencyConflictError, PreconditionFailedError, ReplayMismatchError } from '@pc/pipeline';
import { ProjectionNotReadyError, ProjectionThreadError } from '@pc/projections';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_CONFIG, type ApiConfig } from '../config';
import { correlationIdOf, requestIdOf } from '../request-context';
import { isBackendUnavailable } from './backend-unavailable';
import { ClientGoneError } from './client-gone';
import { ProblemException, type ProblemDetails } from './problem-exception';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const DOMAIN_STATUS: Record<string, number> = { rule: 422, forbidden: 403, 'not-found': 404, conflict: 409 };

/** The HTTP status a domain refusal is answered with (its kind's; a rule otherwise). */
export const statusOfDomainError = (error: DomainError): number => DOMAIN_STATUS[error.kind] ?? 422;
const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance']);
const RETRY_AFTER_UNAVAILABLE_SECONDS = '5';

/** A refusal ready to render, before the configurable `type` base is applied. */
interface Problem {
  status: number;
  code: string;
  title: string;
  detail: string;
  extensions: Record<string, unknown>;
  headers: Record<string, string>;
}

/**
 * The single place where errors become HTTP responses (RFC 9457). Known refusals keep their
 * meaning; anything unexpected is logged in full and answered with a generic 500 so internals
 * never leak.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    this.answer(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }

  /** Answers `exception` on `reply`; also for what Fastify refuses before Nest sees the request. */
  answer(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const problem = this.toProblem(exception, request);

    const body: ProblemDetails = {
      type: `${this.config.problemBase}/errors/${problem.code}`,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      instance: request.url.split('?')[0] ?? request.url,
      ...withoutStandardMembers(problem.extensions),
      requestId: requestIdOf(request.raw),
    };
    if (reply.sent) return;
    void reply
      .status(problem.status)
      .headers(problem.headers)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send(body);
  }

  private toProblem(exception: unknown, request: FastifyRequest): Problem {
    const plain = { extensions: {}, headers: {} };
    if (exception instanceof ProblemException) {
      const { code, title, detail, extensions, headers } = exception;
      return { status: exception.getStatus(), code, title, detail, extensions, headers };
    }
    if (exception instanceof DomainError) {
      return {
        ...plain,
        status: statusOfDomainError(exception),
        code: exception.code,
        title: titleOf(exception.code),
        detail: exception.detail,
        extensions: { ...exception.facts },
      };
    }
    if (exception instanceof PreconditionFailedError) {
      return {
        ...plain,
        status: 412,
        code: exception.code,
        title: 'Precondition failed',
        detail: `The resource is at revision ${exception.actual}, not ${exception.expected} (If-Match).`,
        extensions: { expectedRevision: exception.expected, actualRevision: exception.actual },
        headers: { ETag: `"${exception.actual}"` },
      };
    }
    if (exception instanceof ConcurrencyConflictError) {
      return {
        ...plain,
        status: 409,
        code: exception.code,
        title: 'Concurrency conflict',
        detail: `The resource kept changing concurrently; gave up after ${exception.attempts} attempts. Retry the request.`,
        extensions: { attempts: exception.attempts },
      };
    }
    if (exception instanceof ReplayMismatchError) {
      // Applied once already, but deciding it again on the history before it no longer gives what the
      // store holds (e.g. the catalog changed since): its first answer cannot be rebuilt. Nothing is
      // written; the events are in the audit history under the command id.
      this.logger.warn(
        {
          commandId: exception.commandId,
          commandType: exception.commandType,
          reasons: exception.reasons.map(withoutInvitationCodes),
        },
        'replay answer cannot be rebuilt',
      );
      return {
        ...plain,
        status: 409,
        code: exception.code,
        title: 'Command already applied',
        detail:
          `Command ${exception.commandId} (${exception.commandType}) was applied already, but its first ` +
          'answer cannot be rebuilt (the rules or the catalog changed since). Nothing was written again; ' +
          'its events are in the audit history under this command id.',
        extensions: { commandId: exception.commandId, commandType: exception.commandType },
      };
    }
    if (exception instanceof WrongExpectedVersionError) {
      return {
        ...plain,
        status: 409,
        code: 'concurrency-conflict',
        title: 'Concurrency conflict',
        detail: 'The resource changed concurrently. Retry the request.',
      };
    }
    if (exception instanceof InvalidAppendError) {
      // The store rejected an argument that came from the request (e.g. a malformed position token).
      return { ...plain, status: 400, code: exception.code, title: 'Bad request', detail: exception.message };
    }
    if (exception instanceof EventStoreAccessDeniedError) {
      // Wrong credentials or ACLs: a configuration fault, not an outage. Retrying never helps, so no
      // 503/Retry-After; the operator sees the cause in the log (and in /ready), the client nothing of it.
      this.logger.error(
        { err: exception, requestId: requestIdOf(request.raw) },
        'event store refused access',
      );
      return {
        ...plain,
        status: 500,
        code: exception.code,
        title: 'Internal server error',
        detail:
          'The service is not allowed to use its event store (a configuration fault). It has been logged; quote the requestId when reporting it.',
      };
    }
    // A backend the request needs is away for now: 503 with Retry-After.
    const unavailable = (code: string, detail: string): Problem => ({
      ...plain,
      status: 503,
      code,
      title: 'Service unavailable',
      detail,
      headers: { 'Retry-After': RETRY_AFTER_UNAVAILABLE_SECONDS },
    });
    if (exception instanceof EventStoreUnavailableError) {
      this.logger.error({ err: exception, requestId: requestIdOf(request.raw) }, 'event store unavailable');
      return unavailable(exception.code, 'The event store is temporarily unavailable. Retry later.');
    }
    if (exception instanceof ProjectionThreadError) {
      // The projections' worker thread is stopping with the service (or could not answer): retry.
      this.logger.warn(
        { err: exception, requestId: requestIdOf(request.raw) },
        'projection thread unavailable',
      );
      return unavailable('projections-unavailable', exception.message);
    }
    if (exception instanceof ProjectionNotReadyError) {
      // The projection's tables are not created yet (the service or the projector is just starting):
      // nothing is wrong with the request, and nothing was written for it. Retry shortly.
      this.logger.warn(
        { projection: exception.projection, requestId: requestIdOf(request.raw) },
        'read model not ready',
      );
      return {
        ...unavailable(
          exception.code,
          `The read model '${exception.projection}' is not ready yet: its tables are not created yet (the service or the projector is starting). Retry shortly.`,
        ),
        title: 'Read model not ready',
        extensions: { projection: exception.projection },
      };
    }
    if (exception instanceof ClientGoneError) {
      // The caller left mid-way and its work was stopped (see ClientGone): nothing to answer, and
      // nothing wrong with the service. 499 is nginx's "client closed request"; it goes nowhere (the
      // connection is gone) but this log line: the request log has already recorded the abort.
      this.logger.log(
        { requestId: requestIdOf(request.raw), route: request.url.split('?')[0], statusCode: 499 },
        'client closed the request; its work was stopped',
      );
      return {
        ...plain,
        status: 499,
        code: exception.code,
        title: 'Client closed request',
        detail: exception.message,
      };
    }
    if (isBackendUnavailable(exception)) {
      // The read-model or idempotency store is away (nothing was written for the request): retry.
      this.logger.error({ err: exception, requestId: requestIdOf(request.raw) }, 'backend unavailable');
      return unavailable(
        'backend-unavailable',
        'A backend the request needs is temporarily unavailable. Retry later.',
      );
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      return {
        ...plain,
        status,
        code: codeOfStatus(status),
        title: titleOfStatus(status),
        detail: withoutQuery(exception.message),
      };
    }
    if (exception instanceof HttpException) {
      // A 5xx HttpException (e.g. a 503 from a dependency check): keep the status, not the message.
      const status = exception.getStatus();
      this.logger.error({ err: exception, requestId: requestIdOf(request.raw) }, 'server error');
      return {
        ...plain,
        status,
        code: codeOfStatus(status),
        title: titleOfStatus(status),
        detail: 'The server could not complete the request.',
      };
    }
    this.logger.error(
      { err: exception, requestId: requestIdOf(request.raw), correlationId: correlationIdOf(request.raw) },
      'unhandled error',
    );
    return {
      ...plain,
      status: 500,
      code: 'internal-error',
      title: 'Internal server error',
      detail: 'An unexpected error occurred. It has been logged; quote the requestId when reporting it.',
    };
  }
}

function withoutStandardMembers(extensions: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extensions).filter(([key]) => !STANDARD_MEMBERS.has(key)));
}

/** 'not-an-advisor' → 'Not an advisor'. */
function titleOf(code: string): string {
  const words = code.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const STATUS_CODES: Record<number, [code: string, title: string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthenticated', 'Authentication required'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  409: ['conflict', 'Conflict'],
  412: ['precondition-failed', 'Precondition failed'],
  413: ['payload-too-large', 'Payload too large'],
  414: ['uri-too-long', 'URI too long'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['unprocessable-content', 'Unprocessable content'],
  429: ['too-many-requests', 'Too many requests'],
  500: ['internal-error', 'Internal server error'],
  503: ['service-unavailable', 'Service unavailable'],
};

const codeOfStatus = (status: number): string => STATUS_CODES[status]?.[0] ?? `http-${status}`;
const titleOfStatus = (status: number): string => STATUS_CODES[status]?.[1] ?? `HTTP ${status}`;

/**
 * The router's "Cannot GET /path?query" without its query string: a query may hold a token or an
 * e-mail address, and problem bodies end up in gateways' and clients' logs.
 */
function withoutQuery(message: string): string {
  return message.replace(/^(Cannot [A-Z]+ [^?\s]*)\?\S*$/, '$1');
}

/**
 * A replay's reasons name the streams they compared, and an invitation code's stream carries the code
 * (a bearer secret): logged as `invitation-code-[redacted]`.
 */
export function withoutInvitationCodes(text: string): string {
  return text.replace(/invitation-code-[^'\s,\]]+/g, 'invitation-code-[redacted]');
}
