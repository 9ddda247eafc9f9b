import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../auth/decorators';
import { ProblemException } from './problem-exception';
import { joinPath } from './validation';

/** Deeper than any request body the API defines (its deepest is 3 levels); far below the stack's limit. */
export const MAX_BODY_DEPTH = 32;
/** More members than any object of a request the API defines (its widest has about 20). */
export const MAX_OBJECT_MEMBERS = 100;

/** A UTF-16 surrogate code unit that is not half of a pair: text that is not well-formed Unicode. */
const LONE_SURROGATE = /\p{Surrogate}/u;
/**
 * Control characters no text of the API holds (C0 but tab, line feed and carriage return, which a
 * description may hold; DEL; C1), and the noncharacters U+FFFE and U+FFFF: an ESC sequence or a BEL in
 * a legal name reached events, read models and every screen that shows them.
 */
const CONTROL = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/;

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
 *   no field takes it, and validators that encode text (IsEmail's encodeURI) threw on it (a 500);
 * - a control character other than tab, line feed and carriage return, or U+FFFE / U+FFFF;
 * - a body on a route that reads none (no @Body() parameter), which it would silently ignore;
 * - a query string, on a route that reads one, with an escape that does not decode (`%FF`, `50%`);
 * - a query parameter on a route that reads none (no @Query() parameter), likewise: a filter sent
 *   where none is taken (`POST /audit/verify?partnerId=…`) was ignored, and the answer covered all.
 *   Not on the @Public() operational routes (health, readiness, metrics): probes and scrapers may
 *   add parameters of their own (a Prometheus job's `params`), and those routes answer no data;
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
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    const read = reads(context);
    if (!read.body && (hasContent(request.body) || unparsedBody(request))) {
      throw new ProblemException(
        400,
        'body-not-accepted',
        'Bad request',
        `${route} takes no request body: send none (or {}).`,
      );
    }
    const query = Object.keys((request.query ?? {}) as object);
    if (query.length > 0 && read.query === false && !this.isPublic(context)) {
      throw new ProblemException(
        400,
        'query-not-accepted',
        'Bad request',
        `${route} takes no query parameters (${query.length === 1 ? 'one was' : `${query.length} were`} sent).`,
        { in: 'query', parameters: query.slice(0, 10) },
      );
    }
    if (read.query !== false && !wellEncodedQuery(request.raw.url)) {
      throw new ProblemException(
        400,
        'invalid-encoding',
        'Bad request',
        'The query string holds a "%" that is not followed by two hex digits, or percent-encoded bytes that are not UTF-8.',
        { in: 'query' },
      );
    }
    const named = read.query instanceof Set ? read.query : null;
    const unknown = named ? query.filter((name) => !named.has(name)) : [];
    if (named && unknown.length > 0) {
      const taken = [...named].join(', ');
      throw new ProblemException(
        400,
        'query-not-accepted',
        'Bad request',
        `${route} takes only the query parameters ${taken} (${unknown.length === 1 ? 'another was' : `${unknown.length} others were`} sent).`,
        { in: 'query', parameters: unknown.slice(0, 10) },
      );
    }
    return true;
  }

  private isPublic(context: ExecutionContext): boolean {
    return (
      Reflect.getMetadata(IS_PUBLIC, context.getHandler()) === true ||
      Reflect.getMetadata(IS_PUBLIC, context.getClass()) === true
    );
  }
}

const READS_QUERY = 'pc:reads-query';

/**
 * For a custom parameter decorator that reads the query string itself (as `@MinPosition()` reads
 * `minPosition`): pass it in createParamDecorator's enhancers with the parameters it reads, so a
 * route using it takes those (and, without a @Query() of its own, no others).
 */
export const ReadsQuery =
  (...parameters: string[]): ParameterDecorator =>
  (target, propertyKey) => {
    if (propertyKey === undefined) return;
    const known = (Reflect.getMetadata(READS_QUERY, target, propertyKey) ?? []) as string[];
    Reflect.defineMetadata(READS_QUERY, [...known, ...parameters], target, propertyKey);
  };

/**
 * What a handler reads of the request: a @Body(); of the query string, everything (a @Query() DTO,
 * whose validation refuses members it does not declare), the parameters its query-reading custom
 * parameters name (a Set), or nothing (false). Once per handler.
 */
interface Reads {
  body: boolean;
  query: boolean | Set<string>;
}
const readers = new WeakMap<object, Reads>();

function reads(context: ExecutionContext): Reads {
  const handler = context.getHandler();
  let found = readers.get(handler);
  if (found === undefined) {
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<
      string,
      unknown
    >;
    const types = new Set(Object.keys(args).map((key) => key.split(':')[0]));
    const named = Reflect.getMetadata(READS_QUERY, context.getClass().prototype as object, handler.name) as
      string[] | undefined;
    found = {
      body: types.has(String(RouteParamtypes.BODY)),
      query: types.has(String(RouteParamtypes.QUERY)) || (named !== undefined && new Set(named)),
    };
    readers.set(handler, found);
  }
  return found;
}

/**
 * Whether every name and value of the URL's query string decodes: Node's query-string parser takes a
 * bad escape (`%FF`, `50%`, `%zz`) literally, so `search=%FF` searched for the three characters.
 */
function wellEncodedQuery(url: string | undefined): boolean {
  const start = url?.indexOf('?') ?? -1;
  if (start < 0 || url === undefined || !url.includes('%', start)) return true;
  try {
    decodeURIComponent(url.slice(start + 1).replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}

/**
 * A body with something in it: `{}` (what many clients send with every POST) and none are nothing;
 * JSON `null` is something (it was taken for no body, and the command ran).
 */
function hasContent(body: unknown): boolean {
  if (body === undefined || body === '') return false;
  return body === null || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length > 0;
}

/**
 * A body Fastify did not parse: it parses none for GET and HEAD, so a GET that sent one (even
 * malformed JSON) was answered as if it had sent nothing. Such a body is announced by a
 * Content-Length above 0 or by any Transfer-Encoding (chunked: its length is not known before it is
 * read, so a GET that chunks is refused whatever it sends). Other methods' bodies are parsed (or
 * refused, 415), and an empty one is no body.
 */
function unparsedBody(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const { headers } = request.raw;
  return Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;
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
  if (CONTROL.test(text)) return invalidCharacters(where, at, 'a control character or a noncharacter');
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
