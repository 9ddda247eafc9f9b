import 'reflect-metadata';
import { createApp } from './app.module';
import { checkEnvironment } from './platform/config';

async function main(): Promise<void> {
  // Every setting, the feature modules' included, before Nest or any store starts: a bad environment
  // stops here with one line per bad setting (printed below, without a stack trace), exit 1.
  // (createApp checks the same environment again; that is cheap.)
  const config = checkEnvironment(process.env);
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
