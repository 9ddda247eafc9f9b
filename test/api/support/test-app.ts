import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { WrongExpectedVersionError, type EventStore } from '@pc/event-store';
import { createEventStore } from '@pc/event-store/factory';
import { createCommandPipeline } from '@pc/pipeline';
import { createApp } from '../../../apps/api/src/app.module';
import type { Clock } from '../../../apps/api/src/platform';
import { testCommands } from './test-commands';
import { WidgetsTestModule } from './widgets.controller';

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'pc-api-'));
export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/** Streams named `flaky-*` always lose the race, to exercise the bounded conflict retries. */
function withFlakyStreams(store: EventStore): EventStore {
  return {
    kind: store.kind,
    append: async (stream, events, options) => {
      if (stream.startsWith('flaky-'))
        throw new WrongExpectedVersionError(stream, options?.expectedRevision ?? 'any', 0);
      return store.append(stream, events, options);
    },
    readStream: (stream, options) => store.readStream(stream, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

/**
 * The REAL app (real config loading, SQLite event store and idempotency table in `dir`, the real
 * pipeline) plus the test controller and test command set.
 */
export function startTestApp(
  dir: string,
  options: { env?: Record<string, string>; clock?: Clock } = {},
): Promise<NestFastifyApplication> {
  return createApp({
    env: {
      NODE_ENV: 'test',
      EVENT_STORE: 'sqlite',
      EVENT_STORE_PATH: join(dir, 'events.sqlite'),
      READ_MODEL_STORE: 'sqlite',
      READ_MODEL_PATH: join(dir, 'read-models.sqlite'),
      ...options.env,
    },
    clock: options.clock,
    logger: false,
    modules: [WidgetsTestModule],
    eventStore: async (config) => withFlakyStreams(await createEventStore(config.eventStore)),
    pipeline: (deps) => createCommandPipeline({ ...deps, commands: testCommands }),
  });
}
