/**
 * Builds malformed requests for every operation of an OpenAPI 3 document, from the operation's own
 * schemas: bodies with a property missing, of the wrong type or with odd content, bodies that are not
 * objects or not JSON, odd path parameters, query parameters and headers. Deterministic: the only
 * choice (which variants to keep when an operation has more than the cap) uses a seeded generator.
 */

export interface OpenApiSchema {
  $ref?: string;
  type?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  items?: OpenApiSchema;
  allOf?: OpenApiSchema[];
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: OpenApiSchema;
}

export interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: OpenApiSchema }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, OpenApiSchema> };
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Operation {
  id: string;
  method: HttpMethod;
  /** The templated path, e.g. `/partners/{partnerId}`. */
  path: string;
  operation: OpenApiOperation;
}

/**
 * - `reject`: the document itself makes the request invalid (a required property missing, a type
 *   or enum or bound it declares violated, a body that is no JSON object): the answer must be 4xx.
 * - `tolerate`: odd but possibly valid (unicode, SQL-looking text, a fractional number): any answer
 *   but a 5xx, and a 4xx must still be problem+json.
 */
export type Expectation = 'reject' | 'tolerate';

export interface Probe {
  operation: string;
  /** What is malformed, e.g. `body.profile.address.country: number`. */
  label: string;
  expect: Expectation;
  method: HttpMethod;
  /** Path and query string, percent-encoded as sent. */
  url: string;
  headers: Record<string, string>;
  /** The raw body as sent, if any. */
  payload?: string;
}

/** Values the probes use where a well-formed value is needed (ids of things that exist or not). */
export interface ProbeContext {
  /**
   * A body property of this name gets this value: the id of an EXISTING partner, so that a body that
   * would create one (registerPartner) collides with it instead of writing.
   */
  existingPartnerId: string;
  /** Every path parameter gets this (well-formed) id of nothing that exists. */
  missingId: string;
  /** For query parameters about positions. */
  position: string;
  /** Prefix of the probes' command ids: one per builder, so no two runs share an idempotency key. */
  commandIdPrefix: string;
  /** At most this many probes per operation (the structural ones are always kept). */
  maxProbesPerOperation: number;
  seed: number;
}

/** What a probe changes from the well-formed request. */
interface RequestParts {
  /** Path parameters, percent-encoded as sent. */
  path?: Record<string, string>;
  /** Query parameters (values percent-encoded as sent); replaces the well-formed ones. */
  query?: [string, string][];
  headers?: Record<string, string>;
  payload?: string;
  /** null: no content-type header at all. Default application/json when there is a payload. */
  contentType?: string | null;
}

type MakeProbe = (label: string, expect: Expectation, parts?: RequestParts) => Probe;

const METHODS: Record<string, HttpMethod> = {
  get: 'GET',
  post: 'POST',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
};

export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const httpMethod = METHODS[method];
      if (httpMethod === undefined || typeof operation !== 'object') continue;
      operations.push({
        id: operation.operationId ?? `${httpMethod} ${path}`,
        method: httpMethod,
        path,
        operation,
      });
    }
  }
  return operations;
}

/** mulberry32: a small seeded generator, so the sampling is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A JSON number written as is (1e400, -0), which JSON.stringify cannot produce. */
class RawJson {
  constructor(readonly text: string) {}
}
const raw = (text: string): RawJson => new RawJson(text);

/** JSON.stringify, except that RawJson values are written verbatim. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([key, child]) => `${JSON.stringify(key)}:${toJson(child)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const TEN_KB = 'x'.repeat(10 * 1024);

/** Odd string contents: none is invalid by a schema without bounds, each has broken some service. */
export const ODD_STRINGS: Record<string, string> = {
  empty: '',
  blank: '   ',
  '10 kB': TEN_KB,
  'control characters': 'a\u0001b\u0007c\b\u001b[31m\r\n\t\u007f',
  unicode: 'Žluťoučký kůň 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀 \u202eRTL\u202c zero\u200bwidth',
  'lone surrogate': 'a\ud800b',
  'SQL-looking': "'; DROP TABLE events; -- ' OR '1'='1",
  'JSON-looking': '{"$ne":null,"__proto__":{"polluted":true}}',
  'JSON array text': '[1,2,3]',
  'path traversal': '../../etc/passwd',
  markup: '<script>alert(1)</script>',
  'numeric text': '-1e309',
};

/** JSON numbers at the edges (raw, so 1e400 and -0 reach the parser as written). */
const ODD_NUMBERS: Record<string, RawJson> = {
  negative: raw('-1'),
  zero: raw('0'),
  'negative zero': raw('-0'),
  fractional: raw('0.5'),
  huge: raw('1e308'),
  'beyond double': raw('1e400'),
  'beyond safe integer': raw('9007199254740993'),
};

/** Strings that look like numbers but are not JSON numbers. */
const NUMBER_LOOKALIKES = ['NaN', 'Infinity', '-Infinity', '12', '0x10', ''];

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'free';

const WRONG_TYPE_VALUES: Record<string, unknown> = {
  string: 'text',
  number: 42,
  boolean: true,
  object: { a: 1 },
  array: ['a'],
  null: null,
};

function typeOfValue(name: string): Kind | 'null' {
  return name === 'null' ? 'null' : (name as Kind);
}

/** One malformed value for the body at `path`, and whether the API must refuse it. */
interface Mutation {
  path: (string | number)[];
  value: unknown;
  label: string;
  expect: Expectation;
  /** Always sent (not sampled). */
  structural: boolean;
}

export class ProbeBuilder {
  private commandIds = 0;

  constructor(
    private readonly document: OpenApiDocument,
    private readonly context: ProbeContext,
  ) {}

  resolve(schema: OpenApiSchema | undefined): OpenApiSchema {
    let current: OpenApiSchema = schema ?? {};
    for (let guard = 0; guard < 20; guard++) {
      if (current.$ref !== undefined) {
        const name = current.$ref.replace('#/components/schemas/', '');
        const target = this.document.components?.schemas?.[name];
        if (target === undefined) throw new Error(`Unresolved $ref ${current.$ref}`);
        current = target;
      } else if (current.allOf?.length === 1 && current.properties === undefined) {
        const { allOf, ...rest } = current;
        current = { ...rest, ...(allOf[0] as OpenApiSchema) };
      } else {
        return current;
      }
    }
    throw new Error('$ref cycle');
  }

  private kindOf(schema: OpenApiSchema): Kind {
    const resolved = this.resolve(schema);
    if (resolved.type === 'object' && resolved.properties === undefined) return 'free';
    if (resolved.type === undefined) return resolved.properties ? 'object' : 'free';
    return resolved.type as Kind;
  }

  /** A plausible value for the schema: its example, enum or default, else a typed placeholder. */
  baseline(schema: OpenApiSchema, name = ''): unknown {
    const resolved = this.resolve(schema);
    const kind = this.kindOf(resolved);
    if (kind === 'object') {
      const body: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(resolved.properties ?? {}))
        body[key] = this.baseline(child, key);
      return body;
    }
    if (kind === 'array') return [this.baseline(resolved.items ?? {}, name)];
    if (kind === 'free') return resolved.example ?? null;
    if (resolved.example !== undefined) return resolved.example;
    if (resolved.enum !== undefined) return resolved.enum[0];
    if (resolved.default !== undefined) return resolved.default;
    if (kind === 'number' || kind === 'integer') return resolved.minimum ?? 1;
    if (kind === 'boolean') return false;
    return this.namedString(name);
  }

  private namedString(name: string): string {
    if (name === 'partnerId') return this.context.existingPartnerId;
    if (name === 'commandId') return this.nextCommandId();
    if (/email/i.test(name)) return 'robust@example.test';
    if (/position/i.test(name)) return this.context.position;
    return this.context.missingId;
  }

  /** A fresh command id per request, so no probe replays or collides with another's idempotent answer. */
  private nextCommandId(): string {
    this.commandIds += 1;
    return `${this.context.commandIdPrefix}-${String(this.commandIds).padStart(6, '0')}`;
  }

  /** Every probe of one operation, capped (deterministically) at maxProbesPerOperation. */
  probesFor(op: Operation): Probe[] {
    const pathParams = (op.operation.parameters ?? []).filter((p) => p.in === 'path');
    const queryParams = (op.operation.parameters ?? []).filter((p) => p.in === 'query');
    const headerParams = (op.operation.parameters ?? []).filter((p) => p.in === 'header');
    const pathValues = Object.fromEntries(
      pathParams.map((p) => [p.name, encodeURIComponent(this.pathBaseline(op, p))]),
    );
    const queryValues: [string, string][] = queryParams
      .filter((p) => p.required)
      .map((p) => [p.name, String(this.queryBaseline(op, p))]);
    const bodySchema = op.operation.requestBody?.content['application/json']?.schema;

    const structural: Probe[] = [];
    const detailed: Probe[] = [];
    const make: MakeProbe = (label, expect, parts = {}) => {
      const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        return parts.path?.[name] ?? (pathValues[name] as string);
      });
      const query = parts.query ?? queryValues;
      const search = query.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
      const headers: Record<string, string> = { ...parts.headers };
      let payload = parts.payload;
      if (payload === undefined && bodySchema !== undefined) {
        payload = toJson(this.baseline(bodySchema));
      }
      if (payload !== undefined) {
        const type = parts.contentType === undefined ? 'application/json' : parts.contentType;
        if (type !== null) headers['content-type'] = type;
      }
      return {
        operation: op.id,
        label,
        expect,
        method: op.method,
        url: search === '' ? path : `${path}?${search}`,
        headers,
        payload,
      };
    };

    // The well-formed request itself (targets nothing that exists): any answer but a 5xx.
    structural.push(make('baseline', 'tolerate'));

    // Path parameters.
    for (const param of pathParams) {
      for (const [label, value] of Object.entries(ODD_PATH_SEGMENTS)) {
        structural.push(make(`path ${param.name}: ${label}`, 'tolerate', { path: { [param.name]: value } }));
      }
    }

    // Query parameters: every declared one, plus names no operation declares.
    for (const param of queryParams) {
      const schema = this.resolve(param.schema);
      for (const [label, value, expect] of this.oddQueryValues(schema)) {
        const query = queryValues.filter(([name]) => name !== param.name);
        detailed.push(
          make(`query ${param.name}: ${label}`, expect, { query: [...query, [param.name, value]] }),
        );
      }
      const base = encodeURIComponent(String(this.queryBaseline(op, param)));
      const others = queryValues.filter(([name]) => name !== param.name);
      structural.push(
        make(`query ${param.name}: repeated`, 'tolerate', {
          query: [...others, [param.name, base], [param.name, oddQueryDefault(schema)]],
        }),
      );
      if (param.required) {
        structural.push(make(`query ${param.name}: missing`, 'reject', { query: others }));
      }
    }
    for (const [label, extra] of Object.entries(ODD_QUERY_EXTRAS)) {
      structural.push(make(`query: ${label}`, 'tolerate', { query: [...queryValues, extra] }));
    }

    // Headers the operation declares (If-Match, Idempotency-Key, X-Min-Position, X-Correlation-Id).
    for (const param of headerParams) {
      for (const [label, value] of Object.entries(oddHeaderValues(param.name))) {
        detailed.push(
          make(`header ${param.name}: ${label}`, 'tolerate', { headers: { [param.name]: value } }),
        );
      }
    }

    if (bodySchema !== undefined) {
      this.bodyProbes(bodySchema, op.operation.requestBody?.required !== false, make, structural, detailed);
    } else if (op.method !== 'GET') {
      // An operation that takes no body, sent one anyway.
      structural.push(make('unexpected body: invalid JSON', 'tolerate', { payload: '{"a":' }));
      // Refused (body-not-accepted), not silently ignored; `{}` and no body are what clients send.
      structural.push(make('unexpected body: object', 'reject', { payload: '{"unexpected":1}' }));
      structural.push(make('unexpected body: empty object', 'tolerate', { payload: '{}' }));
      structural.push(
        make('unexpected body: text/plain', 'tolerate', { payload: 'x', contentType: 'text/plain' }),
      );
    }

    const room = Math.max(0, this.context.maxProbesPerOperation - structural.length);
    return [...structural, ...sample(detailed, room, seededRandom(this.context.seed ^ hash(op.id)))];
  }

  private bodyProbes(
    bodySchema: OpenApiSchema,
    bodyRequired: boolean,
    make: MakeProbe,
    structural: Probe[],
    detailed: Probe[],
  ): void {
    // A fresh baseline per probe: each carries its own commandId, so none replays another's answer.
    const fresh = () => this.baseline(bodySchema) as Record<string, unknown>;
    const json = () => toJson(fresh());
    const body = (label: string, expect: Expectation, payload: string, contentType?: string | null) =>
      make(label, expect, { payload, contentType });

    // The whole body.
    structural.push(body('body: array', 'reject', '[]'));
    structural.push(body('body: array of the body', 'reject', `[${json()}]`));
    structural.push(body('body: string', 'reject', '"text"'));
    structural.push(body('body: number', 'reject', '42'));
    structural.push(body('body: true', 'reject', 'true'));
    structural.push(body('body: null', 'reject', 'null'));
    structural.push(body('body: empty object', 'tolerate', '{}'));
    // An empty body is no body: refused where the document requires one, taken where it does not.
    structural.push(body('body: empty', bodyRequired ? 'reject' : 'tolerate', ''));
    structural.push(body('body: invalid JSON', 'reject', json().slice(0, -1)));
    structural.push(body('body: trailing garbage', 'reject', `${json()}}`));
    structural.push(body('body: single quotes', 'reject', "{'a': 1}"));
    structural.push(
      body('body: __proto__ key', 'tolerate', withFirstMember(json(), '"__proto__":{"polluted":true}')),
    );
    structural.push(
      body(
        'body: constructor key',
        'reject',
        withFirstMember(json(), '"constructor":{"prototype":{"polluted":true}}'),
      ),
    );
    structural.push(
      body('body: duplicate keys', 'tolerate', withDuplicateKey(fresh(), this.nextCommandId())),
    );
    structural.push(body('body: nested 40 deep', 'reject', `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`));
    // Many unknown keys (each one a violation the answer lists: 5 000 keep the run short; 15 000 come
    // near the default body limit of 256 kB), then a body over the limit.
    structural.push(body('body: 5 000 unknown keys', 'reject', hugeObject(5_000)));
    structural.push(
      body('body: over the body limit', 'reject', toJson({ ...fresh(), big: 'x'.repeat(300_000) })),
    );
    structural.push(body('content-type: text/plain', 'reject', json(), 'text/plain'));
    structural.push(body('content-type: form', 'reject', 'a=1&b=2', 'application/x-www-form-urlencoded'));
    structural.push(
      body('content-type: multipart', 'reject', '--x\r\n\r\n--x--', 'multipart/form-data; boundary=x'),
    );
    structural.push(body('content-type: xml', 'reject', '<a/>', 'application/xml'));
    structural.push(body('content-type: none', 'tolerate', json(), null));
    structural.push(
      body('content-type: json, utf-16', 'tolerate', json(), 'application/json; charset=utf-16'),
    );
    structural.push(body('content-type: garbage', 'reject', json(), ';;;/'));
    structural.push(body('body: unknown property', 'reject', toJson({ ...fresh(), unknownProperty: 1 })));

    // Each property, at any depth (array items through their first element).
    for (const mutation of this.mutations(bodySchema, [], true)) {
      const mutated = applyMutation(fresh(), mutation.path, mutation.value);
      const target = mutation.structural ? structural : detailed;
      target.push(
        body(`body.${pathLabel(mutation.path)}: ${mutation.label}`, mutation.expect, toJson(mutated)),
      );
    }
  }

  private *mutations(
    schemaRef: OpenApiSchema,
    path: (string | number)[],
    isRoot: boolean,
  ): Generator<Mutation> {
    const schema = this.resolve(schemaRef);
    const kind = this.kindOf(schema);
    if (kind === 'object') {
      const required = new Set(schema.required ?? []);
      for (const [key, child] of Object.entries(schema.properties ?? {})) {
        const childPath = [...path, key];
        if (required.has(key))
          yield { path: childPath, value: REMOVE, label: 'missing', expect: 'reject', structural: true };
        yield* this.leafMutations(child, childPath);
        yield* this.mutations(child, childPath, false);
      }
      if (!isRoot) {
        yield {
          path: [...path, 'unknownProperty'],
          value: 'x',
          label: 'unknown property',
          expect: 'reject',
          structural: true,
        };
      }
      return;
    }
    if (kind === 'array') {
      const items = this.resolve(schema.items ?? {});
      if (schema.minItems !== undefined && schema.minItems > 0) {
        yield { path, value: [], label: 'fewer items than minItems', expect: 'reject', structural: true };
      } else {
        yield { path, value: [], label: 'empty array', expect: 'tolerate', structural: false };
      }
      if (schema.maxItems !== undefined) {
        const item = this.baseline(items);
        yield {
          path,
          value: Array.from({ length: schema.maxItems + 1 }, () => item),
          label: 'more items than maxItems',
          expect: 'reject',
          structural: true,
        };
      }
      yield* this.leafMutations(items, [...path, 0]);
      yield* this.mutations(items, [...path, 0], false);
    }
  }

  /** Wrong types and odd contents for the value at `path`. */
  private *leafMutations(schemaRef: OpenApiSchema, path: (string | number)[]): Generator<Mutation> {
    const schema = this.resolve(schemaRef);
    const kind = this.kindOf(schema);
    if (kind === 'free') {
      // A free-form value (the document says little about it): odd values only, never "must reject".
      for (const name of Object.keys(WRONG_TYPE_VALUES)) {
        yield { path, value: WRONG_TYPE_VALUES[name], label: name, expect: 'tolerate', structural: false };
      }
      return;
    }
    const declared = kind === 'integer' ? 'number' : kind;
    for (const name of Object.keys(WRONG_TYPE_VALUES)) {
      const type = typeOfValue(name);
      if (type === declared) continue;
      const expect: Expectation = type === 'null' && schema.nullable ? 'tolerate' : 'reject';
      yield { path, value: WRONG_TYPE_VALUES[name], label: `wrong type ${name}`, expect, structural: true };
    }
    if (kind === 'string') {
      if (schema.enum !== undefined) {
        yield {
          path,
          value: 'not-in-the-enum',
          label: 'not in the enum',
          expect: 'reject',
          structural: true,
        };
        const first = String(schema.enum[0]);
        yield {
          path,
          value: first.toUpperCase(),
          label: 'enum value upper-cased',
          expect: 'reject',
          structural: false,
        };
      }
      for (const [label, value] of Object.entries(ODD_STRINGS)) {
        const tooLong = schema.maxLength !== undefined && value.length > schema.maxLength;
        const notInEnum = schema.enum !== undefined && !schema.enum.includes(value);
        yield { path, value, label, expect: tooLong || notInEnum ? 'reject' : 'tolerate', structural: false };
      }
      yield { path, value: 'a\u0000b', label: 'NUL character', expect: 'reject', structural: false };
    }
    if (kind === 'number' || kind === 'integer') {
      for (const [label, value] of Object.entries(ODD_NUMBERS)) {
        const n = Number(value.text);
        const outside =
          !Number.isFinite(n) ||
          (schema.minimum !== undefined && n < schema.minimum) ||
          (schema.maximum !== undefined && n > schema.maximum) ||
          (kind === 'integer' && !Number.isInteger(n));
        yield {
          path,
          value,
          label,
          expect: outside ? 'reject' : 'tolerate',
          structural: label === 'negative',
        };
      }
      for (const text of NUMBER_LOOKALIKES) {
        yield {
          path,
          value: text,
          label: `string ${JSON.stringify(text)}`,
          expect: 'reject',
          structural: false,
        };
      }
    }
    if (kind === 'boolean') {
      for (const value of ['true', 'false', 1, 0, 'yes']) {
        yield {
          path,
          value,
          label: `not a boolean ${JSON.stringify(value)}`,
          expect: 'reject',
          structural: false,
        };
      }
    }
  }

  private pathBaseline(op: Operation, param: OpenApiParameter): string {
    const schema = this.resolve(param.schema);
    if (schema.enum !== undefined) return String(schema.enum[0]);
    // Reads may look at an example (a real stream name); anything else targets nothing that exists.
    if (op.method === 'GET' && typeof schema.example === 'string') return schema.example;
    return this.context.missingId;
  }

  private queryBaseline(op: Operation, param: OpenApiParameter): unknown {
    const schema = this.resolve(param.schema);
    if (/position/i.test(param.name)) return this.context.position;
    if (op.method !== 'GET' && schema.enum === undefined) return this.context.missingId;
    return this.baseline(schema, param.name);
  }

  private oddQueryValues(schema: OpenApiSchema): [string, string, Expectation][] {
    const kind = this.kindOf(schema);
    const values: [string, string, Expectation][] = [];
    if (kind === 'number' || kind === 'integer') {
      for (const text of ['-1', '0', '1.5', '1e9', '99999999999999999999999', '1e400', '-0']) {
        const n = Number(text);
        const outside =
          (schema.minimum !== undefined && n < schema.minimum) ||
          (schema.maximum !== undefined && n > schema.maximum) ||
          !Number.isFinite(n);
        values.push([text, encodeURIComponent(text), outside ? 'reject' : 'tolerate']);
      }
      for (const text of ['abc', 'NaN', 'Infinity', '0x10', ' 5', '5abc']) {
        values.push([`not a number ${JSON.stringify(text)}`, encodeURIComponent(text), 'reject']);
      }
      values.push(['empty', '', 'tolerate']);
    } else if (kind === 'boolean') {
      for (const text of ['maybe', '2', 'TRUE ', '[]']) {
        values.push([`not a boolean ${JSON.stringify(text)}`, encodeURIComponent(text), 'reject']);
      }
      values.push(['empty', '', 'tolerate']);
    } else {
      if (schema.enum !== undefined) {
        values.push(['not in the enum', 'not-in-the-enum', 'reject']);
        values.push([
          'enum value upper-cased',
          encodeURIComponent(String(schema.enum[0]).toUpperCase()),
          'reject',
        ]);
      }
      for (const [label, text] of Object.entries(GARBAGE_QUERY_STRINGS)) {
        const tooLong = schema.maxLength !== undefined && text.length > schema.maxLength;
        values.push([label, encodeURIComponent(text), tooLong ? 'reject' : 'tolerate']);
      }
      values.push(['invalid percent-encoding', '%E0%A4%A', 'tolerate']);
      values.push(['lone percent', '%', 'tolerate']);
      values.push(['NUL character', '%00', 'reject']);
    }
    return values;
  }
}

const REMOVE = Symbol('remove');

function applyMutation(base: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredCloneWithRaw(base);
  if (path.length === 0) return value === REMOVE ? undefined : value;
  let parent = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === REMOVE) delete parent[last];
  else parent[last] = value;
  return copy;
}

function structuredCloneWithRaw(value: unknown): unknown {
  if (value instanceof RawJson) return value;
  if (Array.isArray(value)) return value.map(structuredCloneWithRaw);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structuredCloneWithRaw(v)]));
  }
  return value;
}

function pathLabel(path: (string | number)[]): string {
  return path
    .map((step) => (typeof step === 'number' ? `[${step}]` : step))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** The body with `commandId` given twice (a number, then a string): JSON.parse keeps the last. */
function withDuplicateKey(body: Record<string, unknown>, commandId: string): string {
  const { commandId: _ignored, ...rest } = body;
  const members = toJson(rest).slice(1, -1);
  return `{"commandId":1,${members}${members === '' ? '' : ','}"commandId":${JSON.stringify(commandId)}}`;
}

/** `{member, ...the members of json}`. */
function withFirstMember(json: string, member: string): string {
  const rest = json.slice(1, -1);
  return `{${member}${rest === '' ? '' : ','}${rest}}`;
}

function hugeObject(keys: number): string {
  const parts: string[] = [];
  for (let i = 0; i < keys; i++) parts.push(`"k${i}":${i}`);
  return `{${parts.join(',')}}`;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** `count` items chosen by `random`, in their original order. */
export function sample<T>(items: T[], count: number, random: () => number): T[] {
  if (items.length <= count) return items;
  const indices = items.map((_, i) => i);
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
  }
  return indices
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}

/** Path segments as sent (already percent-encoded where that is the point). */
export const ODD_PATH_SEGMENTS: Record<string, string> = {
  'encoded slash': 'a%2Fb',
  'encoded traversal': '..%2F..%2Fetc%2Fpasswd',
  'dot dot': '..',
  space: 'a%20b',
  'leading space': '%20a',
  '301 characters': 'a'.repeat(301),
  '65 characters': 'a'.repeat(65),
  unicode: encodeURIComponent('žluťoučký-😀'),
  'right-to-left override': encodeURIComponent('a\u202eb'),
  'invalid percent-encoding': '%E0%A4%A',
  'lone percent': '%',
  'encoded NUL': 'a%00b',
  'control character': 'a%01b',
  'SQL-looking': encodeURIComponent("x' OR '1'='1"),
  'JSON-looking': encodeURIComponent('{"$ne":null}'),
  'stream-name-looking': 'customer-domain-x.com',
  __proto__: '__proto__',
};

const GARBAGE_QUERY_STRINGS: Record<string, string> = {
  garbage: 'garbage',
  'base64 JSON cursor': Buffer.from('{"x":1}').toString('base64url'),
  'base64 non-JSON cursor': Buffer.from('\u0001\u0002 not json').toString('base64url'),
  'base64 array cursor': Buffer.from('[null,-1,"z"]').toString('base64url'),
  'negative number': '-1',
  '20-digit number': '99999999999999999999',
  'position with trailing slash': '00000000000000000001/',
  '300 characters': 'a'.repeat(300),
  '10 kB': TEN_KB,
  unicode: 'žluťoučký 😀',
  'SQL-looking': "x' OR '1'='1",
  'JSON-looking': '{"$ne":null}',
  'date-looking but invalid': '2026-13-45T25:61:61Z',
  'control characters': 'a\u0001b\r\n',
};

function oddQueryDefault(schema: OpenApiSchema): string {
  return schema.type === 'number' || schema.type === 'integer' ? '-1' : 'garbage';
}

const ODD_QUERY_EXTRAS: Record<string, [string, string]> = {
  'unknown parameter': ['unknownParameter', '1'],
  '__proto__ parameter': ['__proto__', 'x'],
  'constructor parameter': ['constructor', 'x'],
  'bracketed parameter': ['a[b][c]', '1'],
};

function oddHeaderValues(name: string): Record<string, string> {
  const lower = name.toLowerCase();
  if (lower === 'if-match') {
    return {
      garbage: 'garbage',
      'negative revision': '"-1"',
      'fractional revision': '"1.5"',
      'huge revision': '"99999999999999999999999"',
      'weak ETag': 'W/"0"',
      star: '*',
      list: '"0", "1"',
      empty: '',
    };
  }
  if (lower === 'x-min-position') {
    return {
      garbage: 'garbage',
      'negative number': '-1',
      '20-digit number': '99999999999999999999',
      '300 characters': '9'.repeat(300),
      'position with trailing slash': '00000000000000000001/',
    };
  }
  return {
    '1000 characters': 'k'.repeat(1000),
    'spaces and quotes': ' "a b" ',
    'SQL-looking': "x' OR '1'='1",
    'latin-1': 'caf\u00e9',
  };
}
