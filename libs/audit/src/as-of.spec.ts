import type { EventStore } from '@pc/event-store';
import type { PartnerState } from '@pc/domain';
import { aggregateAsOf } from './as-of';
import { createAggregateRegistry } from './aggregate-registry';
import { AuditNotFoundError } from './errors';
import { context, memoryStore, partnerUser, pipelineOver, registerPartner } from './testing/fixtures';

describe('aggregateAsOf', () => {
  let store: EventStore;

  beforeAll(async () => {
    store = await memoryStore();
    const pipeline = pipelineOver(store);
    await registerPartner(pipeline, 'contoso', '2026-01-05T09:00:00.000Z');
    await pipeline.execute(
      'UpdateCompanyProfile',
      { partnerId: 'contoso', changes: { phone: '+421 900 111 222' } },
      context(partnerUser('contoso', 'contoso-admin'), '2026-02-01T12:00:00.000Z'),
    );
  });
  afterAll(() => store.close());

  it('folds up to a revision, inclusive', async () => {
    const first = await aggregateAsOf(store, 'partner-contoso', { revision: 0 });
    expect(first).toMatchObject({ aggregateType: 'partner', revision: 0, headRevision: 3 });
    expect((first.state as PartnerState).users).toEqual({});
    const registered = await aggregateAsOf(store, 'partner-contoso', { revision: 2 });
    expect(Object.keys((registered.state as PartnerState).users)).toEqual(['contoso-admin']);
    expect((registered.state as PartnerState).profile?.phone).toBe('+421 2 1234 5678');
  });

  it('folds up to the last event that occurred at or before an instant', async () => {
    const january = await aggregateAsOf(store, 'partner-contoso', { at: '2026-01-31T23:59:59Z' });
    expect(january).toMatchObject({ revision: 2, occurredAt: '2026-01-05T09:00:00.000Z' });
    expect((january.state as PartnerState).profile?.phone).toBe('+421 2 1234 5678');
    const exact = await aggregateAsOf(store, 'partner-contoso', { at: '2026-02-01T12:00:00.000Z' });
    expect(exact.revision).toBe(3);
    expect((exact.state as PartnerState).profile?.phone).toBe('+421 900 111 222');
  });

  it('refuses unknown prefixes, missing streams, revisions past the head and instants before the first event', async () => {
    const codeOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (e: unknown) => (e instanceof AuditNotFoundError ? e.code : String(e)),
      );
    expect(await codeOf(aggregateAsOf(store, 'widget-1', { revision: 0 }))).toBe('unknown-aggregate-type');
    expect(await codeOf(aggregateAsOf(store, 'partner-nobody', { revision: 0 }))).toBe('stream-not-found');
    expect(await codeOf(aggregateAsOf(store, 'partner-nobody', { at: '2026-01-01T00:00:00Z' }))).toBe(
      'stream-not-found',
    );
    expect(await codeOf(aggregateAsOf(store, 'partner-contoso', { revision: 4 }))).toBe('revision-not-found');
    expect(await codeOf(aggregateAsOf(store, 'partner-contoso', { at: '2025-12-31T00:00:00Z' }))).toBe(
      'aggregate-not-yet-existing',
    );
  });

  // Regression: the revision was read as a maxCount of revision + 1, so a revision at the top of the
  // safe integers was the port's InvalidAppendError about a 'maxCount' (a 400 naming a parameter the
  // auditor never gave), not the revision-not-found every other revision past the head gets.
  it('refuses any revision past the head as revision-not-found, however large', async () => {
    for (const revision of [4, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      const refusal = await aggregateAsOf(store, 'partner-contoso', { revision }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refusal).toBeInstanceOf(AuditNotFoundError);
      expect(refusal).toMatchObject({
        code: 'revision-not-found',
        facts: { streamName: 'partner-contoso', revision, headRevision: 3 },
      });
    }
  });

  it('resolves the longest prefix, so claim streams are not folded as customers', () => {
    const registry = createAggregateRegistry();
    expect(registry.resolve('customer-domain-contoso.example')?.name).toBe('customer-domain-claim');
    expect(registry.resolve('customer-c1')?.name).toBe('customer');
    // Regression: customer `domain-experts` was folded by the domain-claim evolver.
    expect(registry.resolve('customer-domain-experts')?.name).toBe('customer');
    expect(registry.resolve('trial-invite-t1')?.name).toBe('trial-invite');
    expect(registry.resolve('purchase-offer-o1')?.name).toBe('purchase-offer');
    expect(registry.resolve('partner-')).toBeUndefined();
    expect(registry.resolve('$system')).toBeUndefined();
  });
});
