import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../apps/api/src/app.module';
import { ManualClock } from '../../apps/api/src/platform';
import { backends } from '../support/backends';
import { actors, mintToken } from '../support/tokens';
import {
  PUBLIC_BASE_URL,
  START,
  customerToken,
  http,
  mintTokens,
  registerPartner,
} from '../scheduler/support/acquisition-world';

const KEY = 'LOGGD-AAAAA-BBBBB-CCCCC-00001';
const UNKNOWN = ['ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-00001', 'ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-00002'];
const forms = (key: string): string[] => [key, key.replace(/-/g, ''), key.toLowerCase()];

/**
 * Product-key application is a guessable endpoint: a small limit for this suite only (3 per minute and
 * caller). The app logs at trace level into a captured stdout, to show that neither plaintext keys nor
 * temporary passwords reach the logs.
 */
describe.each(backends)('product keys: rate limit and secrets kept out of the logs ($name)', (backend) => {
  let app: NestFastifyApplication;
  let tearDown: () => Promise<void>;
  const api = http(() => app);
  const logged: string[] = [];
  let stdout: jest.SpyInstance | undefined;

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    process.env.SCHEDULER_INTERVAL_MS = '0';
    // pino writes to process.stdout itself once its write has been replaced (else straight to fd 1).
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    app = await createApp({
      env: {
        NODE_ENV: 'test',
        PUBLIC_BASE_URL,
        ...setup.env,
        LOG_LEVEL: 'trace',
        GUESSING_RATE_LIMIT: '3',
        GUESSING_RATE_WINDOW_SECONDS: '60',
      },
      clock: new ManualClock(START),
      logger: true,
    });
  });

  afterAll(async () => {
    await app?.close();
    stdout?.mockRestore();
    await tearDown?.();
  });

  it('answers 429 with Retry-After over the limit, per caller; no key, temporary password or invitation code is logged', async () => {
    const t = await mintTokens();
    await registerPartner(api, t.platform, 'contoso', 'jana', ['advisor']);
    const registered = await api.post('/partners/contoso/product-keys', t.platform, {
      keys: [{ key: KEY, offerId: 'office-business-basic', seats: 5, termMonths: 12 }],
    });
    expect(registered.status).toBe(201);

    const apply = (key: string, customerId: string) =>
      api.post('/partners/contoso/product-keys/apply', t.jana, {
        key,
        customerId,
        newCustomer: {
          companyName: 'Logged s.r.o.',
          primaryDomain: `${customerId}.example`,
          country: 'SK',
          adminContact: { name: 'Admin', email: `admin@${customerId}.example` },
        },
      });
    const applied = await apply(KEY, 'logged');
    expect(applied.status).toBe(201);
    // Misses count as much as hits: that is what a guesser produces.
    expect((await apply(UNKNOWN[0] as string, 'miss-1')).status).toBe(404);
    expect((await apply(UNKNOWN[1] as string, 'miss-2')).status).toBe(404);
    const blocked = await apply(UNKNOWN[0] as string, 'miss-3');
    expect(blocked.status).toBe(429);
    expect(blocked.headers['content-type']).toContain('application/problem+json');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);

    // Keyed on the caller: another user of the partner still applies (and misses).
    await api.post('/partners/contoso/users', t.jana, {
      userId: 'felix',
      email: 'felix@contoso.example',
      displayName: 'Felix',
    });
    await api.post('/partners/contoso/users/felix/roles/assign', t.jana, {
      scope: 'customers',
      role: 'full',
    });
    const felix = await mintToken({ act: actors.partnerUser('contoso', 'felix'), sub: 'admin-center' });
    const other = await api.post('/partners/contoso/product-keys/apply', felix, {
      key: UNKNOWN[1],
      customerId: 'x',
    });
    expect(other.status).toBe(404);
    // Registration is not a guessing endpoint.
    const more = await api.post('/partners/contoso/product-keys', t.platform, {
      keys: [
        { key: 'LOGGD-AAAAA-BBBBB-CCCCC-00002', offerId: 'office-business-basic', seats: 5, termMonths: 12 },
      ],
    });
    expect(more.status).toBe(201);

    // A temporary password, handed out by the customer's own admin, for the log check below.
    const ids = applied.body.ids as Record<string, string>;
    const admin = await customerToken('logged', ids.userId as string);
    await api.post('/customers/logged/users', admin, {
      userId: 'bob',
      email: 'bob@logged.example',
      displayName: 'Bob',
    });
    const reset = await api.post('/customers/logged/users/bob/reset-password', admin);
    expect(reset.status).toBe(201);
    const password = (reset.body.returned as Record<string, string>).temporaryPassword as string;

    // An invitation code is a bearer secret too: whoever holds the URL may redeem it.
    const invite = await api.post('/partners/contoso/trial-invites', t.jana, {
      inviteId: 'inv-logged',
      offerId: 'office-business-basic',
    });
    expect(invite.status).toBe(201);
    const code = String(invite.body.url).split('/').pop() as string;
    expect((await api.get(`/invitations/${code}`, t.jana)).status).toBe(200);

    const log = logged.join('');
    expect(log).toContain('/invitations/[redacted]');
    expect(log).not.toContain(code);
    // The capture works: the requests above are in it.
    expect(log).toContain('/partners/contoso/product-keys/apply');
    expect(log).toContain('/customers/logged/users/bob/reset-password');
    for (const key of [KEY, ...UNKNOWN, 'LOGGD-AAAAA-BBBBB-CCCCC-00002']) {
      for (const form of forms(key)) expect(log).not.toContain(form);
    }
    expect(log).not.toContain(password);
  });
});
