import { randomUUID } from 'node:crypto';
import type { EventStore } from '@pc/event-store';
import { type LatencySummary, summarize } from './stats';

/**
 * Append latency of the store at its current size: `count` sequential single-event appends of a
 * realistic event (about the size of a CustomerCreated with its metadata envelope), half creating a
 * new stream (`no_stream`), half extending it (expected revision 0). Probe streams are `bench-probe-*`
 * with type `BenchProbe`, which no projection handles.
 */
export async function probeAppendLatency(
  store: EventStore,
  label: string,
  count: number,
): Promise<LatencySummary> {
  const samples: number[] = [];
  const data = {
    customerId: 'probe',
    companyName: 'Probe Company s.r.o.',
    primaryDomain: 'probe.example',
    country: 'SK',
    adminContact: { name: 'Probe Admin', email: 'admin@probe.example' },
    signedUpVia: { kind: 'trial-invite', id: 'big-inv0', partnerId: 'big' },
  };
  const metadata = {
    commandId: 'probe',
    commandType: 'BenchProbe',
    correlationId: 'probe',
    causationId: 'probe',
    actor: { kind: 'platform', id: 'bench' },
    service: { kind: 'service', id: 'bench' },
    occurredAt: new Date().toISOString(),
    schemaVersion: 1,
    prevHash: '0'.repeat(64),
    hash: 'f'.repeat(64),
  };
  const streams = Math.max(1, Math.floor(count / 2));
  const run = `${label}-${randomUUID().slice(0, 8)}`;
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < streams; i++) {
      const started = process.hrtime.bigint();
      await store.append(
        `bench-probe-${run}-${i}`,
        [{ id: randomUUID(), type: 'BenchProbe', data, metadata }],
        {
          expectedRevision: pass === 0 ? 'no_stream' : 0,
        },
      );
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  return summarize(samples);
}
