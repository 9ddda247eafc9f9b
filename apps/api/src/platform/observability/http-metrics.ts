import type { FastifyInstance } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { MetricsService } from './metrics.service';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** `${METHOD} ${fastify route pattern}` → operationId, read off the OpenAPI document. */
export function operationIdsByRoute(document: OpenAPIObject): Map<string, string> {
  const map = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths)) {
    const fastifyPath = path.replace(/\{([^}]+)\}/g, ':$1');
    for (const method of METHODS) {
      const operationId = item[method]?.operationId;
      if (operationId) map.set(`${method.toUpperCase()} ${fastifyPath}`, operationId);
    }
  }
  return map;
}

/**
 * Counts every response, including those refused before any Nest code runs (413, bad JSON, 404).
 * Labels stay bounded: unknown routes are 'unmatched', undocumented ones (Swagger UI assets) 'other'.
 */
export function installHttpMetrics(
  fastify: FastifyInstance,
  metrics: MetricsService,
  operationIds: () => Map<string, string>,
): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    const operationId =
      route === undefined ? 'unmatched' : (operationIds().get(`${request.method} ${route}`) ?? 'other');
    metrics.observeHttpRequest(operationId, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
