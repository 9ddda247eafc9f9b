import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problem-exception';

/** Deeper than any request body the API defines (its deepest is 3 levels); far below the stack's limit. */
export const MAX_BODY_DEPTH = 32;

/**
 * Refuses, before validation, what no route takes and what would otherwise fail as a 500:
 * - a JSON body nested deeper than MAX_BODY_DEPTH: JSON.parse reads any depth, but class-transformer
 *   and the request fingerprint recurse, and tens of thousands of levels overflow the stack;
 * - a NUL character in the body, the query string or a path parameter: PostgreSQL refuses it in
 *   text, so it surfaced as a database error.
 * The walk is iterative, so it cannot overflow itself.
 */
@Injectable()
export class RequestShapeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const found =
      inspect(request.params, 'path') ?? inspect(request.query, 'query') ?? inspect(request.body, 'body');
    if (found) throw found;
    return true;
  }
}

function inspect(root: unknown, where: 'path' | 'query' | 'body'): ProblemException | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return nul(where);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) {
      return new ProblemException(
        400,
        'body-too-deep',
        'Bad request',
        `The request nests deeper than ${MAX_BODY_DEPTH} levels, which no operation takes.`,
        { maxDepth: MAX_BODY_DEPTH },
      );
    }
    for (const [key, child] of Object.entries(value)) {
      if (key.includes('\u0000')) return nul(where);
      stack.push({ value: child, depth: depth + 1 });
    }
  }
  return undefined;
}

const nul = (where: string): ProblemException =>
  new ProblemException(
    400,
    'invalid-characters',
    'Bad request',
    `The request's ${where} contains a NUL character, which no field takes.`,
    { in: where },
  );
