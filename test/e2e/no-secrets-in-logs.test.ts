import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventStore, RecordedEvent } from '@pc/event-store';
import { createApp } from '../../apps/api/src/app.module';
import { EVENT_STORE, ManualClock } from '../../apps/api/src/platform';
import { SchedulerService } from '../../apps/api/src/scheduler/scheduler.service';
import { backends } from '../support/backends';
import { call, type TestResponse } from '../support/http';
import { withClient } from '../support/postgres';
import { actors, mintToken, unsignedToken } from '../support/tokens';
import { PUBLIC_BASE_URL, START, codeOf, customerToken, http } from '../scheduler/support/acquisition-world';

/**
 * "Secrets, passwords, product keys and personal data never reach logs; product keys are stored hashed.
 * Every event carries who, on whose behalf, when, and which command caused it."
 *
 * The real app logs at the most verbose level (LOG_LEVEL=trace, request logging on) into a captured
 * stdout/stderr while every flow that carries a secret or personal data runs, successful and failing:
 * registration, users, profile changes, invitations and offers and their redemption, product keys
 * (registered, applied, malformed, unknown, reused, in broken JSON), password resets, idempotent replays
 * and conflicts, validation errors, domain refusals, bad tokens, personal data in query strings, a
 * scheduled command. Every distinctive value sent or handed out is then looked for, in every form it
 * could take, in the log, in problem bodies and in storage (the raw SQLite files, WAL included, or every
 * row of the PostgreSQL schema).
 */

type Kind = 'product-key' | 'password' | 'token' | 'email' | 'phone' | 'name' | 'invitation-code';

interface Secret {
  kind: Kind;
  label: string;
  forms: string[];
}

const keyForms = (key: string): string[] => {
  const normalised = key.replace(/[-\s]/g, '').toUpperCase();
  return [key, key.toUpperCase(), key.toLowerCase(), normalised, normalised.toLowerCase()];
};

function formsOf(kind: Kind, value: string): string[] {
  switch (kind) {
    case 'product-key':
      return keyForms(value);
    case 'email':
      return [value, value.toLowerCase(), encodeURIComponent(value)];
    case 'phone':
      return [value, value.replace(/\s/g, '')];
    case 'token': {
      const [, payload = '', signature = ''] = value.split('.');
      return [value, payload, signature].filter((part) => part.length >= 16);
    }
    default:
      return [value];
  }
}

class Secrets {
  readonly all: Secret[] = [];
  add<T extends string>(kind: Kind, label: string, value: T): T {
    this.all.push({ kind, label, forms: [...new Set(formsOf(kind, value))] });
    return value;
  }
  /** `kind label: form` for each form of the given kinds found in the text. */
  foundIn(text: string, kinds?: Kind[]): string[] {
    return this.all
      .filter((secret) => kinds === undefined || kinds.includes(secret.kind))
      .flatMap((secret) =>
        secret.forms
          .filter((form) => text.includes(form))
          .map((form) => `${secret.kind} ${secret.label}: ${form}`),
      );
  }
}

const LINE = { offerId: 'office-business-standard', seats: 10, termMonths: 12 };

describe.each(backends)(
  'no secrets or personal data in logs, problem bodies or storage ($name)',
  (backend) => {
    let app: NestFastifyApplication;
    let clock: ManualClock;
    let env: Record<string, string>;
    let tearDown: () => Promise<void>;
    const api = http(() => app);
    const secrets = new Secrets();
    const logged: string[] = [];
    const responses: Array<{ what: string; response: TestResponse }> = [];
    const spies: jest.SpyInstance[] = [];

    /** Every answer is kept for the problem-body checks. */
    const track = (what: string, response: TestResponse): TestResponse => {
      responses.push({ what, response });
      return response;
    };
    const post = async (url: string, token: string, body?: unknown, headers?: Record<string, string>) =>
      track(`POST ${url}`, await api.post(url, token, body, headers));
    const get = async (url: string, token: string) => track(`GET ${url}`, await api.get(url, token));
    const raw = async (method: 'GET' | 'POST', url: string, options: Parameters<typeof call>[3]) =>
      track(`${method} ${url}`, await call(app, method, url, options));

    beforeAll(async () => {
      const setup = await backend.setUp();
      env = setup.env;
      tearDown = setup.tearDown;
      const capture = (chunk: string | Uint8Array) =>
        logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      // pino writes to process.stdout itself once its write has been replaced (else straight to fd 1).
      spies.push(
        jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
          capture(chunk);
          return true;
        }),
      );
      const stderrWrite = process.stderr.write.bind(process.stderr);
      spies.push(
        jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
          capture(chunk);
          return stderrWrite(chunk);
        }),
      );
      clock = new ManualClock(START);
      app = await createApp({
        env: {
          NODE_ENV: 'test',
          PUBLIC_BASE_URL,
          GUESSING_RATE_LIMIT: '1000',
          SCHEDULER_INTERVAL_MS: '0',
          ...env,
          LOG_LEVEL: 'trace',
        },
        clock,
        logger: true,
      });
    });

    afterAll(async () => {
      await app?.close();
      for (const spy of spies) spy.mockRestore();
      await tearDown?.();
    });

    it('runs every flow that carries a secret or personal data, successful and refused', async () => {
      const mint = async (label: string, options: Parameters<typeof mintToken>[0]) =>
        secrets.add('token', label, await mintToken(options));
      const platform = await mint('platform', {
        act: actors.platform('ops'),
        scope: 'platform queries audit',
        sub: 'onboarding-service',
      });
      const signup = await mint('signup', {
        act: actors.platform('signup'),
        scope: 'platform',
        sub: 'signup-service',
      });
      const jana = await mint('jana', { act: actors.partnerUser('zqpartner', 'jana'), sub: 'admin-center' });
      const felix = await mint('felix', {
        act: actors.partnerUser('zqpartner', 'felix'),
        sub: 'admin-center',
      });

      // A partner with its company profile and first user; a keyed registration, replayed, then reused.
      const profile = {
        legalName: secrets.add('name', 'legal name', 'Zquorvantis Holdings s.r.o.'),
        address: {
          line1: secrets.add('name', 'address', 'Qwyxstrasse 77'),
          city: 'Bratislava',
          country: 'SK',
        },
        phone: secrets.add('phone', 'partner', '+421 2 9753 1864'),
        email: secrets.add('email', 'partner', 'Office.Zq7@zquorvantis.example'),
      };
      const firstUser = {
        userId: 'jana',
        email: secrets.add('email', 'jana', 'jana.zqx19@zquorvantis.example'),
        displayName: secrets.add('name', 'jana', 'Janqa Zvolenskyova'),
      };
      const registration = { partnerId: 'zqpartner', profile, firstUser };
      const keyed = { 'Idempotency-Key': 'zq-registration' };
      expect((await post('/partners', platform, registration, keyed)).status).toBe(201);
      expect((await post('/partners', platform, registration, keyed)).headers['idempotent-replayed']).toBe(
        'true',
      );
      const reused = await post(
        '/partners',
        platform,
        {
          ...registration,
          profile: { ...profile, phone: secrets.add('phone', 'reused', '+421 2 5555 8642') },
        },
        keyed,
      );
      expect(reused.status).toBe(422);
      for (const authorization of ['advisor', 'delegated-admin-certified']) {
        expect(
          (await post('/partners/zqpartner/authorizations/grant', platform, { authorization })).status,
        ).toBe(201);
      }
      const profileChange = {
        phone: secrets.add('phone', 'new partner', '+421 2 1357 2468'),
        email: secrets.add('email', 'new partner', 'billing.zq8@zquorvantis.example'),
      };
      expect((await post('/partners/zqpartner/profile', jana, profileChange)).status).toBe(201);

      // Partner users: created, renamed, a duplicate e-mail (refused) and invalid fields (400).
      const felixUser = {
        userId: 'felix',
        email: secrets.add('email', 'felix', 'felix.qzw42@zquorvantis.example'),
        displayName: secrets.add('name', 'felix', 'Felqix Hrubzyk'),
      };
      expect((await post('/partners/zqpartner/users', jana, felixUser)).status).toBe(201);
      const role = { scope: 'customers', role: 'full' };
      expect((await post('/partners/zqpartner/users/felix/roles/assign', jana, role)).status).toBe(201);
      const renamed = {
        email: secrets.add('email', 'felix renamed', 'felix.new.qzw43@zquorvantis.example'),
        displayName: secrets.add('name', 'felix renamed', 'Felqix Hrubzyk-Novy'),
      };
      expect((await post('/partners/zqpartner/users/felix', jana, renamed)).status).toBe(201);
      const duplicate = await post('/partners/zqpartner/users', jana, {
        userId: 'dup',
        email: firstUser.email,
        displayName: secrets.add('name', 'duplicate', 'Dupqa Wyxlova'),
      });
      expect(duplicate.status).toBe(409);
      const invalid = await post('/partners/zqpartner/users', jana, {
        userId: 'bad',
        email: secrets.add('email', 'invalid', 'not-an-email-zqbad@@zquorvantis'),
        displayName: secrets.add('name', 'invalid', 'Badqa Wyxlova'),
        phone: secrets.add('phone', 'unknown field', '+421 9 8642 9753'),
      });
      expect(invalid.status).toBe(400);
      const brokenJson = await raw('POST', '/partners/zqpartner/users', {
        token: jana,
        rawBody: `{"email":"${secrets.add('email', 'broken JSON', 'badjson.zq71@zquorvantis.example')}" "displayName": "x"}`,
      });
      expect(brokenJson.status).toBe(400);

      // A trial invite (keyed, replayed) and a purchase offer; their codes are bearer secrets.
      const inviteBody = {
        offerId: 'office-business-basic',
        includeDelegatedAdmin: true,
        delegation: { access: 'limited' },
      };
      const invite = await post('/partners/zqpartner/trial-invites', jana, inviteBody, {
        'Idempotency-Key': 'zq-invite',
      });
      expect(invite.status).toBe(201);
      const inviteCode = secrets.add('invitation-code', 'trial invite', codeOf(invite.body.url));
      const replayedInvite = await post('/partners/zqpartner/trial-invites', jana, inviteBody, {
        'Idempotency-Key': 'zq-invite',
      });
      expect(replayedInvite.body.url).toBe(invite.body.url);
      const offer = await post('/partners/zqpartner/purchase-offers', jana, {
        lines: [{ offerId: 'office-business-standard', licenses: 10 }],
      });
      expect(offer.status).toBe(201);
      const offerCode = secrets.add('invitation-code', 'purchase offer', codeOf(offer.body.url));
      expect((await get(`/invitations/${inviteCode}`, signup)).status).toBe(200);
      const query = encodeURIComponent(
        secrets.add('email', 'query string', 'query.zq99@zquorvantis.example'),
      );
      // Refused (the route takes no query), and the query string is still neither logged nor echoed.
      expect((await get(`/invitations/${inviteCode}?email=${query}`, signup)).status).toBe(400);
      const newCustomer = (company: string, domain: string, name: string, email: string) => ({
        companyName: company,
        primaryDomain: domain,
        country: 'SK',
        adminContact: {
          name: secrets.add('name', `${domain} admin`, name),
          email: secrets.add('email', domain, email),
        },
      });
      const redeemed = await post(`/invitations/${inviteCode}/redeem`, signup, {
        customerId: 'zqalpha',
        newCustomer: newCustomer(
          'Alphazq s.r.o.',
          'alphazq.example',
          'Alqena Horvyzqova',
          'alena.zq31@alphazq.example',
        ),
        acceptDelegatedAdmin: true,
      });
      expect(redeemed.status).toBe(201);
      const wrongCode = secrets.add('invitation-code', 'unknown', 'ZQWRONGCODE0123456789abc');
      expect((await post(`/invitations/${wrongCode}/redeem`, signup, { customerId: 'zqx' })).status).toBe(
        404,
      );
      const accepted = await post(`/invitations/${offerCode}/accept`, signup, {
        customerId: 'zqbeta',
        newCustomer: newCustomer(
          'Betazq s.r.o.',
          'betazq.example',
          'Bequla Strzqova',
          'bequla.zq41@betazq.example',
        ),
      });
      expect(accepted.status).toBe(201);

      // A customer user and password resets: the customer's admin (keyed, replayed) and the delegated partner.
      const alphaAdmin = await customerToken(
        'zqalpha',
        String((redeemed.body.ids as Record<string, string>).userId),
      );
      secrets.add('token', 'alpha admin', alphaAdmin);
      const bob = {
        userId: 'bob',
        email: secrets.add('email', 'bob', 'bob.zq51@alphazq.example'),
        displayName: secrets.add('name', 'bob', 'Bobqz Kovaczq'),
      };
      expect((await post('/customers/zqalpha/users', alphaAdmin, bob)).status).toBe(201);
      const passwords: string[] = [];
      const resetKey = { 'Idempotency-Key': 'zq-reset' };
      for (const [token, headers] of [
        [alphaAdmin, resetKey],
        [alphaAdmin, resetKey],
        [felix, {}],
      ] as const) {
        const reset = await post('/customers/zqalpha/users/bob/reset-password', token, {}, headers);
        expect(reset.status).toBe(201);
        const password = (reset.body.returned as Record<string, string> | undefined)?.temporaryPassword;
        if (password !== undefined)
          passwords.push(secrets.add('password', `temporary ${passwords.length}`, password));
      }
      expect(passwords).toHaveLength(2);

      // Product keys: registered (keyed, replayed, reused), duplicate, malformed, applied, reused, unknown.
      const key = secrets.add('product-key', 'main', 'PCKEY-AAAAA-BBBBB-CCCCC-DDDDD');
      const key2 = secrets.add('product-key', 'second', 'PCKEZ-QQQQQ-WWWWW-EEEEE-RRRRR');
      const batch = {
        batchId: 'zqb1',
        keys: [
          { ...LINE, key },
          { ...LINE, key: key2.toLowerCase() },
        ],
      };
      const keyedBatch = { 'Idempotency-Key': 'zq-keys' };
      expect((await post('/partners/zqpartner/product-keys', platform, batch, keyedBatch)).status).toBe(201);
      expect((await post('/partners/zqpartner/product-keys', platform, batch, keyedBatch)).status).toBe(201);
      const otherKey = secrets.add('product-key', 'reused key body', 'PCKEY-ZZZZZ-YYYYY-XXXXX-WWWWW');
      const reusedKey = await post(
        '/partners/zqpartner/product-keys',
        platform,
        { batchId: 'zqb1', keys: [{ ...LINE, key: otherKey }] },
        keyedBatch,
      );
      expect(reusedKey.status).toBe(422);
      const malformedKeys: Array<[string, number, Record<string, unknown>]> = [
        ['already registered', 409, { keys: [{ ...LINE, key }] }],
        [
          'malformed',
          400,
          { keys: [{ ...LINE, key: secrets.add('product-key', 'malformed', 'PCKEY-MALFO-RMEDK-EYZQ!') }] },
        ],
        [
          'too long',
          400,
          {
            keys: [
              { ...LINE, key: secrets.add('product-key', 'too long', `PCKEY-LONGG-${'ZQLONG'.repeat(12)}`) },
            ],
          },
        ],
        [
          'beside an unknown field',
          400,
          {
            productKey: secrets.add('product-key', 'unknown field', 'PCKEY-UNKNO-WNFIE-LDZQZ-22222'),
            keys: [
              {
                ...LINE,
                key: secrets.add('product-key', 'bad seats', 'PCKEY-SEATS-NOTIN-TZQZQ-33333'),
                seats: 'ten',
              },
            ],
          },
        ],
      ];
      for (const [what, status, body] of malformedKeys) {
        expect([what, (await post('/partners/zqpartner/product-keys', platform, body)).status]).toEqual([
          what,
          status,
        ]);
      }
      const applyTo = (body: Record<string, unknown>, headers?: Record<string, string>) =>
        post('/partners/zqpartner/product-keys/apply', felix, body, headers);
      const unknownKey = secrets.add('product-key', 'unknown', 'PCKEY-UNKNO-WNKEY-ZQZQZ-44444');
      expect((await applyTo({ key: unknownKey, customerId: 'zqalpha' })).status).toBe(404);
      const shortKey = secrets.add('product-key', 'short', 'PCKEY-BADFO-RMAT');
      expect((await applyTo({ key: shortKey, customerId: 'zqalpha' })).status).toBe(400);
      const keyedApply = { 'Idempotency-Key': 'zq-apply' };
      expect((await applyTo({ key, customerId: 'zqalpha' }, keyedApply)).status).toBe(201);
      expect((await applyTo({ key, customerId: 'zqalpha' }, keyedApply)).status).toBe(201);
      expect((await applyTo({ key, customerId: 'zqalpha' })).status).toBe(409);
      const gamma = newCustomer(
        'Gammazq s.r.o.',
        'gammazq.example',
        'Gamqa Trzqova',
        'gamqa.zq61@gammazq.example',
      );
      expect((await applyTo({ key: key2, newCustomer: gamma })).status).toBe(201);
      const inBrokenJson = secrets.add('product-key', 'broken JSON', 'PCKEY-BADJS-ONZQZ-QZQZQ-55555');
      const broken = await raw('POST', '/partners/zqpartner/product-keys/apply', {
        token: felix,
        rawBody: `{"key":"${inBrokenJson}", "customerId": zqalpha}`,
      });
      expect(broken.status).toBe(400);
      const asText = secrets.add('product-key', 'text body', 'PCKEY-FORMX-TZQZQ-QZQZQ-77777');
      const text = await raw('POST', '/partners/zqpartner/product-keys/apply', {
        token: felix,
        headers: { 'content-type': 'text/plain' },
        rawBody: `key=${asText}`,
      });
      expect(text.status).toBeGreaterThanOrEqual(400);
      const withNul = secrets.add('product-key', 'with NUL', 'PCKEY-NULCH-ARZQZ-QZQZQ-99999');
      expect((await applyTo({ key: `${withNul}\u0000`, customerId: 'zqalpha' })).status).toBe(400);

      // Personal data in a query string.
      const search = encodeURIComponent(secrets.add('email', 'search', 'search.zq81@alphazq.example'));
      expect((await get(`/partners/zqpartner/clients?search=${search}`, jana)).status).toBe(200);

      // Tokens that are refused: none of them, nor any part of them, is logged.
      const refusedTokens = [
        await mint('expired', { act: actors.partnerUser('zqpartner', 'jana'), expiresIn: -3600 }),
        await mint('wrong key', {
          act: actors.partnerUser('zqpartner', 'jana'),
          secret: 'zq-not-the-service-key-zq-not-the-service-key',
        }),
        await mint('bad claims', {
          act: { kind: 'partner-user', id: 'jana', partnerId: 'zqpartner' },
          scope: 'zqscope-unknown',
        }),
        secrets.add('token', 'unsigned', unsignedToken({ act: actors.platform('zqops') })),
        secrets.add('token', 'garbage', 'zqgarbagetokenQQQQQQQQ.notajwtQQQQQQQQQQ.ZQSIGZQSIGZQSIGZQSIG'),
      ];
      for (const token of refusedTokens) expect((await get('/partners/zqpartner', token)).status).toBe(401);
      const inQuery = await raw('GET', `/partners/zqpartner?access_token=${jana}`, {});
      expect(inQuery.status).toBe(401);

      // A scheduled command (an invite expiring) logs what it did.
      const expiring = await post('/partners/zqpartner/trial-invites', jana, {
        inviteId: 'zq-expiring',
        offerId: 'office-business-premium',
        expiresAt: '2026-01-06',
      });
      expect(expiring.status).toBe(201);
      secrets.add('invitation-code', 'expiring invite', codeOf(expiring.body.url));
      clock.advance({ days: 2 });
      const tick = await app.get(SchedulerService).tick();
      expect(tick.actions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ commandType: 'ExpireTrialInvite', outcome: 'applied' }),
        ]),
      );
    });

    it('logs every request, and no secret, password, key, token or personal data in any form', () => {
      const log = logged.join('');
      // The capture works and is verbose: requests, refusals and the scheduler are in it.
      expect(log).toContain('"msg":"request completed"');
      expect(log).toContain('/partners/zqpartner/product-keys/apply');
      expect(log).toContain('/customers/zqalpha/users/bob/reset-password');
      expect(log).toContain('/invitations/[redacted]');
      expect(log).toContain('scheduled command issued');
      expect(secrets.foundIn(log)).toEqual([]);
    });

    it('no problem body echoes a product key, password or token; no validation problem echoes any value sent', () => {
      const problems = responses.filter(({ response }) => response.status >= 400);
      expect(problems.length).toBeGreaterThan(20);
      const leaks = problems.flatMap(({ what, response }) =>
        secrets
          .foundIn(response.text, ['product-key', 'password', 'token'])
          .concat(response.status === 400 ? secrets.foundIn(response.text, ['email', 'phone', 'name']) : [])
          .map((leak) => `${what} ${response.status}: ${leak}`),
      );
      expect(leaks).toEqual([]);
    });

    it('stores no plaintext product key, temporary password or token; idempotent answers hold no code or secret', async () => {
      const stored = await storageText(backend.name, env);
      expect(stored.all.length).toBeGreaterThan(1000);
      // Product keys are there as hashes only (and their last five characters).
      expect(stored.all).toMatch(/product-key-[0-9a-f]{64}/);
      expect(secrets.foundIn(stored.all, ['product-key', 'password', 'token'])).toEqual([]);
      expect(stored.idempotency).toContain('zq-apply');
      expect(
        secrets.foundIn(stored.idempotency, ['invitation-code', 'password', 'product-key', 'token']),
      ).toEqual([]);
      expect(stored.idempotency).not.toContain('temporaryPassword');
      expect(stored.idempotency).not.toContain('/invitations/');
    });

    it('every stored event carries who, on whose behalf, when and which command caused it', async () => {
      const events: RecordedEvent[] = await app.get<EventStore>(EVENT_STORE).readAll();
      expect(events.length).toBeGreaterThan(30);
      const ids = new Set(events.map((event) => event.id));
      const commandIds = new Set(events.map((event) => event.metadata.commandId));
      const incomplete = events.flatMap((event) => {
        const m = event.metadata as Record<string, unknown>;
        const actor = m.actor as Record<string, unknown> | undefined;
        const service = m.service as Record<string, unknown> | undefined;
        const missing = [
          typeof m.commandId === 'string' && m.commandId !== '' ? null : 'commandId',
          typeof m.commandType === 'string' && m.commandType !== '' ? null : 'commandType',
          typeof m.correlationId === 'string' && m.correlationId !== '' ? null : 'correlationId',
          // Caused by the command itself, or (a scheduled command) by the event that scheduled it.
          typeof m.causationId === 'string' && (commandIds.has(m.causationId) || ids.has(m.causationId))
            ? null
            : 'causationId',
          typeof actor?.kind === 'string' && typeof actor?.id === 'string' ? null : 'actor',
          actor?.kind === 'partner-user' && typeof actor.partnerId !== 'string' ? 'actor.partnerId' : null,
          actor?.kind === 'customer-user' && typeof actor.customerId !== 'string' ? 'actor.customerId' : null,
          typeof service?.id === 'string' ? null : 'service',
          typeof m.occurredAt === 'string' && !Number.isNaN(Date.parse(m.occurredAt)) ? null : 'occurredAt',
        ].filter((field): field is string => field !== null);
        return missing.length > 0
          ? [`${event.streamName}@${event.revision} ${event.type}: ${missing.join(', ')}`]
          : [];
      });
      expect(incomplete).toEqual([]);
      // Spot checks: the delegated partner's reset names the partner user, the scheduled expiry the scheduler.
      const resets = events.filter((event) => event.type === 'CustomerUserPasswordReset');
      expect(resets.map((event) => event.metadata.actor)).toContainEqual(
        actors.partnerUser('zqpartner', 'felix'),
      );
      const expired = events.find((event) => event.type === 'TrialInviteExpired');
      expect(expired?.metadata).toMatchObject({
        actor: { id: 'scheduler' },
        occurredAt: '2026-01-07T09:00:00.000Z',
      });
      expect(expired?.metadata.correlationId).toBe(
        events.find(
          (event) => event.type === 'TrialInviteCreated' && event.streamName === 'trial-invite-zq-expiring',
        )?.metadata.correlationId,
      );
    });
  },
);

/** Everything the backend stores, as text: the raw SQLite files (WAL included) or every PostgreSQL row. */
async function storageText(
  backend: 'sqlite' | 'postgres',
  env: Record<string, string>,
): Promise<{ all: string; idempotency: string }> {
  if (backend === 'sqlite') {
    const dir = dirname(env.EVENT_STORE_PATH as string);
    const files = readdirSync(dir).map((name) => ({
      name,
      text: readFileSync(join(dir, name)).toString('latin1'),
    }));
    return {
      all: files.map((file) => file.text).join('\n'),
      idempotency: files
        .filter((file) => file.name.includes('.idempotency'))
        .map((file) => file.text)
        .join('\n'),
    };
  }
  const schemas = [...new Set([env.EVENT_STORE_SCHEMA, env.READ_MODEL_SCHEMA])];
  return withClient(async (client) => {
    const tables: Record<string, string> = {};
    for (const schema of schemas) {
      const { rows } = await client.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
        [schema],
      );
      for (const { table_name } of rows) {
        const dump = await client.query<{ row: string }>(
          `SELECT row_to_json(t)::text AS row FROM "${schema}"."${table_name}" t`,
        );
        tables[`${schema}.${table_name}`] = dump.rows.map((r) => r.row).join('\n');
      }
    }
    return {
      all: Object.values(tables).join('\n'),
      idempotency: Object.entries(tables)
        .filter(([name]) => name.endsWith('.idempotency_keys'))
        .map(([, rows]) => rows)
        .join('\n'),
    };
  });
}
