import { Body, type ExecutionContext, Param, Query } from '@nestjs/common';
import { MAX_OBJECT_MEMBERS, RequestShapeGuard } from './request-shape.guard';
import type { ProblemException } from './problem-exception';

/** Three handlers: one reads the body, one the query string, one neither. */
class Routes {
  takesBody(@Body() _body: unknown): void {}
  takesQuery(@Query() _query: unknown): void {}
  takesNone(@Param('id') _id: string): void {}
}

/** The guard's refusal of a request with these parts, or undefined when it lets the request through. */
function refusal(
  parts: { params?: unknown; query?: unknown; body?: unknown; method?: string; raw?: unknown },
  handler: 'takesBody' | 'takesQuery' | 'takesNone' = 'takesBody',
): ProblemException | undefined {
  const request = {
    method: 'POST',
    routeOptions: { url: '/things/:id' },
    params: {},
    query: {},
    raw: { headers: {} },
    ...parts,
  };
  const context = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request }),
    getClass: () => Routes,
    getHandler: () => Routes.prototype[handler],
  } as unknown as ExecutionContext;
  try {
    new RequestShapeGuard().canActivate(context);
    return undefined;
  } catch (error) {
    return error as ProblemException;
  }
}

const LONE_HIGH = 'a\ud800b';
const LONE_LOW = 'a\udc00b';

describe('RequestShapeGuard', () => {
  // Regression: IsEmail (validator.js, through encodeURI) threw URIError on a lone surrogate: a 500.
  it.each([
    ['a lone high surrogate', LONE_HIGH],
    ['a lone low surrogate', LONE_LOW],
    ['a high surrogate at the end', 'ab\ud83d'],
  ])('refuses %s in a body field, naming the field', (_label, text) => {
    const problem = refusal({
      body: { newCustomer: { adminContact: { email: text } }, items: [{ sku: 'ok' }] },
    });
    expect(problem?.getStatus()).toBe(400);
    expect(problem?.code).toBe('invalid-characters');
    expect(problem?.extensions).toEqual({ in: 'body', field: 'newCustomer.adminContact.email' });
    expect(problem?.detail).toContain('not well-formed Unicode');
  });

  it('names array items and keys as validation errors do, and checks keys and the query too', () => {
    expect(refusal({ body: { items: [{ sku: 'ok' }, { sku: LONE_HIGH }] } })?.extensions).toEqual({
      in: 'body',
      field: 'items[1].sku',
    });
    expect(refusal({ body: { profile: { [LONE_HIGH]: 1 } } })?.extensions).toEqual({
      in: 'body',
      field: `profile.${LONE_HIGH}`,
    });
    expect(refusal({ query: { search: LONE_LOW } })?.extensions).toEqual({ in: 'query', field: 'search' });
  });

  it('takes well-formed text: surrogate pairs (emoji, astral letters) are not lone', () => {
    expect(refusal({ body: { displayName: 'Žluťoučký 😀 𝔘𝔫𝔦', email: 'x@y.example' } })).toBeUndefined();
  });

  it('names the field of a NUL character too', () => {
    const problem = refusal({ body: { profile: { legalName: 'a\u0000b' } } });
    expect(problem?.code).toBe('invalid-characters');
    expect(problem?.extensions).toEqual({ in: 'body', field: 'profile.legalName' });
  });

  // A body of 15,000 unknown keys (under the body limit) was validated key by key: ~0.3 s of the
  // request thread and a ~1 MB answer listing 15,002 violations.
  it(`refuses an object of more than ${MAX_OBJECT_MEMBERS} members before validation`, () => {
    const wide = Object.fromEntries(Array.from({ length: 15_000 }, (_, i) => [`k${i}`, i]));
    const problem = refusal({ body: { profile: wide } });
    expect(problem?.getStatus()).toBe(400);
    expect(problem?.code).toBe('too-many-members');
    expect(problem?.extensions).toEqual({ in: 'body', field: 'profile', maxMembers: MAX_OBJECT_MEMBERS });
    expect(refusal({ body: wide })?.extensions).toEqual({ in: 'body', maxMembers: MAX_OBJECT_MEMBERS });
  });

  it('takes objects up to the limit, and long arrays (their own bounds are the DTOs’)', () => {
    const atLimit = Object.fromEntries(Array.from({ length: MAX_OBJECT_MEMBERS }, (_, i) => [`k${i}`, i]));
    expect(refusal({ body: atLimit })).toBeUndefined();
    expect(refusal({ body: { ids: Array.from({ length: 5_000 }, (_, i) => `n${i}`) } })).toBeUndefined();
  });

  // Regression: a body sent to a route that reads none was accepted and ignored (a password reset
  // "with" a password the service never looked at answered 201).
  it('refuses a body on a route that reads none, and takes none or {} there', () => {
    expect(refusal({ body: { password: 'x' } }, 'takesNone')).toMatchObject({
      status: 400,
      code: 'body-not-accepted',
    });
    expect(refusal({ body: [] }, 'takesNone')).toMatchObject({ code: 'body-not-accepted' });
    expect(refusal({ body: 'text' }, 'takesNone')).toMatchObject({ code: 'body-not-accepted' });
    expect(refusal({ body: undefined }, 'takesNone')).toBeUndefined();
    expect(refusal({ body: {} }, 'takesNone')).toBeUndefined();
    expect(refusal({ body: { password: 'x' } }, 'takesBody')).toBeUndefined();
  });

  // Regression (review): an empty chunked POST (no Content-Length, parsed to no body) was taken for a
  // body Fastify never parsed, and refused.
  it('a GET that announces a body is refused; an empty chunked POST is no body', () => {
    const announced = (headers: Record<string, string>) => ({ body: undefined, raw: { headers } });
    expect(refusal(announced({ 'transfer-encoding': 'chunked' }), 'takesNone')).toBeUndefined();
    expect(refusal({ method: 'GET', ...announced({ 'content-length': '3' }) }, 'takesNone')).toMatchObject({
      code: 'body-not-accepted',
    });
    expect(refusal({ method: 'GET', ...announced({ 'content-length': '0' }) }, 'takesNone')).toBeUndefined();
    // Regression (probe): a chunked GET body announces no length, and was answered as if none was sent.
    expect(
      refusal({ method: 'GET', ...announced({ 'transfer-encoding': 'chunked' }) }, 'takesNone'),
    ).toMatchObject({ code: 'body-not-accepted' });
  });

  // Regression (probe): Node's query-string parser keeps a bad escape as its characters, so
  // `search=%FF` searched for "%FF" and `50%` for "50%".
  it.each(['search=%FF', 'search=50%', 'search=%zz', 'a=%C3&b=%A9', 'x%E2%82=1'])(
    'refuses the query string %s, whose escapes do not decode to UTF-8',
    (query) => {
      const url = `/things/1?${query}`;
      expect(refusal({ raw: { headers: {}, url } }, 'takesQuery')).toMatchObject({
        status: 400,
        code: 'invalid-encoding',
        extensions: { in: 'query' },
      });
    },
  );

  it.each(['search=%C3%A9', 'search=a+b%2B', 'search=%25', 'q='])('takes the query string %s', (query) => {
    expect(refusal({ raw: { headers: {}, url: `/things/1?${query}` } }, 'takesQuery')).toBeUndefined();
  });
});
