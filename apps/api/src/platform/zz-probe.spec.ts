import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';

@Controller()
class C {
  constructor(private readonly h: HealthCheckService) {}
  @Get('x') x() { return { a: 1 }; }
  @Get('ready') @HealthCheck() r() { return this.h.check([]); }
}
@Module({ imports: [TerminusModule, CqrsModule.forRoot(), LoggerModule.forRoot({ pinoHttp: { level: 'silent' } })], controllers: [C] })
class M {}
test('nest', async () => {
  const app = await NestFactory.create<NestFastifyApplication>(M, new FastifyAdapter(), { logger: false });
  const doc = SwaggerModule.createDocument(app, new DocumentBuilder().build());
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'openapi.json' });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const r = await app.inject({ method: 'GET', url: '/x' });
  expect(r.json()).toEqual({ a: 1 });
  const o = await app.inject({ method: 'GET', url: '/openapi.json' });
  expect(o.statusCode).toBe(200);
  const d = await app.inject({ method: 'GET', url: '/docs' });
  expect(d.statusCode).toBe(200);
  const rr = await app.inject({ method: 'GET', url: '/ready' });
  expect(rr.json()).toMatchObject({ status: 'ok' });
  await app.close();
});
