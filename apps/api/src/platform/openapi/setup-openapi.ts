import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { OPENAPI_PUBLIC_EXTENSION } from '../auth/decorators';
import { PROBLEM_DESCRIPTIONS, problemSchemaRef } from './problem-responses';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * Builds the OpenAPI 3 document and serves it at GET /openapi.json, with Swagger UI at GET /docs.
 * operationId = the controller METHOD name, so clients get names like `createTrialInvite`; two
 * methods with the same name anywhere in the app are a boot error, not a silently broken client.
 */
export function setupOpenApi(app: INestApplication, publicBaseUrl: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Partner Center')
    .setDescription(
      'Event-sourced domain service of the cloud partner admin center. Errors are RFC 9457 ' +
        'problem+json; commands accept Idempotency-Key and If-Match.',
    )
    .setVersion('0.1.0')
    .addServer(publicBaseUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
  });
  markPublicOperations(document);
  addRouteWideProblems(document);
  markOptionalBodies(document);
  assertUniqueOperationIds(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
  return document;
}

/**
 * Refusals every route can give, whatever its decorators list: a 400 from the request-shape guard or
 * the router (invalid characters, a body on an operation that reads none, bad percent-encoding), and
 * on a route with path parameters a 414 for one longer than the router takes.
 */
function addRouteWideProblems(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const statuses = [400, ...(path.includes('{') ? [414] : [])];
      for (const status of statuses) {
        if (operation.responses[String(status)] !== undefined) continue;
        operation.responses[String(status)] = {
          description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
          content: { 'application/problem+json': { schema: { $ref: problemSchemaRef(status) } } },
        };
      }
    }
  }
}

/**
 * A body whose schema requires no field may be left out (no body is taken as `{}`), so the document
 * says so: @nestjs/swagger marks every @Body() as required.
 */
function markOptionalBodies(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const body = item[method]?.requestBody;
      if (body === undefined || '$ref' in body) continue;
      const schema = body.content['application/json']?.schema;
      const ref = schema !== undefined && '$ref' in schema ? schema.$ref : undefined;
      const resolved = ref === undefined ? schema : schemas[ref.replace('#/components/schemas/', '')];
      if (resolved === undefined || '$ref' in resolved) continue;
      if ((resolved.required ?? []).length === 0) body.required = false;
    }
  }
}

/** @Public() routes need no token: override the global bearer requirement with `security: []`. */
function markPublicOperations(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as (Record<string, unknown> & { security?: unknown }) | undefined;
      if (operation?.[OPENAPI_PUBLIC_EXTENSION]) {
        operation.security = [];
        delete operation[OPENAPI_PUBLIC_EXTENSION];
      }
    }
  }
}

function assertUniqueOperationIds(document: OpenAPIObject): void {
  const seen = new Map<string, string>();
  const clashes: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const id = item[method]?.operationId;
      if (id === undefined) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const first = seen.get(id);
      if (first !== undefined) clashes.push(`'${id}' is used by ${first} and ${where}`);
      else seen.set(id, where);
    }
  }
  if (clashes.length > 0) {
    throw new Error(
      `Duplicate OpenAPI operationIds (controller method names must be unique):\n  ${clashes.join('\n  ')}`,
    );
  }
}
