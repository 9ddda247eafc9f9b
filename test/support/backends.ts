import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../apps/api/src/app.module';
import { ManualClock } from '../../apps/api/src/platform';
import { createTestSchema, pgUrl } from './postgres';

/**
 * The backends every end-to-end suite runs against: the embedded default (SQLite files in a temp
 * dir) and PostgreSQL (a fresh schema on the local server, dropped afterwards). Both are real.
 */
export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Environment of the REAL app for this backend. Call once per test file. */
  setUp(): Promise<{ env: Record<string, string>; tearDown(): Promise<void> }>;
}

export const backends: Backend[] = [
  {
    name: 'sqlite',
    async setUp() {
      const dir = mkdtempSync(join(tmpdir(), 'pc-e2e-'));
      return {
        env: {
          EVENT_STORE: 'sqlite',
          EVENT_STORE_PATH: join(dir, 'events.sqlite'),
          READ_MODEL_STORE: 'sqlite',
          READ_MODEL_PATH: join(dir, 'read-models.sqlite'),
        },
        tearDown: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async setUp() {
      const schema = await createTestSchema('e2e');
      return {
        env: {
          EVENT_STORE: 'postgres',
          EVENT_STORE_URL: pgUrl(),
          EVENT_STORE_SCHEMA: schema.name,
          READ_MODEL_STORE: 'postgres',
          READ_MODEL_URL: pgUrl(),
          READ_MODEL_SCHEMA: schema.name,
        },
        tearDown: () => schema.drop(),
      };
    },
  },
];

/** The real app on a backend, with a manual clock the test moves. */
export async function startApp(
  env: Record<string, string>,
  clock = new ManualClock(new Date('2026-01-05T09:00:00.000Z')),
): Promise<{ app: NestFastifyApplication; clock: ManualClock }> {
  // The scheduler's timer is off: tests move the clock and call tick() themselves.
  const app = await createApp({
    env: { NODE_ENV: 'test', SCHEDULER_INTERVAL_MS: '0', ...env },
    clock,
    logger: false,
  });
  return { app, clock };
}

/**
 * For the read-model suites: each backend with the projections on the main thread (the default), and
 * again with them on a worker thread (PROJECTIONS_THREAD=worker). `thread` is added to the app's env.
 */
export const projectionThreadRuns: { backend: Backend; label: string; thread: Record<string, string> }[] = [
  ...backends.map((backend) => ({ backend, label: backend.name, thread: {} })),
  ...backends.map((backend) => ({
    backend,
    label: `${backend.name}, projections on a worker thread`,
    thread: { PROJECTIONS_THREAD: 'worker' },
  })),
];
