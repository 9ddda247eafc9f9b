import type { EventStore } from '@pc/event-store';

/**
 * Runs `racing` once, inside the EventStoreDB adapter's next append, right after its `$all` head read
 * and before it sends the append: the window in which another writer's commit (another process, the
 * same command id) is invisible to the head check.
 */
export function raceAfterHeadRead(target: EventStore, racing: () => Promise<void>): void {
  const internals = target as unknown as { logHeadCommit(operation: string): Promise<bigint | null> };
  if (typeof internals.logHeadCommit !== 'function') {
    throw new Error('raceAfterHeadRead: the adapter no longer reads the head through logHeadCommit');
  }
  const readHead = internals.logHeadCommit.bind(target);
  internals.logHeadCommit = async (operation) => {
    internals.logHeadCommit = readHead;
    const head = await readHead(operation);
    await racing();
    return head;
  };
}
