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
