/**
 * The worker thread's side of ThreadedProjectionRunner: opens its own connections to the event store
 * and the read-model store, runs a ProjectionRunner over the named projections, and reports to the
 * main thread (committed batches, lease ownership, statuses, log records). Loaded only as a worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEventStore, type EventStore } from '@pc/event-store';
import type { Projection } from '../definition/projection';
import { createReadModelStore } from '../store/config';
import type { ReadModelStore } from '../store/read-model-store';
import { describeError } from './errors';
import { type ProjectionChange, ProjectionRunner } from './runner';
import type { FromRunnerThread, RunnerThreadData, ToRunnerThread } from './thread-protocol';

/** How often lease ownership is re-checked between commits (a lease won or lost while idle). */
const OWNERSHIP_CHECK_MS = 250;

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runner-thread runs only as a worker thread');
  const data = workerData as RunnerThreadData;
  const post = (message: FromRunnerThread) => port.postMessage(message);

  let eventStore: EventStore | undefined;
  let store: ReadModelStore | undefined;
  let runner: ProjectionRunner;
  try {
    const exported = ((await import(data.source.module)) as Record<string, unknown>)[data.source.exportName];
    if (!Array.isArray(exported))
      throw new Error(`${data.source.module} exports no projection array '${data.source.exportName}'`);
    const projections = data.names.map((name) => {
      const found = (exported as Projection[]).find((projection) => projection.name === name);
      if (!found) throw new Error(`Projection '${name}' is not in ${data.source.exportName}`);
      return found;
    });
    eventStore = await createEventStore(data.eventStore);
    store = await createReadModelStore(data.readModelStore);
    runner = new ProjectionRunner({
      eventStore,
      store,
      projections,
      owner: data.owner,
      ...data.tuning,
      logger: {
        info: (context, message) => post({ type: 'log', level: 'info', context, message }),
        warn: (context, message) => post({ type: 'log', level: 'warn', context, message }),
        error: (context, message) => post({ type: 'log', level: 'error', context, message }),
      },
    });
    await runner.start();
  } catch (error) {
    await store?.close().catch(() => undefined);
    await eventStore?.close().catch(() => undefined);
    post({ type: 'start-failed', message: describeError(error) });
    // End the thread whatever a driver or the loaded module left open: the main side restarts on exit.
    process.exit(1);
  }

  // The projections whose lease the thread holds, as last reported (with changes, or on their own).
  let reported = '';
  const owned = (): string[] => {
    const now = data.names.filter((name) => runner.leases.isHeld(name));
    reported = now.join('\u0000');
    return now;
  };
  const reportOwnership = (): void => {
    const before = reported;
    const now = owned();
    if (reported !== before) post({ type: 'owned', owned: now });
  };
  // One message per turn of this thread's event loop for all the batches it committed.
  let pending: ProjectionChange[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const changes = pending;
    pending = [];
    post({ type: 'changes', changes, owned: owned() });
  };
  runner.changes$.subscribe((change) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(change);
  });
  const ownership = setInterval(reportOwnership, OWNERSHIP_CHECK_MS);
  post({ type: 'started' });

  port.on('message', (message: ToRunnerThread) => {
    switch (message.type) {
      // Recorded by the main thread already: only the worker is woken to look. Recording it again
      // here rebuilt twice when the thread started after the request (it picked the first one up at
      // start, and the second after the swap).
      case 'rebuild':
      case 'resume':
        runner.wake(message.name);
        return;
      case 'status':
        runner.status().then(
          (statuses) => post({ type: 'status', id: message.id, statuses }),
          (error: unknown) => post({ type: 'status', id: message.id, error: describeError(error) }),
        );
        return;
      case 'stop':
        clearInterval(ownership);
        void (async () => {
          // Graceful, as in the main thread: batches in flight commit, leases are released.
          await runner.stop().catch(() => undefined);
          // The last batches' changes, before 'stopped' and the exit (the turn may not reach setImmediate).
          flush();
          await store?.close().catch(() => undefined);
          await eventStore?.close().catch(() => undefined);
          post({ type: 'stopped' });
          // In a worker thread this ends the thread only, whatever handle a driver may have left open.
          process.exit(0);
        })();
        return;
    }
  });
}

void main();
