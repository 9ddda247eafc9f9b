import 'reflect-metadata';
import { createApp } from './app.module';
import { API_CONFIG, type ApiConfig } from './platform';

async function main(): Promise<void> {
  // createApp checks every setting, the feature modules' included, before Nest or any store starts:
  // a bad environment stops there with one line per bad setting (printed below, without a stack
  // trace), exit 1.
  const app = await createApp();
  const config = app.get<ApiConfig>(API_CONFIG);
  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then close the event store and
  // databases (onApplicationShutdown hooks run after the HTTP server has drained).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
