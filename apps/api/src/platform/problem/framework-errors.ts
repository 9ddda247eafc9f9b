import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { correlationIdOf } from '../request-context';
import type { ProblemFilter } from './problem.filter';
import { ProblemException } from './problem-exception';

/**
 * The longest path parameter the router takes (Fastify's maxParamLength). Ids are far shorter, but a
 * stream name is one too (`/audit/streams/{stream}`): `customer-domain-` and a domain of up to 253
 * characters.
 */
export const MAX_PATH_PARAMETER_LENGTH = 300;

/**
 * What Fastify's router refuses before any hook, guard or filter runs, as the service's problems.
 * Without it Fastify answered with its own application/json body, its error code included.
 */
export function frameworkProblem(error: FastifyError): unknown {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new ProblemException(
        400,
        'invalid-path',
        'Bad request',
        'The path is not valid percent-encoding of UTF-8 text.',
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // 414, as Fastify answers it: the path is longer than the service interprets.
      return new ProblemException(
        414,
        'path-parameter-too-long',
        'URI too long',
        `A path parameter is longer than ${MAX_PATH_PARAMETER_LENGTH} characters, which no id is.`,
        { maxLength: MAX_PATH_PARAMETER_LENGTH },
      );
    default:
      // None other is expected (no async route constraints): answered, and logged, as unexpected.
      return error;
  }
}

/** Fastify's `frameworkErrors` option: the problem+json answer, with the headers every answer has. */
export function answerFrameworkErrors(
  filter: ProblemFilter,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    void reply.header('X-Request-Id', request.id).header('X-Correlation-Id', correlationIdOf(request.raw));
    filter.answer(frameworkProblem(error), request, reply);
  };
}

/** What the HTTP parser refuses, by Node's error code: [status, reason phrase, problem code, detail]. */
function clientProblem(code: string | undefined): [number, string, string, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [
        431,
        'Request Header Fields Too Large',
        'headers-too-large',
        "The request's headers (with the request line) are larger than the server reads.",
      ];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'Request Timeout', 'request-timeout', 'The request did not arrive in time.'];
    default:
      return [400, 'Bad Request', 'malformed-request', 'The request is not well-formed HTTP/1.1.'];
  }
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before there is a request (headers
 * over its limit, bytes a request line may not hold, Content-Length with chunked encoding) is
 * answered as problem+json on the raw socket too. Fastify's default wrote its own JSON.
 */
export function answerClientErrors(
  problemBase: string,
): (error: Error & { code?: string }, socket: Duplex) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    // As Node does: no answer of its own inside a response already under way on this keep-alive socket
    // (an event stream), and the connection is dropped either way, so it is not left half-open.
    const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && current?.headersSent !== true) {
      const [status, reason, code, detail] = clientProblem(error.code);
      const body = JSON.stringify({ type: `${problemBase}/errors/${code}`, title: reason, status, detail });
      socket.write(
        [
          `HTTP/1.1 ${status} ${reason}`,
          'Content-Type: application/problem+json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          'Connection: close',
          '',
          body,
        ].join('\r\n'),
      );
    }
    socket.destroy(error);
  };
}
