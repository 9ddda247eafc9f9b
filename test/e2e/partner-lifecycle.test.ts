import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventStore } from '@pc/event-store';
import { EVENT_STORE } from '../../apps/api/src/platform';
import { backends } from '../support/backends';
import { startApp } from '../support/backends';
import { call } from '../support/http';
import { actors, mintToken } from '../support/tokens';

const profile = {
  legalName: 'Contoso Partners s.r.o.',
  address: { line1: 'Hlavná 1', city: 'Bratislava', postalCode: '811 01', country: 'SK' },
  phone: '+421 2 1234 5678',
  email: 'office@contoso.example',
  website: 'https://contoso.example',
};

describe.each(backends)('partner lifecycle over HTTP ($name)', (backend) => {
  let app: NestFastifyApplication;
  let tearDown: () => Promise<void>;
  let platform: string;
  let admin: string;
  let peter: string;
  let outsider: string;

  beforeAll(async () => {
    const setup = await backend.setUp();
    tearDown = setup.tearDown;
    ({ app } = await startApp(setup.env));
    platform = await mintToken({
      act: actors.platform(),
      scope: 'platform queries',
      sub: 'onboarding-service',
    });
    admin = await mintToken({ act: actors.partnerUser('contoso', 'jana'), sub: 'admin-center' });
    peter = await mintToken({ act: actors.partnerUser('contoso', 'peter'), sub: 'admin-center' });
    outsider = await mintToken({ act: actors.partnerUser('fabrikam', 'eve'), sub: 'admin-center' });
  });

  afterAll(async () => {
    await app?.close();
    await tearDown?.();
  });

  const post = (url: string, token: string, body: unknown = {}, headers: Record<string, string> = {}) =>
    call(app, 'POST', url, { token, body, headers });
  const getPartner = (token = admin) => call(app, 'GET', '/partners/contoso', { token });

  it('registers a partner (platform), idempotently', async () => {
    const body = {
      partnerId: 'contoso',
      profile,
      firstUser: { userId: 'jana', email: 'jana@contoso.example', displayName: 'Jana Nováková' },
    };
    const first = await post('/partners', platform, body, { 'Idempotency-Key': 'register-contoso' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      ids: { partnerId: 'contoso', userId: 'jana' },
      revision: 2,
      events: ['PartnerRegistered', 'PartnerUserCreated', 'AdminRoleAssigned'],
      replayed: false,
    });
    expect(first.headers.etag).toBe('"2"');
    expect(typeof first.headers['x-position']).toBe('string');

    const again = await post('/partners', platform, body, { 'Idempotency-Key': 'register-contoso' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);

    const other = await post('/partners', platform, body, { 'Idempotency-Key': 'register-contoso-2' });
    expect(other.status).toBe(409);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.body).toMatchObject({
      type: expect.stringMatching(/\/errors\/partner-already-registered$/),
      status: 409,
    });
  });

  it('a partner user may not register partners', async () => {
    const res = await post('/partners', admin, {
      profile,
      firstUser: { email: 'x@y.example', displayName: 'X' },
    });
    expect(res.status).toBe(403);
  });

  it('shows the partner to its own users, pending verification, with the first user as global admin', async () => {
    const res = await getPartner();
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect(res.body).toMatchObject({
      partnerId: 'contoso',
      revision: 2,
      verification: 'pending',
      profile,
      users: [{ userId: 'jana', companyRole: 'global-admin', customerAccess: null, active: true }],
    });
  });

  it('hides the partner from other tenants (404, not 403)', async () => {
    expect((await getPartner(outsider)).status).toBe(404);
    const customer = await mintToken({ act: actors.customerUser('c1', 'cu1') });
    expect((await getPartner(customer)).status).toBe(404);
    const res = await post('/partners/contoso/users', outsider, { email: 'x@y.example', displayName: 'X' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ type: expect.stringMatching(/partner-not-found$/) });
    expect((await call(app, 'GET', '/partners/nobody', { token: platform })).status).toBe(404);
  });

  it('verification, profile edits and re-verification', async () => {
    expect((await post('/partners/contoso/profile/verify', platform)).status).toBe(201);
    expect((await getPartner()).body).toMatchObject({ verification: 'verified' });

    const phone = await post('/partners/contoso/profile', admin, { phone: '+421 900 111 222' });
    expect(phone.status).toBe(201);
    expect(phone.body).toMatchObject({ events: ['CompanyProfileUpdated'] });
    expect((await getPartner()).body).toMatchObject({
      verification: 'verified',
      profile: { phone: '+421 900 111 222' },
    });

    const renamed = await post('/partners/contoso/profile', admin, { legalName: 'Contoso SK a.s.' });
    expect(renamed.body).toMatchObject({
      events: ['CompanyProfileUpdated', 'CompanyProfileVerificationRequired'],
    });
    expect((await getPartner()).body).toMatchObject({
      verification: 'pending',
      profile: { legalName: 'Contoso SK a.s.' },
    });

    const rejected = await post('/partners/contoso/profile/reject', platform, {
      reason: 'Register mismatch',
    });
    expect(rejected.status).toBe(201);
    expect((await getPartner()).body).toMatchObject({
      verification: 'rejected',
      rejectionReason: 'Register mismatch',
    });

    // A partner user cannot verify its own profile.
    expect((await post('/partners/contoso/profile/verify', admin)).status).toBe(403);
  });

  it('the events record old and new values, who, on whose behalf, when and which command', async () => {
    const store = app.get<EventStore>(EVENT_STORE);
    const events = await store.readStream('partner-contoso');
    const update = events.find((e) => e.type === 'CompanyProfileUpdated');
    expect(update?.data).toEqual({
      partnerId: 'contoso',
      changes: { phone: { from: profile.phone, to: '+421 900 111 222' } },
    });
    expect(update?.metadata).toMatchObject({
      actor: { kind: 'partner-user', id: 'jana', partnerId: 'contoso' },
      service: { kind: 'service', id: 'admin-center' },
      commandType: 'UpdateCompanyProfile',
      occurredAt: '2026-01-05T09:00:00.000Z',
      schemaVersion: 1,
    });
    expect(update?.metadata.commandId).toEqual(expect.any(String));
    expect(update?.metadata.correlationId).toEqual(expect.any(String));
    // Each event chains to the previous one of its stream.
    for (let i = 1; i < events.length; i++)
      expect(events[i].metadata.prevHash).toBe(events[i - 1].metadata.hash);
  });

  it('authorizations are granted and revoked by the platform with effective dates', async () => {
    expect(
      (await post('/partners/contoso/authorizations/grant', platform, { authorization: 'advisor' })).status,
    ).toBe(201);
    expect(
      (
        await post('/partners/contoso/authorizations/grant', platform, {
          authorization: 'delegated-admin-certified',
          effectiveFrom: '2026-02-01',
        })
      ).status,
    ).toBe(201);
    const view = (await getPartner()).body as {
      authorizations: { authorization: string; active: boolean }[];
    };
    expect(view.authorizations).toEqual([
      { authorization: 'advisor', active: true, periods: [{ from: '2026-01-05T09:00:00.000Z' }] },
      {
        authorization: 'delegated-admin-certified',
        active: false,
        periods: [{ from: '2026-02-01T00:00:00.000Z' }],
      },
    ]);
    const again = await post('/partners/contoso/authorizations/grant', platform, {
      authorization: 'advisor',
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ events: [] });
    const bad = await post('/partners/contoso/authorizations/revoke', platform, {
      authorization: 'authorized-service-provider',
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ type: expect.stringMatching(/authorization-not-held$/) });
    // Regression: the shape alone was checked, and 2026-13-45 was stored as the effective date.
    for (const effectiveFrom of ['2026-13-45', '2026-02-29', '2026-02-28T24:00:00Z']) {
      const impossible = await post('/partners/contoso/authorizations/grant', platform, {
        authorization: 'authorized-service-provider',
        effectiveFrom,
      });
      expect({ effectiveFrom, status: impossible.status }).toEqual({ effectiveFrom, status: 400 });
    }
    expect(
      (await post('/partners/contoso/authorizations/grant', admin, { authorization: 'advisor' })).status,
    ).toBe(403);
  });

  it('users: create, e-mail unique case-insensitively, update, roles, deactivation rules', async () => {
    const created = await post('/partners/contoso/users', admin, {
      userId: 'peter',
      email: 'peter@contoso.example',
      displayName: 'Peter',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ids: { userId: 'peter' } });

    const dup = await post('/partners/contoso/users', admin, {
      email: 'PETER@contoso.example',
      displayName: 'Peter 2',
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ type: expect.stringMatching(/email-already-used$/), userId: 'peter' });

    expect(
      (await post('/partners/contoso/users/peter', admin, { displayName: 'Peter Horváth' })).status,
    ).toBe(201);

    const billing = await post('/partners/contoso/users/peter/roles/assign', admin, {
      scope: 'company',
      role: 'billing-admin',
    });
    expect(billing.status).toBe(201);
    const noop = await post('/partners/contoso/users/peter/roles/assign', admin, {
      scope: 'company',
      role: 'billing-admin',
    });
    expect(noop.status).toBe(200);
    expect(noop.body).toMatchObject({ events: [] });

    // A billing admin may not edit the company profile, nor assign roles.
    const denied = await post('/partners/contoso/profile', peter, { phone: '+421 900 000 000' });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      type: expect.stringMatching(/access-denied$/),
      action: 'edit-company-profile',
    });
    expect(
      (await post('/partners/contoso/users/jana/roles/assign', peter, { scope: 'customers', role: 'full' }))
        .status,
    ).toBe(403);

    expect(
      (await post('/partners/contoso/users/peter/roles/assign', admin, { scope: 'customers', role: 'full' }))
        .status,
    ).toBe(201);
    const wrongScope = await post('/partners/contoso/users/peter/roles/assign', admin, {
      scope: 'company',
      role: 'full',
    });
    expect(wrongScope.status).toBe(422);

    // The last active global admin can neither lose the role nor be deactivated.
    const stepDown = await post('/partners/contoso/users/jana/roles/revoke', admin, { scope: 'company' });
    expect(stepDown.status).toBe(422);
    expect(stepDown.body).toMatchObject({
      type: expect.stringMatching(/last-global-admin$/),
      userId: 'jana',
    });
    expect((await post('/partners/contoso/users/jana/deactivate', admin)).status).toBe(422);

    // With a second global admin, the first can be deactivated, and reactivated.
    expect(
      (
        await post('/partners/contoso/users/peter/roles/assign', admin, {
          scope: 'company',
          role: 'global-admin',
        })
      ).status,
    ).toBe(201);
    expect((await post('/partners/contoso/users/jana/deactivate', peter)).status).toBe(201);
    expect((await post('/partners/contoso/profile', admin, { phone: '+421 2 0000 0000' })).status).toBe(403);
    expect((await post('/partners/contoso/users/jana/reactivate', peter)).status).toBe(201);

    const view = (await getPartner()).body as { users: unknown[] };
    expect(view.users).toEqual([
      {
        userId: 'jana',
        email: 'jana@contoso.example',
        displayName: 'Jana Nováková',
        active: true,
        companyRole: 'global-admin',
        customerAccess: null,
      },
      {
        userId: 'peter',
        email: 'peter@contoso.example',
        displayName: 'Peter Horváth',
        active: true,
        companyRole: 'global-admin',
        customerAccess: 'full',
      },
    ]);
  });

  it('If-Match turns into the expected revision: a stale one is 412, the current one passes', async () => {
    const current = await getPartner();
    const etag = current.headers.etag as string;
    const ok = await post(
      '/partners/contoso/users/peter',
      admin,
      { displayName: 'Peter H.' },
      { 'If-Match': etag },
    );
    expect(ok.status).toBe(201);
    const stale = await post(
      '/partners/contoso/users/peter',
      admin,
      { displayName: 'Peter X' },
      { 'If-Match': etag },
    );
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toContain('application/problem+json');
  });

  it('bad input is a 400 listing every violation, and nothing is written', async () => {
    const before = (await getPartner()).body as { revision: number };
    const res = await post('/partners/contoso/profile', admin, {
      phone: 'call me',
      address: { country: 'Slovakia' },
      website: 'not a url',
      unknownField: 1,
    });
    expect(res.status).toBe(400);
    const fields = (res.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['address.country', 'phone', 'unknownField', 'website']);
    expect(((await getPartner()).body as { revision: number }).revision).toBe(before.revision);
  });

  // Regression: class-validator's IsOptional let null through, which blanked the legal name or phone
  // and answered 500 for a null e-mail or country.
  it('null for a field the profile or a user must have is a 400 naming it, and nothing is written', async () => {
    const before = (await getPartner()).body as { revision: number };
    const profileNulls = await post('/partners/contoso/profile', admin, {
      legalName: null,
      phone: null,
      email: null,
      address: { line1: null, city: null, country: null },
    });
    expect(profileNulls.status).toBe(400);
    expect(profileNulls.headers['content-type']).toContain('application/problem+json');
    const fields = (profileNulls.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual([
      'address.city',
      'address.country',
      'address.line1',
      'email',
      'legalName',
      'phone',
    ]);
    expect((await post('/partners/contoso/profile', admin, { address: null })).status).toBe(400);
    const userNulls = await post('/partners/contoso/users/peter', admin, { email: null, displayName: null });
    expect(userNulls.status).toBe(400);
    expect((userNulls.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual([
      'displayName',
      'email',
    ]);
    expect(((await getPartner()).body as { revision: number }).revision).toBe(before.revision);
  });

  // Regression: the partner DTOs did not take commandId, so the README's "Idempotency-Key (or commandId
  // in the body)" answered 400 on every partner command.
  // Regression: ValidateNested skips an absent object and takes an array, so these reached the domain
  // (a 422) instead of the 400 that lists every field.
  it('a missing or non-object nested field is a 400 naming it', async () => {
    const missing = await post('/partners', platform, { partnerId: 'nested', firstUser: [] });
    expect(missing.status).toBe(400);
    const fields = (missing.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['firstUser', 'profile']);
    const arrayAddress = await post('/partners/contoso/profile', admin, { address: [] });
    expect(arrayAddress.status).toBe(400);
  });

  // Regression: class-transformer and the request fingerprint recurse, so a body nested tens of
  // thousands of levels deep overflowed the stack (500); PostgreSQL refuses NUL in text (500).
  it('a body nested too deep, or a NUL anywhere in the request, is a 400 and writes nothing', async () => {
    const before = ((await getPartner()).body as { revision: number }).revision;
    const deep = `{"email":"d@contoso.example","displayName":"D","x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    for (const [url, headers] of [
      ['/partners/contoso/users', {}],
      ['/partners/contoso/profile/verify', { 'Idempotency-Key': 'deep-1' }],
    ] as const) {
      const res = await call(app, 'POST', url, {
        token: url.endsWith('verify') ? platform : admin,
        rawBody: deep,
        headers,
      });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.body).toMatchObject({ type: expect.stringMatching(/body-too-deep$/) });
    }
    const nulBody = await post('/partners/contoso/users', admin, {
      email: 'n@contoso.example',
      displayName: 'a\u0000b',
    });
    expect(nulBody.status).toBe(400);
    expect(nulBody.body).toMatchObject({ type: expect.stringMatching(/invalid-characters$/), in: 'body' });
    const nulQuery = await call(app, 'GET', '/partners/contoso/por-notifications?customerId=%00', {
      token: admin,
    });
    expect(nulQuery.status).toBe(400);
    const nulPath = await call(app, 'GET', '/partners/contoso/trial-invites/a%00b', { token: admin });
    expect(nulPath.status).toBe(400);
    expect(((await getPartner()).body as { revision: number }).revision).toBe(before);
  });

  it('takes the idempotency key as commandId in the body, as every command does', async () => {
    const body = { commandId: 'create-zoe', userId: 'zoe', email: 'zoe@contoso.example', displayName: 'Zoe' };
    const first = await post('/partners/contoso/users', admin, body);
    expect(first.status).toBe(201);
    const again = await post('/partners/contoso/users', admin, body);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const phone = await post('/partners/contoso/profile', admin, {
      commandId: 'phone-2',
      phone: '+421 900 222 333',
    });
    expect(phone.status).toBe(201);
    const partner = (await getPartner()).body as { profile: Record<string, unknown> };
    expect(partner.profile).toMatchObject({ phone: '+421 900 222 333' });
    expect(partner.profile).not.toHaveProperty('commandId');
  });

  it('null clears an optional profile field: the website, a second address line', async () => {
    const cleared = await post('/partners/contoso/profile', admin, {
      website: null,
      address: { postalCode: null },
    });
    expect(cleared.status).toBe(201);
    const partner = (await getPartner()).body as { profile: Record<string, unknown> & { address: object } };
    expect(partner.profile.website).toBeUndefined();
    expect(partner.profile.address).toMatchObject({ line1: 'Hlavná 1', city: 'Bratislava', country: 'SK' });
    expect((partner.profile.address as Record<string, unknown>).postalCode ?? null).toBeNull();
  });
});
