import 'reflect-metadata';
import { createApp } from './app.module';
import { loadApiConfig } from './platform/config';

async function main(): Promise<void> {
  const config = loadApiConfig(process.env);
  const app = await createApp();
  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then close the event store and
  // databases (onApplicationShutdown hooks run after the HTTP server has drained).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
