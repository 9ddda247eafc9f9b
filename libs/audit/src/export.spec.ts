import type { EventStore } from '@pc/event-store';
import { appendChained, memoryStore, pipelineOver, platformActor, registerPartner } from './testing/fixtures';
import { AuditNotFoundError } from './errors';
import { exportManifest, startExport } from './export';
import { verifyHistory } from './verify';

const drain = async (lines: AsyncGenerator<string>): Promise<string[]> => {
  const all: string[] = [];
  for await (const line of lines) all.push(line);
  return all;
};

/** The refusal a promise ends with (to compare two readers' refusals field by field). */
const refusal = async (promise: Promise<unknown>): Promise<AuditNotFoundError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuditNotFoundError) return error;
    throw error;
  }
  throw new Error('expected an AuditNotFoundError');
};

describe('startExport / exportManifest for one partner', () => {
  let store: EventStore;
  /** The head before fabrikam registered. */
  let bound: string | null;

  beforeAll(async () => {
    store = await memoryStore();
    await registerPartner(pipelineOver(store), 'contoso', '2026-01-05T09:00:00.000Z');
    await appendChained(
      store,
      'customer-c1',
      [{ type: 'CustomerLinked', data: { customerId: 'c1', partnerId: 'contoso' } }],
      platformActor,
      '2026-01-06T00:00:00Z',
    );
    bound = await store.headPosition();
    await registerPartner(pipelineOver(store), 'fabrikam', '2026-01-07T09:00:00.000Z');
  });
  afterAll(() => store.close());

  // Regression: a partnerId no event concerns (a typo) exported an empty file and a manifest of 0
  // events, while verify of the same partner is refused as partner-not-found.
  it("refuses a partner no event concerns with verify's refusal (partner-not-found), before any line", async () => {
    const fromVerify = await refusal(verifyHistory(store, { partnerId: 'contosso' }));
    const fromExport = await refusal(startExport(store, { partnerId: 'contosso', exportedAt: 'x' }));
    const fromManifest = await refusal(exportManifest(store, { partnerId: 'contosso', exportedAt: 'x' }));
    for (const error of [fromExport, fromManifest]) {
      expect(error).toMatchObject({
        code: 'partner-not-found',
        message: fromVerify.message,
        facts: { partnerId: 'contosso' },
      });
    }
    expect(fromVerify.message).toContain("Partner 'contosso' was not found");
  });

  it('refuses a partner on an empty store, and one whose events all come after the bound', async () => {
    const empty = await memoryStore();
    await expect(startExport(empty, { partnerId: 'contoso', exportedAt: 'x' })).rejects.toMatchObject({
      code: 'partner-not-found',
    });
    await empty.close();
    // fabrikam registered after the bound: no event under it concerns fabrikam.
    await expect(
      startExport(store, { partnerId: 'fabrikam', exportedAt: 'x', upToPosition: bound }),
    ).rejects.toMatchObject({ code: 'partner-not-found', facts: { partnerId: 'fabrikam' } });
    await expect(verifyHistory(store, { partnerId: 'fabrikam', upToPosition: bound })).rejects.toMatchObject({
      code: 'partner-not-found',
    });
    expect(await exportManifest(store, { partnerId: 'fabrikam', exportedAt: 'x' })).toMatchObject({
      eventCount: 3,
    });
  });

  it('exports a partner that exists as before: its streams, whole', async () => {
    const run = await startExport(store, { partnerId: 'contoso', exportedAt: 'x' });
    const lines = await drain(run.lines());
    const manifest = run.manifest();
    expect(manifest).toMatchObject({ filter: { partnerId: 'contoso' }, eventCount: lines.length });
    expect(Object.keys(manifest.streams)).toEqual(['customer-c1', 'partner-contoso']);
    expect(await exportManifest(store, { partnerId: 'contoso', exportedAt: 'x' })).toEqual(manifest);
    const whole = await startExport(store, { exportedAt: 'x', upToPosition: bound });
    expect(await drain(whole.lines())).toEqual(lines);
  });
});
