import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { LogLevel } from '../config';
import { correlationIdOf, requestIdOf } from '../request-context';

/** Body fields that hold secrets or personal data; redacted at any of the first four levels. */
export const SENSITIVE_FIELDS = [
  'password',
  'temporaryPassword',
  'productKey',
  'productKeys',
  'key',
  'keys',
  'email',
  'contactEmail',
  'phone',
  'phoneNumber',
  'contactPhone',
  // People's names and where a company sits.
  'displayName',
  'contactName',
  'firstName',
  'lastName',
  'legalName',
  'address',
  // An invitation's URL is a bearer secret (whoever holds it may redeem it); its bare `code` see below.
  'inviteCode',
  'url',
  'inviteUrl',
];

const CODE_HOLDERS = ['payload', 'data', 'body', 'result', 'returned'];

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  ...SENSITIVE_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `*.*.*.${field}`]),
  // An invitation's `code` inside a command's payload, an event's data or a result; not every `code`
  // (an error's `code`, e.g. SQLITE_BUSY or 55P03, is what an operator needs to read).
  ...CODE_HOLDERS.flatMap((holder) => [`${holder}.code`, `*.${holder}.code`, `*.*.${holder}.code`]),
];

const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);
const pathOf = (url: string | undefined): string => (url ?? '').split('?')[0] ?? '';

/** A path segment as the router reads it: percent-decoded where the encoding is valid. */
const decodedSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/**
 * The path as logged: an invitation code is a bearer secret (whoever holds the URL may redeem it),
 * so the segment after `invitations` is logged as `[redacted]`. The segments are compared as the
 * router decodes them and whatever their case (`/invit%61tions/{code}` reaches the same route), and
 * wherever `invitations` stands (`//invitations/…`, `/./invitations/…` answer 404 but carry a code
 * just the same); a segment holding an encoded slash is split as its decoded form would be. The code
 * in an invitation's claim stream name (`/audit/streams/invitation-code-{code}`) is redacted too, and
 * so is a segment holding an `@`: no id has one, so it is an e-mail address a client sent as an id.
 */
export const loggedPath = (url: string | undefined): string => {
  const segments = pathOf(url)
    .split('/')
    .flatMap((segment) => (/%2f/i.test(segment) ? segment.split(/%2f/i) : [segment]));
  let redactNext = false;
  return segments
    .map((segment) => {
      const redact = redactNext;
      const decoded = decodedSegment(segment);
      redactNext = decoded.toLowerCase() === 'invitations';
      if (redact || decoded.includes('@')) return '[redacted]';
      // The auditor's routes name an invitation's claim stream, `invitation-code-{code}`.
      return INVITATION_CODE_STREAM.test(decoded) ? 'invitation-code-[redacted]' : segment;
    })
    .join('/');
};

/** A stream (or aggregate) name that holds an invitation code, whatever its case. */
const INVITATION_CODE_STREAM = /^invitation-code-./i;

/**
 * nestjs-pino settings: JSON lines, each carrying the request id and correlation id. Bodies and
 * headers are never logged (the request serializer keeps method, path and user agent only; query
 * strings can hold e-mail addresses); redaction is the second line of defence for anything an
 * application log call passes in.
 */
export function loggerParams(level: LogLevel): Params {
  return {
    // nestjs-pino's default route pattern ('{/*splat}') matches no request under this Nest/middie
    // version, which silently disables request logging; '{*splat}' matches every path. With logging
    // off the middleware is not mounted at all: a child logger per request (with its redaction
    // set-up) cost ~5 % of the CPU of a command while writing nothing (bench/README.md).
    forRoutes: level === 'silent' ? [] : [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: (req: IncomingMessage) => requestIdOf(req),
      customProps: (req: IncomingMessage) => ({ correlationId: correlationIdOf(req) }),
      // middie may rewrite req.url while a middleware runs; originalUrl keeps what the client sent.
      autoLogging: {
        ignore: (req: IncomingMessage & { originalUrl?: string }) =>
          QUIET_PATHS.has(pathOf(req.originalUrl ?? req.url)),
      },
      serializers: {
        req: (req: { id?: unknown; method?: string; url?: string; headers?: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          path: loggedPath(req.url),
          userAgent: req.headers?.['user-agent'],
        }),
        res: (res: ServerResponse | { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
