/**
 * TEST DOUBLE of an EventStoreDB node — NOT EventStoreDB. An in-process gRPC server that speaks the
 * Streams protocol (Read, Append, BatchAppend, $all subscriptions) plus ServerFeatures, on
 * 127.0.0.1 with an ephemeral port and no TLS, keeping events in memory. It exists so the real
 * `@eventstore/db-client` and our adapter on top of it can be exercised end to end where no server
 * can run. No clustering/gossip, persistence, ACLs/auth, projections, persistent subscriptions,
 * stream deletion/metadata or scavenging: see README.md (only their error answers can be asked for:
 * `deletedStreams`, `accessDenied`).
 */
import * as grpc from '@grpc/grpc-js';
import { StreamsService as StreamsServiceDefinition } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ServerFeaturesService as ServerFeaturesDefinition } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { InMemoryLog } from './log';
import type { AppendOutcome } from './log';
import { StreamsService, serverFeaturesService } from './streams-service';

export interface EsdbDoubleOptions {
  /**
   * 'current' (default) behaves like a 23.10+ node: ServerFeatures advertises BatchAppend (so the
   * client appends through it) and subscriptions send a checkpoint and CaughtUp when they go live.
   * 'legacy' behaves like a 21.x/22.x node: no ServerFeatures service (the client falls back to
   * Append), no CaughtUp message and no checkpoint when a subscription goes live — filtered
   * subscriptions only checkpoint on catch-up pages that are not the last one and, live, every
   * `window x multiplier` events (see README.md).
   */
  readonly profile?: 'current' | 'legacy';
  /** MaxAppendSize of the node; 1 MiB by default, like the server. */
  readonly maxAppendSize?: number;
  /**
   * Position reported for an idempotent append (a recognised retry). 'original' (default), like a
   * node that can read the original events: their last event's log position. 'none': NoPosition, as
   * a node answers when it can no longer read that event (truncated by stream metadata, say).
   */
  readonly idempotentPosition?: 'original' | 'none';
  /**
   * Pause before every catch-up page of a `$all` subscription, like a busy node (default 0). Lets a
   * test check that the adapter never takes a slow catch-up for the end of it.
   */
  readonly catchUpPageDelayMs?: number;
  /**
   * Streams.Append only (so: the legacy profile, where the client uses it): delay before the node
   * processes an append, like a node whose writer is behind. An append whose client deadline passes
   * meanwhile is not written. Default 0.
   */
  readonly appendDelayMs?: number;
  /**
   * Streams answered as tombstoned (deleted for good): reading or appending to one fails as the
   * server does (see README.md). A test aid for that error path: `$all` and the log are unaffected.
   */
  readonly deletedStreams?: readonly string[];
  /**
   * Refuse every Streams call (reads, appends, subscriptions) as a node whose ACLs deny the user
   * (access denied; see README.md). ServerFeatures still answers. Default false.
   */
  readonly accessDenied?: boolean;
}

export interface EsdbDouble {
  readonly port: number;
  /** `esdb://127.0.0.1:PORT?tls=false` */
  readonly connectionString: string;
  /** Writes an event to a system stream, as the node itself does (stats, settings, projections...). */
  writeSystemEvent(streamName: string, type: string, data?: Record<string, unknown>): AppendOutcome;
  /**
   * Makes every running `$all` subscription fall behind before its next live event: FellBehind, a
   * checkpoint, catch-up again, then checkpoint and CaughtUp, as a 23.10+ node does when a
   * subscription's live buffer overflows. Current profile only (throws on 'legacy'). Returns the
   * number of subscriptions affected.
   */
  fallBehind(): number;
  /** Ends running reads/subscriptions and shuts the server down (clients then see UNAVAILABLE). */
  stop(): Promise<void>;
}

export async function startEsdbDouble(options: EsdbDoubleOptions = {}): Promise<EsdbDouble> {
  const legacy = options.profile === 'legacy';
  const log = new InMemoryLog();
  const streams = new StreamsService(log, {
    subscriptions: legacy ? 'legacy' : 'current',
    maxAppendSize: options.maxAppendSize ?? 1_048_576,
    idempotentPosition: options.idempotentPosition ?? 'original',
    catchUpPageDelayMs: options.catchUpPageDelayMs ?? 0,
    appendDelayMs: options.appendDelayMs ?? 0,
    deletedStreams: new Set(options.deletedStreams ?? []),
    accessDenied: options.accessDenied ?? false,
  });
  const server = new grpc.Server();
  server.addService(StreamsServiceDefinition, streams.implementation(!legacy));
  if (!legacy) {
    server.addService(
      ServerFeaturesDefinition,
      serverFeaturesService({ batchAppend: true, version: '23.10.0' }),
    );
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    ),
  );

  const writeSystemEvent = (
    streamName: string,
    type: string,
    data: Record<string, unknown> = {},
  ): AppendOutcome =>
    log.append(
      streamName,
      [
        {
          id: globalThis.crypto.randomUUID(),
          type,
          contentType: 'application/json',
          data: Buffer.from(JSON.stringify(data), 'utf8'),
          customMetadata: new Uint8Array(),
        },
      ],
      { kind: 'any' },
    );

  // A fresh node is never empty: it writes system events at startup. Seeding a few keeps adapters
  // honest about excluding them (an "empty" store still has a non-empty $all).
  writeSystemEvent('$$$scavenges', '$metadata', { $maxAge: 2_592_000 });
  writeSystemEvent('$$$stats-127.0.0.1:2113', '$metadata', { $maxAge: 86_400 });
  writeSystemEvent('$settings', 'update-default-acl', { $userStreamAcl: { $r: '$all' } });

  let stopped = false;
  return {
    port,
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    writeSystemEvent,
    fallBehind: () => streams.fallBehind(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      streams.stopAll();
      await new Promise<void>((resolve) => {
        // Give in-flight calls a moment to finish cleanly, then cut whatever is left (long-lived streams).
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 200);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
