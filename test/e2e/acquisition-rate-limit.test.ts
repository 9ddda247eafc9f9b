import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { backends } from '../support/backends';
import { actors, mintToken } from '../support/tokens';
import {
  codeOf,
  http,
  mintTokens,
  registerPartner,
  startAcquisitionApp,
} from '../scheduler/support/acquisition-world';

describe.each(backends)('invitation codes are rate limited per caller ($name)', (backend) => {
  let app: NestFastifyApplication;
  let tearDown: () => Promise<void>;
  const api = http(() => app);

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    // A small limit for this suite only: 3 guesses per minute and caller, then blocked for a minute.
    ({ app } = await startAcquisitionApp({
      ...setup.env,
      GUESSING_RATE_LIMIT: '3',
      GUESSING_RATE_WINDOW_SECONDS: '60',
    }));
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  it('answers 429 with Retry-After once a caller exceeds the limit; other callers are unaffected', async () => {
    const t = await mintTokens();
    await registerPartner(api, t.platform, 'contoso', 'jana', ['advisor']);
    const created = await api.post('/partners/contoso/trial-invites', t.jana, {
      offerId: 'office-business-basic',
    });
    const code = codeOf(created.body.url);

    const guesser = await mintToken({
      act: actors.platform('guesser'),
      scope: 'platform queries',
      sub: 'signup',
    });
    // Misses count as much as hits: that is what a guesser produces.
    expect((await api.get('/invitations/AAAAAAAAAAAAAAAAAAAAAA', guesser)).status).toBe(404);
    expect((await api.get('/invitations/BBBBBBBBBBBBBBBBBBBBBB', guesser)).status).toBe(404);
    expect((await api.get(`/invitations/${code}`, guesser)).status).toBe(200);

    const blocked = await api.get(`/invitations/${code}`, guesser);
    expect(blocked.status).toBe(429);
    expect(blocked.headers['content-type']).toContain('application/problem+json');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(blocked.body).toMatchObject({ status: 429 });

    // Redemption is limited too.
    for (let i = 0; i < 3; i++) {
      expect((await api.post('/invitations/CCCCCCCCCCCCCCCCCCCCCC/redeem', guesser, {})).status).toBe(404);
    }
    expect((await api.post('/invitations/CCCCCCCCCCCCCCCCCCCCCC/redeem', guesser, {})).status).toBe(429);

    // Keyed on the caller: someone else still resolves the code.
    expect((await api.get(`/invitations/${code}`, t.signup)).status).toBe(200);
  });
});
