import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problem-exception';
import { joinPath } from './validation';

/** Deeper than any request body the API defines (its deepest is 3 levels); far below the stack's limit. */
export const MAX_BODY_DEPTH = 32;
/** More members than any object of a request the API defines (its widest has about 20). */
export const MAX_OBJECT_MEMBERS = 100;

/** A UTF-16 surrogate code unit that is not half of a pair: text that is not well-formed Unicode. */
const LONE_SURROGATE = /\p{Surrogate}/u;

type Where = 'path' | 'query' | 'body';

/** A value met in the walk, and how it was reached (to name the field; built only when one is refused). */
interface Visit {
  value: unknown;
  depth: number;
  parent: Visit | undefined;
  key: string;
}

/**
 * Refuses, before validation, what no route takes and what would otherwise fail as a 500 or cost
 * far more than it should:
 * - a JSON body nested deeper than MAX_BODY_DEPTH: JSON.parse reads any depth, but class-transformer
 *   and the request fingerprint recurse, and tens of thousands of levels overflow the stack;
 * - an object with more than MAX_OBJECT_MEMBERS members: each unknown one is a violation, and a
 *   body of 15,000 of them took ~0.3 s of the request thread to validate, for a ~1 MB answer;
 * - a NUL character in the body, the query string or a path parameter: PostgreSQL refuses it in
 *   text, so it surfaced as a database error;
 * - text that is not well-formed Unicode (a lone surrogate, which JSON's "\ud800" escape can write):
 *   no field takes it, and validators that encode text (IsEmail's encodeURI) threw on it (a 500).
 * - a body on a route that reads none (no @Body() parameter), which it would silently ignore;
 * The walk is iterative, so it cannot overflow itself. A refusal names the field.
 */
@Injectable()
export class RequestShapeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const found =
      inspect(request.params, 'path') ?? inspect(request.query, 'query') ?? inspect(request.body, 'body');
    if (found) throw found;
    if (hasContent(request.body) && !takesBody(context)) {
      throw new ProblemException(
        400,
        'body-not-accepted',
        'Bad request',
        `${request.method} ${request.routeOptions.url ?? ''} takes no request body: send none (or {}).`,
      );
    }
    return true;
  }
}

/** Whether a handler reads the request body (has a @Body() parameter), once per handler. */
const bodyTakers = new WeakMap<object, boolean>();

function takesBody(context: ExecutionContext): boolean {
  const handler = context.getHandler();
  let takes = bodyTakers.get(handler);
  if (takes === undefined) {
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<
      string,
      unknown
    >;
    takes = Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));
    bodyTakers.set(handler, takes);
  }
  return takes;
}

/** A body with something in it: `{}` (what many clients send with every POST) and none are nothing. */
function hasContent(body: unknown): boolean {
  if (body === undefined || body === null || body === '') return false;
  return typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length > 0;
}

function inspect(root: unknown, where: Where): ProblemException | undefined {
  const stack: Visit[] = [{ value: root, depth: 0, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const visit = stack.pop() as Visit;
    const { value, depth } = visit;
    if (typeof value === 'string') {
      const refused = refusedText(value, where, visit);
      if (refused) return refused;
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
    const members = Object.entries(value);
    if (!Array.isArray(value) && members.length > MAX_OBJECT_MEMBERS) {
      const field = fieldOf(visit);
      return new ProblemException(
        400,
        'too-many-members',
        'Bad request',
        `The request's ${where}${field === '' ? '' : ` at ${field}`} has ${members.length} members; ` +
          `no operation takes an object of more than ${MAX_OBJECT_MEMBERS}.`,
        { in: where, ...(field === '' ? {} : { field }), maxMembers: MAX_OBJECT_MEMBERS },
      );
    }
    for (const [key, child] of members) {
      const next: Visit = { value: child, depth: depth + 1, parent: visit, key };
      const refused = refusedText(key, where, next);
      if (refused) return refused;
      stack.push(next);
    }
  }
  return undefined;
}

function refusedText(text: string, where: Where, at: Visit): ProblemException | undefined {
  if (text.includes('\u0000')) return invalidCharacters(where, at, 'a NUL character');
  if (LONE_SURROGATE.test(text)) {
    return invalidCharacters(where, at, 'text that is not well-formed Unicode (a lone surrogate)');
  }
  return undefined;
}

const invalidCharacters = (where: Where, at: Visit, what: string): ProblemException => {
  const field = fieldOf(at);
  return new ProblemException(
    400,
    'invalid-characters',
    'Bad request',
    `The request's ${where}${field === '' ? '' : ` field ${field}`} contains ${what}, which no field takes.`,
    { in: where, ...(field === '' ? {} : { field }) },
  );
};

/** `profile.address.line1`, `items[0].sku`: as validation errors name fields. */
function fieldOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().reduce(joinPath, '');
}
