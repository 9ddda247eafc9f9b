import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  http,
  mintTokens,
  registerPartner,
  startAcquisitionApp,
  type Tokens,
} from '../scheduler/support/acquisition-world';
import { backends } from '../support/backends';
import { ReadWorld } from './world';

/**
 * The overview's `reverifyFields` over HTTP through a verification cycle: null while the profile was
 * never verified and whenever no re-verification is pending; while one is, every field that asked for
 * it since the last verification, across a rejection (regression: each request replaced the list
 * before it, and a rejection cleared it).
 */
describe.each(backends)('partner overview: fields waiting for re-verification ($name)', (backend) => {
  let app: NestFastifyApplication;
  let tearDown: () => Promise<void>;
  let t: Tokens;
  const w = new ReadWorld(() => app);

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    ({ app } = await startAcquisitionApp(setup.env));
    t = await mintTokens();
    w.saw(
      await registerPartner(
        http(() => app),
        t.platform,
        'contoso',
        'jana',
        [],
      ),
    );
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  const shown = async () => {
    const res = await w.read<{ verification: string; reverifyFields: string[] | null }>(
      '/partners/contoso/overview',
      t.jana,
    );
    expect(res.status).toBe(200);
    return [res.body.verification, res.body.reverifyFields];
  };
  const change = (changes: Record<string, unknown>) =>
    w.command('/partners/contoso/profile', t.jana, changes);

  it('follows a verification, two changes, a rejection and a third change', async () => {
    await change({ legalName: 'Contoso a.s.' });
    expect(await shown()).toEqual(['pending', null]);
    await w.command('/partners/contoso/profile/verify', t.platform);
    expect(await shown()).toEqual(['verified', null]);
    await change({ legalName: 'Contoso Group a.s.' });
    await change({ address: { country: 'CZ' } });
    expect(await shown()).toEqual(['pending', ['legalName', 'address']]);
    await w.command('/partners/contoso/profile/reject', t.platform, { reason: 'Registry mismatch' });
    expect(await shown()).toEqual(['rejected', null]);
    await change({ legalName: 'Contoso Holding a.s.' });
    expect(await shown()).toEqual(['pending', ['legalName', 'address']]);
  });
});
