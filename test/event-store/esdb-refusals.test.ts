/**
 * Refusals of an EventStoreDB node that are NOT outages, through the real client and the adapter:
 * access denied (wrong credentials or ACLs) and a deleted (tombstoned) stream. Neither is fixed by
 * retrying, so neither may surface as EventStoreUnavailableError (which the API answers as 503 "retry
 * later"). The double answers both as the server does (see test/support/esdb-double/README.md), on
 * both append paths: BatchAppend (current profile) and Append (legacy profile).
 */
import { randomUUID } from 'node:crypto';
import { ErrorType, EventStoreDBClient, isCommandError, jsonEvent } from '@eventstore/db-client';
import {
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  StreamDeletedError,
  StreamNotFoundError,
  type EventStore,
} from '@pc/event-store';
import { createEventStoreDbEventStore } from '@pc/event-store/eventstoredb/eventstoredb-event-store';
import { startEsdbDouble, type EsdbDouble, type EsdbDoubleOptions } from '../support/esdb-double';

const event = () => ({ id: randomUUID(), type: 'Tested', data: { n: 1 } });

/** What a promise rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe.each(['current', 'legacy'] as const)(
  'EventStoreDB refusals that are not outages (%s profile)',
  (profile) => {
    let double: EsdbDouble;
    let store: EventStore;

    async function start(options: EsdbDoubleOptions): Promise<void> {
      double = await startEsdbDouble({ profile, ...options });
      store = await createEventStoreDbEventStore(double.connectionString);
    }

    afterEach(async () => {
      await store?.close();
      await double?.stop();
    });

    describe('access denied', () => {
      beforeEach(() => start({ accessDenied: true }));

      it('the double answers as the server does: the client raises AccessDeniedError', async () => {
        const client = EventStoreDBClient.connectionString(double.connectionString);
        try {
          for (const call of [
            () => client.appendToStream('s-1', [jsonEvent({ type: 'Tested', data: {} })]),
            async () => {
              for await (const _ of client.readStream('s-1')) void _;
            },
          ]) {
            const error = await rejectionOf(call());
            expect(error instanceof Error && isCommandError(error) ? error.type : error).toBe(
              ErrorType.ACCESS_DENIED,
            );
          }
        } finally {
          await client.dispose();
        }
      });

      it.each([
        ['append', (s: EventStore) => s.append('s-1', [event()])],
        ['readStream', (s: EventStore) => s.readStream('s-1')],
        ['readAll', (s: EventStore) => s.readAll()],
        ['headPosition', (s: EventStore) => s.headPosition()],
        ['ping', (s: EventStore) => s.ping()],
      ])('%s rejects with EventStoreAccessDeniedError, not "unavailable"', async (_name, operation) => {
        const error = await rejectionOf(operation(store));
        expect(error).toBeInstanceOf(EventStoreAccessDeniedError);
        expect(error).not.toBeInstanceOf(EventStoreUnavailableError);
        expect((error as Error).message).toMatch(/refused access/);
      });

      it('a subscription fails with EventStoreAccessDeniedError', async () => {
        const subscription = store.subscribeToAll();
        const error = await rejectionOf(
          (async () => {
            for await (const _ of subscription) void _;
          })(),
        );
        expect(error).toBeInstanceOf(EventStoreAccessDeniedError);
      });
    });

    describe('a deleted (tombstoned) stream', () => {
      beforeEach(() => start({ deletedStreams: ['deleted-1'] }));

      it('the double answers as the server does: the client raises StreamDeletedError', async () => {
        const client = EventStoreDBClient.connectionString(double.connectionString);
        try {
          for (const call of [
            () => client.appendToStream('deleted-1', [jsonEvent({ type: 'Tested', data: {} })]),
            async () => {
              for await (const _ of client.readStream('deleted-1')) void _;
            },
          ]) {
            const error = await rejectionOf(call());
            expect(error instanceof Error && isCommandError(error) ? error.type : error).toBe(
              ErrorType.STREAM_DELETED,
            );
            expect((error as { streamName?: string }).streamName).toBe('deleted-1');
          }
        } finally {
          await client.dispose();
        }
      });

      it('an append rejects with the port StreamDeletedError naming the stream, not "unavailable"', async () => {
        const error = await rejectionOf(store.append('deleted-1', [event()], { expectedRevision: 'any' }));
        expect(error).toBeInstanceOf(StreamDeletedError);
        expect(error).toMatchObject({ code: 'stream-deleted', streamName: 'deleted-1' });
      });

      it('a read rejects with StreamNotFoundError, as for a stream never written', async () => {
        const deleted = await rejectionOf(store.readStream('deleted-1'));
        const missing = await rejectionOf(store.readStream('never-written'));
        expect(missing).toBeInstanceOf(StreamNotFoundError);
        expect(deleted).toBeInstanceOf(StreamNotFoundError);
        expect(deleted).toMatchObject({ code: 'stream-not-found', streamName: 'deleted-1' });
      });

      it('other streams are unaffected', async () => {
        await store.append('alive-1', [event()], { expectedRevision: 'no_stream' });
        await expect(store.readStream('alive-1')).resolves.toHaveLength(1);
      });
    });
  },
);
