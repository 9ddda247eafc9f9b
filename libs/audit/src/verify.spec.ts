import type { EventStore, RecordedEvent } from '@pc/event-store';
import { GENESIS_HASH } from '@pc/pipeline';
import {
  appendChained,
  memoryStore,
  pipelineOver,
  platformActor,
  registerPartner,
  tampered,
} from './testing/fixtures';
import { AuditNotFoundError } from './errors';
import { verifyHistory } from './verify';

describe('verifyHistory', () => {
  let store: EventStore;

  beforeAll(async () => {
    store = await memoryStore();
    const pipeline = pipelineOver(store);
    await registerPartner(pipeline, 'contoso', '2026-01-05T09:00:00.000Z');
    await registerPartner(pipeline, 'fabrikam', '2026-01-05T10:00:00.000Z');
    // A customer stream that belongs to contoso only from its second event on.
    await appendChained(
      store,
      'customer-c1',
      [{ type: 'CustomerSignedUp', data: { customerId: 'c1' } }],
      platformActor,
      '2026-01-06T00:00:00Z',
    );
    await appendChained(
      store,
      'customer-c1',
      [{ type: 'PartnerRelationshipAccepted', data: { customerId: 'c1', partnerId: 'contoso' } }],
      platformActor,
      '2026-01-07T00:00:00Z',
    );
  });
  afterAll(() => store.close());

  const edit = (stream: string, revision: number, change: (e: RecordedEvent) => RecordedEvent | null) =>
    tampered(store, (e) => (e.streamName === stream && e.revision === revision ? change(e) : e));

  it('accepts an untouched history, whole or per partner', async () => {
    const all = await verifyHistory(store);
    expect(all).toMatchObject({ ok: true, eventsChecked: 8, streamsChecked: 3, breaks: [] });
    expect(all.checkedUpTo).toEqual(expect.any(String));
    const contoso = await verifyHistory(store, { partnerId: 'contoso' });
    // partner-contoso (3) + customer-c1 (2, the first of which carries no partnerId).
    expect(contoso).toMatchObject({ ok: true, eventsChecked: 5, streamsChecked: 2 });
  });

  it('finds a changed byte of data: the event no longer matches its hash', async () => {
    const store2 = edit('partner-contoso', 1, (e) => ({
      ...e,
      data: { ...e.data, email: 'admin@contoso.exampld' },
    }));
    const report = await verifyHistory(store2);
    expect(report.ok).toBe(false);
    expect(report.breaks).toEqual([
      expect.objectContaining({
        stream: 'partner-contoso',
        revision: 1,
        kind: 'hash-mismatch',
        found: expect.any(String),
      }),
    ]);
    expect(report.breaks[0].expected).not.toBe(report.breaks[0].found);
    // The other partner's report is not affected.
    expect((await verifyHistory(store2, { partnerId: 'fabrikam' })).ok).toBe(true);
  });

  // Regression: whether a stream is the partner's was read from the very content an edit can change:
  // an edit that took contoso's id out of customer-c1 made contoso's report OK.
  it("fails a partner's report on a break in a stream that could be its own, counted not listed", async () => {
    const moved = edit('customer-c1', 1, (e) => ({ ...e, data: { ...e.data, partnerId: 'fabrikam' } }));
    const contoso = await verifyHistory(moved, { partnerId: 'contoso' });
    expect(contoso).toMatchObject({ ok: false, breaks: [], breaksOutsideScope: 1, streamsChecked: 1 });
    const whole = await verifyHistory(moved);
    expect(whole).toMatchObject({ ok: false, breaksOutsideScope: 0 });
    expect(whole.breaks).toEqual([expect.objectContaining({ stream: 'customer-c1', kind: 'hash-mismatch' })]);
    // Another partner's own stream is known by its name: its break stays out of contoso's report.
    const other = edit('partner-fabrikam', 0, (e) => ({ ...e, data: { ...e.data, legalName: 'X' } }));
    expect(await verifyHistory(other, { partnerId: 'contoso' })).toMatchObject({
      ok: true,
      breaksOutsideScope: 0,
    });
  });

  it('finds a hash recomputed after the edit: the next event no longer chains to it', async () => {
    const store2 = edit('partner-contoso', 0, (e) => ({
      ...e,
      metadata: { ...e.metadata, hash: 'f'.repeat(64) },
    }));
    const report = await verifyHistory(store2, { partnerId: 'contoso' });
    expect(report.breaks.map((b) => [b.revision, b.kind])).toEqual([
      [0, 'hash-mismatch'],
      [1, 'chain-broken'],
    ]);
  });

  it('finds a removed event and a missing hash', async () => {
    const removed = await verifyHistory(edit('partner-contoso', 1, () => null));
    expect(removed.breaks).toEqual([
      expect.objectContaining({
        stream: 'partner-contoso',
        revision: 2,
        kind: 'chain-broken',
        detail: expect.stringMatching(/expected revision 1/),
      }),
    ]);
    const unhashed = await verifyHistory(
      edit('customer-c1', 0, (e) => {
        const { hash: _hash, ...metadata } = e.metadata;
        return { ...e, metadata };
      }),
    );
    expect(unhashed.breaks).toEqual([
      expect.objectContaining({ stream: 'customer-c1', revision: 0, kind: 'missing-hash', found: null }),
    ]);
  });

  it('a first event must chain to GENESIS', async () => {
    const report = await verifyHistory(
      edit('partner-fabrikam', 0, (e) => ({ ...e, metadata: { ...e.metadata, prevHash: '1'.repeat(64) } })),
    );
    expect(report.breaks.map((b) => b.kind)).toEqual(['hash-mismatch', 'chain-broken']);
    expect(report.breaks[1].expected).toBe(GENESIS_HASH);
  });

  // Regression: a partner id no stream belongs to (a typo) was reported ok with 0 events.
  it('refuses a partner no event concerns (partner-not-found), unless a break could be its own', async () => {
    const typo = verifyHistory(store, { partnerId: 'contosso' });
    await expect(typo).rejects.toBeInstanceOf(AuditNotFoundError);
    await expect(typo).rejects.toMatchObject({ code: 'partner-not-found', facts: { partnerId: 'contosso' } });
    const empty = await memoryStore();
    await expect(verifyHistory(empty, { partnerId: 'contoso' })).rejects.toMatchObject({
      code: 'partner-not-found',
    });
    expect(await verifyHistory(empty)).toMatchObject({ ok: true, eventsChecked: 0 });
    await empty.close();
    // An edit may have taken the very id out of its only stream: such a log is reported broken.
    const moved = edit('customer-c1', 1, (e) => ({ ...e, data: { ...e.data, partnerId: 'fabrikam' } }));
    expect(await verifyHistory(moved, { partnerId: 'contosso' })).toMatchObject({
      ok: false,
      eventsChecked: 0,
      breaksOutsideScope: 1,
    });
  });

  it('reports progress per batch', async () => {
    const progress: number[] = [];
    await verifyHistory(store, { batchSize: 3, onProgress: (p) => progress.push(p.eventsScanned) });
    expect(progress).toEqual([3, 6, 8]);
  });
});
