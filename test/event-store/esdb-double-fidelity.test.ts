/**
 * Fidelity of the EventStoreDB gRPC TEST DOUBLE (test/support/esdb-double) to the real server, where
 * the two were found to differ (see the double's README). Each case pins what the server does, as
 * read in its sources (Streams.Append, Streams.BatchAppend, Google.Rpc.Status, Event.SizeOnDisk,
 * Streams.Read's ConvertToEventFilter), through the real client where the client can express it and
 * through raw gRPC where it cannot. The adapter-level consequences are checked too.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ErrorType, EventStoreDBClient, NO_STREAM, binaryEvent, isCommandError } from '@eventstore/db-client';
import { StreamsClient } from '@eventstore/db-client/generated/streams_grpc_pb';
import {
  BatchAppendReq,
  BatchAppendResp,
  ReadReq,
  ReadResp,
} from '@eventstore/db-client/generated/streams_pb';
import { BadRequest, Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { Code } from '@eventstore/db-client/generated/code_pb';
import { Empty as GoogleEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { EventStoreUnavailableError, InvalidAppendError, WrongExpectedVersionError } from '@pc/event-store';
import { createEventStoreDbEventStore } from '@pc/event-store/eventstoredb/eventstoredb-event-store';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double';

const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(0x61);

/** Error type of what a client call rejected with (a CommandError), or 'resolved'. */
async function outcomeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof Error && isCommandError(error) ? error.type : String(error);
  }
}

function rawClient(double: EsdbDouble): StreamsClient {
  return new StreamsClient(`127.0.0.1:${double.port}`, grpc.credentials.createInsecure());
}

function streamId(name: string): StreamIdentifier {
  return new StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));
}

/** Sends the requests of one BatchAppend call and resolves with the first response. */
async function batchAppendOnce(client: StreamsClient, requests: BatchAppendReq[]): Promise<BatchAppendResp> {
  const call = client.batchAppend();
  try {
    let timer: NodeJS.Timeout | undefined;
    return await new Promise<BatchAppendResp>((resolve, reject) => {
      call.on('data', resolve);
      call.on('error', reject);
      timer = setTimeout(() => reject(new Error('no BatchAppend response within 5 s')), 5_000);
      for (const request of requests) call.write(request);
    }).finally(() => clearTimeout(timer));
  } finally {
    call.cancel();
  }
}

function batchOptions(stream: string): BatchAppendReq.Options {
  return new BatchAppendReq.Options().setStreamIdentifier(streamId(stream)).setAny(new GoogleEmpty());
}

describe.each(['current', 'legacy'] as const)('the gRPC double matches the server (%s node)', (profile) => {
  describe('max append size: the server counts data + metadata + 2 x type length (Event.SizeOnDisk)', () => {
    let double: EsdbDouble;
    let client: EventStoreDBClient;
    beforeEach(async () => {
      double = await startEsdbDouble({ profile, maxAppendSize: 100 });
      client = EventStoreDBClient.connectionString(double.connectionString);
    });
    afterEach(async () => {
      await client.dispose();
      await double.stop();
    });

    it('accepts an append of exactly the limit and refuses one byte more', async () => {
      // 'Typed' counts 10: 60 + 30 + 10 = 100 (allowed: the server refuses only above the limit).
      const event = (data: number) => binaryEvent({ type: 'Typed', data: bytes(data), metadata: bytes(30) });
      expect(await outcomeOf(client.appendToStream(`size-${randomUUID()}`, [event(60)]))).toBe('resolved');
      // Before: data + metadata only (91), which a server refuses.
      expect(await outcomeOf(client.appendToStream(`size-${randomUUID()}`, [event(61)]))).toBe(
        ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED,
      );
    });

    it('sums the sizes over every event of the append', async () => {
      // Events of 6 + 0 + 2 x 2 = 10 each: ten of them are 100, eleven are 110 (before: 60 and 66).
      const events = (n: number) =>
        Array.from({ length: n }, () => binaryEvent({ type: 'Ab', data: bytes(6), metadata: bytes(0) }));
      expect(await outcomeOf(client.appendToStream(`sum-${randomUUID()}`, events(10)))).toBe('resolved');
      expect(await outcomeOf(client.appendToStream(`sum-${randomUUID()}`, events(11)))).toBe(
        ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED,
      );
    });

    it('is reported by the adapter as InvalidAppendError, and nothing is written', async () => {
      const store = await createEventStoreDbEventStore(double.connectionString);
      try {
        // The adapter sends data '{"v":"xxxxxxxxxx"}' (18 bytes) and metadata '{}' (2): with a type of
        // 41 characters (82) that is 102 > 100; counting data and metadata alone, it was 20.
        const stream = `adapter-${randomUUID()}`;
        await expect(
          store.append(stream, [{ id: randomUUID(), type: 'T'.repeat(41), data: { v: 'x'.repeat(10) } }]),
        ).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(store.readStream(stream)).rejects.toMatchObject({ code: 'stream-not-found' });
      } finally {
        await store.close();
      }
    });
  });
});

describe('BatchAppend errors have the server’s shape (current node, raw gRPC)', () => {
  let double: EsdbDouble;
  let raw: StreamsClient;
  beforeEach(async () => {
    double = await startEsdbDouble({ profile: 'current' });
    raw = rawClient(double);
  });
  afterEach(async () => {
    raw.close();
    await double.stop();
  });

  const correlation = (): UUID => new UUID().setString(randomUUID());
  const message = (metadata: Record<string, string>): BatchAppendReq.ProposedMessage => {
    const proposed = new BatchAppendReq.ProposedMessage()
      .setId(new UUID().setString(randomUUID()))
      .setData(bytes(2))
      .setCustomMetadata(new Uint8Array());
    for (const [key, value] of Object.entries(metadata)) proposed.getMetadataMap().set(key, value);
    return proposed;
  };

  it('answers a malformed append with Status.BadRequest: a packed BadRequest detail and the stream', async () => {
    const stream = `bad-${randomUUID()}`;
    const response = await batchAppendOnce(raw, [
      new BatchAppendReq()
        .setCorrelationId(correlation())
        .setOptions(batchOptions(stream))
        .setProposedMessagesList([message({ type: 'T' })]) // no content-type
        .setIsFinal(true),
    ]);
    const error = response.getError();
    expect(error?.getCode()).toBe(Code.INVALID_ARGUMENT);
    expect(error?.getMessage()).toBe('BadRequest');
    expect(error?.getDetails()?.getTypeName()).toBe('event_store.client.BadRequest');
    const detail = error?.getDetails()?.unpack(BadRequest.deserializeBinary, 'event_store.client.BadRequest');
    expect(detail?.getMessage()).toMatch(/content-type/);
    expect(Buffer.from(response.getStreamIdentifier()?.getStreamName_asU8() ?? []).toString('utf8')).toBe(
      stream,
    );
  });

  it('answers a wrong expected version with AlreadyExists and the packed details', async () => {
    const stream = `wev-${randomUUID()}`;
    const response = await batchAppendOnce(raw, [
      new BatchAppendReq()
        .setCorrelationId(correlation())
        .setOptions(new BatchAppendReq.Options().setStreamIdentifier(streamId(stream)).setStreamPosition('3'))
        .setProposedMessagesList([message({ type: 'T', 'content-type': 'application/octet-stream' })])
        .setIsFinal(true),
    ]);
    expect(response.getError()?.getCode()).toBe(Code.ALREADY_EXISTS);
    expect(response.getError()?.getMessage()).toBe('WrongExpectedVersion');
    expect(response.getError()?.getDetails()?.getTypeName()).toBe('event_store.client.WrongExpectedVersion');
  });

  it('answers a too-large append as soon as it is too large, before its final request', async () => {
    const small = await startEsdbDouble({ profile: 'current', maxAppendSize: 10 });
    const client = rawClient(small);
    try {
      const id = correlation();
      const big = message({ type: 'T', 'content-type': 'application/octet-stream' }).setData(bytes(20));
      // Not final: a server answers right away; the double used to wait for the final request.
      const response = await batchAppendOnce(client, [
        new BatchAppendReq()
          .setCorrelationId(id)
          .setOptions(batchOptions('too-big'))
          .setProposedMessagesList([big])
          .setIsFinal(false),
      ]);
      expect(response.getError()?.getCode()).toBe(Code.INVALID_ARGUMENT);
      expect(response.getError()?.getDetails()?.getTypeName()).toBe(
        'event_store.client.MaximumAppendSizeExceeded',
      );
    } finally {
      client.close();
      await small.stop();
    }
  });

  it('still surfaces a wrong expected version through the client and the adapter with the actual revision', async () => {
    const store = await createEventStoreDbEventStore(double.connectionString);
    try {
      const stream = `wev-adapter-${randomUUID()}`;
      await store.append(stream, [{ id: randomUUID(), type: 'T', data: {} }], {
        expectedRevision: 'no_stream',
      });
      const error: unknown = await store
        .append(stream, [{ id: randomUUID(), type: 'T', data: {} }], { expectedRevision: 'no_stream' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ expected: 'no_stream', actual: 0 });
      const client = EventStoreDBClient.connectionString(double.connectionString);
      try {
        await expect(
          client.appendToStream(stream, [binaryEvent({ type: 'T', data: bytes(1) })], {
            expectedRevision: NO_STREAM,
          }),
        ).rejects.toMatchObject({ type: ErrorType.WRONG_EXPECTED_VERSION, actualVersion: 0n });
      } finally {
        await client.dispose();
      }
    } finally {
      await store.close();
    }
  });
});

describe('server-side $all filters: a non-empty regex wins over prefixes (raw gRPC read)', () => {
  it('filters on the regex when both are sent, as ConvertToEventFilter does', async () => {
    const double = await startEsdbDouble();
    const client = EventStoreDBClient.connectionString(double.connectionString);
    const raw = rawClient(double);
    try {
      await client.appendToStream('filter-a', [binaryEvent({ type: 'Alpha', data: bytes(1) })]);
      await client.appendToStream('filter-b', [binaryEvent({ type: 'Beta', data: bytes(1) })]);
      const filter = new ReadReq.Options.FilterOptions()
        .setEventType(
          new ReadReq.Options.FilterOptions.Expression().setPrefixList(['Alpha']).setRegex('^Beta'),
        )
        .setMax(32)
        .setCheckpointintervalmultiplier(1);
      const options = new ReadReq.Options()
        .setAll(new ReadReq.Options.AllOptions().setStart(new Empty()))
        .setReadDirection(ReadReq.Options.ReadDirection.FORWARDS)
        .setCount('100')
        .setResolveLinks(false)
        .setFilter(filter)
        .setUuidOption(new ReadReq.Options.UUIDOption().setString(new Empty()));
      const types: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const call = raw.read(new ReadReq().setOptions(options));
        call.on('data', (response: ReadResp) => {
          const type = response.getEvent()?.getEvent()?.getMetadataMap().get('type');
          if (type !== undefined) types.push(type);
        });
        call.on('end', resolve);
        call.on('error', reject);
      });
      expect(types).toEqual(['Beta']);
    } finally {
      raw.close();
      await client.dispose();
      await double.stop();
    }
  });
});

/**
 * Re-appending the same event ids at ANOTHER expected revision. The server's commit check
 * (IndexWriter.CheckCommit) looks for the ids only right after an exact/no_stream expectation that
 * is behind the stream, so: behind but elsewhere → WrongExpectedVersion; AT the current revision →
 * an ordinary write, the same ids stored a second time (its own tests: "check commit with next
 * expectedversion should return ok decision"). Only 'any'/'stream_exists' look ids up wherever they
 * are (within the node's recent-id cache). The double already behaved so; this pins it.
 */
describe.each(['current', 'legacy'] as const)(
  'same event ids at another expected revision (%s node)',
  (profile) => {
    let double: EsdbDouble;
    beforeEach(async () => {
      double = await startEsdbDouble({ profile });
    });
    afterEach(async () => {
      await double.stop();
    });

    it('is a wrong expected version behind the stream, and a second write at its head', async () => {
      const store = await createEventStoreDbEventStore(double.connectionString);
      try {
        const stream = `again-${randomUUID()}`;
        const batch = [0, 1].map((n) => ({ id: randomUUID(), type: 'T', data: { n } }));
        await store.append(stream, [{ id: randomUUID(), type: 'Head', data: {} }], {
          expectedRevision: 'no_stream',
        });
        const original = await store.append(stream, batch, { expectedRevision: 0 });
        await store.append(stream, [{ id: randomUUID(), type: 'Later', data: {} }], { expectedRevision: 2 });

        // Behind the stream, where other ids sit: WrongExpectedVersion with the actual revision.
        for (const expectedRevision of ['no_stream', 1] as const) {
          await expect(store.append(stream, batch, { expectedRevision })).rejects.toMatchObject({
            code: 'wrong-expected-version',
            actual: 3,
          });
        }
        // Ahead of the stream: WrongExpectedVersion too.
        await expect(store.append(stream, batch, { expectedRevision: 9 })).rejects.toBeInstanceOf(
          WrongExpectedVersionError,
        );
        // At the head: written again, as new events with the same ids.
        const again = await store.append(stream, batch, { expectedRevision: 3 });
        expect(again).toMatchObject({ nextExpectedRevision: 5, duplicate: false });
        expect(again.position > original.position).toBe(true);
        const ids = (await store.readStream(stream)).map((e) => e.id);
        expect(ids.slice(1, 3)).toEqual(batch.map((e) => e.id));
        expect(ids.slice(4)).toEqual(batch.map((e) => e.id));
      } finally {
        await store.close();
      }
    });
  },
);

/**
 * A node too slow for the client's deadline: the client gives up with DEADLINE_EXCEEDED (its
 * DeadlineExceededError), which the adapter must report as EventStoreUnavailableError — the one
 * error the pipeline treats as "try again later" (the retry is safe: same event ids).
 */
describe('an append past the client deadline (legacy node: Streams.Append)', () => {
  it('is reported as EventStoreUnavailableError (and the node, told in time, wrote nothing)', async () => {
    const double = await startEsdbDouble({ profile: 'legacy', appendDelayMs: 400 });
    const store = await createEventStoreDbEventStore(`${double.connectionString}&defaultDeadline=100`);
    try {
      const stream = `slow-${randomUUID()}`;
      const event = { id: randomUUID(), type: 'T', data: {} };
      const error: unknown = await store.append(stream, [event]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect(String((error as Error).message)).toMatch(/deadline/i);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await expect(store.readStream(stream)).rejects.toMatchObject({ code: 'stream-not-found' });
    } finally {
      await store.close();
      await double.stop();
    }
  });
});
