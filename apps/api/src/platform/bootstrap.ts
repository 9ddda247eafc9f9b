import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RawServerDefault } from 'fastify';
import { Logger } from 'nestjs-pino';
import type { ApiConfig } from './config';
import { installHttpMetrics, operationIdsByRoute } from './observability/http-metrics';
import { MetricsService } from './observability/metrics.service';
import { setupOpenApi } from './openapi/setup-openapi';
import {
  answerClientErrors,
  answerFrameworkErrors,
  MAX_PATH_PARAMETER_LENGTH,
} from './problem/framework-errors';
import { ProblemException } from './problem/problem-exception';
import { ProblemFilter } from './problem/problem.filter';
import { assignRequestIds, correlationIdOf } from './request-context';

type Fastify = ReturnType<NestFastifyApplication['getHttpAdapter']>['getInstance'] extends () => infer F
  ? F
  : never;

/**
 * Graceful shutdown: once close() starts, in-flight requests still complete, and their responses
 * carry `Connection: close` so keep-alive clients let go. Without it the server waits for each
 * client's own idle timeout before the stores can be closed.
 */
function drainKeepAliveOnClose(fastify: Fastify): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('Connection', 'close');
    done(null, payload);
  });
}

/**
 * `Content-Type: application/json` with an empty body is a request without a body, as it is without
 * the header (many clients set it on every POST): Fastify's own parser refused it as a 400. Anything
 * else goes to Fastify's own parser, with its protection against `__proto__` and `constructor`
 * poisoning; the body limit stays.
 */
function acceptEmptyJsonBodies(app: NestFastifyApplication, bodyLimit: number): void {
  const parseJson = app.getHttpAdapter().getInstance().getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    let text: string;
    try {
      text = UTF8.decode(body);
    } catch {
      // Decoded leniently, each bad byte became U+FFFD and was stored as the caller's text.
      return done(
        new ProblemException(400, 'invalid-encoding', 'Bad request', 'The request body is not valid UTF-8.'),
        undefined,
      );
    }
    parseJson(request, text, done);
  });
}

/** Refuses bytes that are not UTF-8 (a lone surrogate's encoding, 0xFF) instead of replacing them. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Creates the Fastify-based Nest application around `rootModule`, initialised but not listening,
 * so tests drive the real app through `app.inject()` and main.ts calls `listen()`.
 */
export async function bootstrapApp(
  rootModule: DynamicModule,
  config: ApiConfig,
  options: { logger: boolean },
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: assignRequestIds,
    logger: false,
    // Keep-alive sockets would hold close() open; in-flight requests still finish.
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    // A path that is not valid percent-encoding, or a parameter over maxParamLength, is refused by
    // the router before Nest sees the request: answered as problem+json like every refusal.
    frameworkErrors: answerFrameworkErrors(new ProblemFilter(config)),
    // What Node's HTTP parser refuses before there is a request (e.g. headers over 16 KB).
    clientErrorHandler: answerClientErrors(config.problemBase),
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    bufferLogs: options.logger,
    logger: options.logger ? undefined : false,
    // Throw boot errors to the caller (tests, main.ts) instead of exiting the process.
    abortOnError: false,
  });
  if (options.logger) app.useLogger(app.get(Logger));

  acceptEmptyJsonBodies(app, config.bodyLimitBytes);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id).header('X-Correlation-Id', correlationIdOf(request.raw));
    done();
  });
  drainKeepAliveOnClose(fastify);
  let operationIds = new Map<string, string>();
  installHttpMetrics(fastify, app.get(MetricsService), () => operationIds);

  const document = setupOpenApi(app, config.publicBaseUrl);
  operationIds = operationIdsByRoute(document);

  await app.init();
  await fastify.ready();
  return app;
}
