import { HttpException } from '@nestjs/common';

/** Extension members of a problem (RFC 9457 §3.2): JSON values beside the standard members. */
export type ProblemExtensions = Record<string, unknown>;

/** The RFC 9457 body this service sends. `type` is `${PROBLEM_BASE}/errors/${code}`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  [extension: string]: unknown;
}

/**
 * An HTTP refusal raised by the platform itself (auth, validation, idempotency, tenant hiding).
 * It carries a stable `code` instead of a full `type` URI so the configurable base is applied in one
 * place: the exception filter.
 */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: ProblemExtensions = {},
    /** Response headers that belong to this refusal (WWW-Authenticate, Retry-After...). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail, status);
    this.name = 'ProblemException';
  }
}

export const unauthenticated = (detail: string): ProblemException =>
  new ProblemException(
    401,
    'unauthenticated',
    'Authentication required',
    detail,
    {},
    {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    },
  );

export const insufficientScope = (required: readonly string[]): ProblemException =>
  new ProblemException(
    403,
    'insufficient-scope',
    'Insufficient scope',
    `This operation requires one of the scopes: ${required.join(', ')}.`,
    { requiredScopes: [...required] },
    { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${required.join(' ')}"` },
  );

export const badRequest = (
  code: string,
  detail: string,
  extensions: ProblemExtensions = {},
): ProblemException => new ProblemException(400, code, 'Bad request', detail, extensions);
