import { domainCommands } from '../registry';
import { commandSpec } from '../testing/spec';
import {
  customerUser,
  granted,
  partnerUser,
  platform,
  profile,
  registered,
  roleAssigned,
  userCreated,
} from '../testing/fixtures';
import { holdsAuthorization, partnerEvolver } from './state';
import { fold } from '../shared/command';

const given = commandSpec(domainCommands);
const P = 'partner-p1';
const admin = partnerUser('admin');

describe('RegisterPartner', () => {
  const cmd = {
    partnerId: 'p1',
    profile,
    firstUser: { userId: 'admin', email: 'admin@contoso.example', displayName: 'Admin' },
  };

  it('registers the profile, pending verification, with the first user as global admin', () => {
    given()
      .when('RegisterPartner', cmd, { actor: platform })
      .thenEmits({ [P]: registered() })
      .thenIds({ partnerId: 'p1', userId: 'admin' });
  });

  it('generates the partner and user ids when the caller gives none', () => {
    given()
      .when(
        'RegisterPartner',
        { profile, firstUser: { email: 'a@b.example', displayName: 'A' } },
        { actor: platform },
      )
      .thenIds({ partnerId: 'new-partnerId', userId: 'new-userId' });
  });

  it('normalises the country code to upper case', () => {
    const out = given().when(
      'RegisterPartner',
      { ...cmd, profile: { ...profile, address: { ...profile.address, country: 'sk' } } },
      { actor: platform },
    );
    expect(
      (out.events[P][0].data as { profile: { address: { country: string } } }).profile.address.country,
    ).toBe('SK');
  });

  it('is refused to anyone but the platform', () => {
    given()
      .when('RegisterPartner', cmd, { actor: partnerUser('x') })
      .thenRefused('platform-only');
  });

  it('is refused when the partner id is taken', () => {
    given({ [P]: registered() })
      .when('RegisterPartner', cmd, { actor: platform })
      .thenRefused('partner-already-registered');
  });

  it.each([
    ['no legal name', { ...profile, legalName: undefined }, 'invalid-field', 'legalName'],
    ['a blank phone', { ...profile, phone: '  ' }, 'invalid-field', 'phone'],
    ['no e-mail', { ...profile, email: null }, 'invalid-email', 'email'],
    ['no address', { ...profile, address: undefined }, 'invalid-field', 'address'],
    ['no city', { ...profile, address: { ...profile.address, city: null } }, 'invalid-field', 'address.city'],
  ])('refuses a profile with %s', (_what, badProfile, code, field) => {
    given()
      .when('RegisterPartner', { ...cmd, profile: badProfile }, { actor: platform })
      .thenRefused(code, { field });
  });

  // Probe finding: a blank optional line (' ') was recorded as the line, though a blank required one
  // is refused; and texts were recorded with the spaces around them.
  it.each([
    ['a blank second line', { ...profile, address: { ...profile.address, line2: ' ' } }, 'address.line2'],
    ['a blank region', { ...profile, address: { ...profile.address, region: '\t' } }, 'address.region'],
    [
      'a blank postal code',
      { ...profile, address: { ...profile.address, postalCode: '' } },
      'address.postalCode',
    ],
    ['a blank website', { ...profile, website: '  ' }, 'website'],
  ])(
    'refuses a profile with %s: an optional text is absent, null or not blank',
    (_what, badProfile, field) => {
      given()
        .when('RegisterPartner', { ...cmd, profile: badProfile }, { actor: platform })
        .thenRefused('invalid-field', { field });
    },
  );

  it('records every text of the profile trimmed', () => {
    const padded = {
      legalName: ` ${profile.legalName}  `,
      address: {
        line1: ' Hlavná 1',
        line2: 'Budova B ',
        city: 'Bratislava\t',
        postalCode: ' 811 01',
        country: 'SK',
      },
      phone: ` ${profile.phone}`,
      email: `${profile.email} `,
      website: `${profile.website} `,
    };
    const out = given().when('RegisterPartner', { ...cmd, profile: padded }, { actor: platform });
    expect(out.events[P][0].data).toEqual({
      partnerId: 'p1',
      profile: { ...profile, address: { ...profile.address, line2: 'Budova B' } },
      verification: 'pending',
    });
  });

  it('refuses a profile whose country is not an ISO 3166-1 code', () => {
    given()
      .when(
        'RegisterPartner',
        { ...cmd, profile: { ...profile, address: { ...profile.address, country: 'XX' } } },
        { actor: platform },
      )
      .thenRefused('invalid-country');
  });

  it('refuses a first user without an e-mail or a name', () => {
    given()
      .when('RegisterPartner', { ...cmd, firstUser: { displayName: 'A' } }, { actor: platform })
      .thenRefused('invalid-email');
    given()
      .when(
        'RegisterPartner',
        { ...cmd, firstUser: { email: 'a@b.example', displayName: '' } },
        { actor: platform },
      )
      .thenRefused('invalid-field', { field: 'displayName' });
  });
});

describe('UpdateCompanyProfile', () => {
  /** The registered partner's admin updates the profile with these changes. */
  const update = (changes: object) =>
    given({ [P]: registered() }).when('UpdateCompanyProfile', { partnerId: 'p1', changes }, { actor: admin });

  it('records old and new values of each changed field', () => {
    given({ [P]: registered() })
      .when(
        'UpdateCompanyProfile',
        { partnerId: 'p1', changes: { phone: '+421 900 000 000' } },
        { actor: admin },
      )
      .thenEmits({
        [P]: [
          {
            type: 'CompanyProfileUpdated',
            data: { partnerId: 'p1', changes: { phone: { from: profile.phone, to: '+421 900 000 000' } } },
          },
        ],
      });
  });

  it('puts the profile into re-verification when the legal name changes', () => {
    given({ [P]: [...registered(), { type: 'CompanyProfileVerified', data: { partnerId: 'p1' } }] })
      .when(
        'UpdateCompanyProfile',
        { partnerId: 'p1', changes: { legalName: 'Contoso SK a.s.' } },
        { actor: admin },
      )
      .thenEmits({
        [P]: [
          {
            type: 'CompanyProfileUpdated',
            data: {
              partnerId: 'p1',
              changes: { legalName: { from: profile.legalName, to: 'Contoso SK a.s.' } },
            },
          },
          { type: 'CompanyProfileVerificationRequired', data: { partnerId: 'p1', becauseOf: ['legalName'] } },
        ],
      });
  });

  it('puts the profile into re-verification when the country changes', () => {
    const out = given({ [P]: registered() }).when(
      'UpdateCompanyProfile',
      { partnerId: 'p1', changes: { address: { ...profile.address, country: 'CZ', city: 'Praha' } } },
      { actor: admin },
    );
    expect(out.events[P].map((e) => e.type)).toEqual([
      'CompanyProfileUpdated',
      'CompanyProfileVerificationRequired',
    ]);
    expect(out.events[P][1].data).toEqual({ partnerId: 'p1', becauseOf: ['address'] });
  });

  it('does not re-verify for an address change within the same country', () => {
    const out = given({ [P]: registered() }).when(
      'UpdateCompanyProfile',
      { partnerId: 'p1', changes: { address: { ...profile.address, line1: 'Obchodná 2' } } },
      { actor: admin },
    );
    expect(out.events[P].map((e) => e.type)).toEqual(['CompanyProfileUpdated']);
  });

  it('writes nothing when nothing changes', () => {
    given({ [P]: registered() })
      .when('UpdateCompanyProfile', { partnerId: 'p1', changes: { phone: profile.phone } }, { actor: admin })
      .thenNothing();
  });

  it('is refused to a billing admin (only a global admin edits the profile)', () => {
    given({ [P]: [...registered(), userCreated('bill'), roleAssigned('bill', 'billing-admin')] })
      .when(
        'UpdateCompanyProfile',
        { partnerId: 'p1', changes: { phone: '1' } },
        { actor: partnerUser('bill') },
      )
      .thenRefused('access-denied', { action: 'edit-company-profile' });
  });

  it('is refused to the platform', () => {
    given({ [P]: registered() })
      .when('UpdateCompanyProfile', { partnerId: 'p1', changes: { phone: '1' } }, { actor: platform })
      .thenRefused('access-denied');
  });

  it('answers not-found to a user of another partner', () => {
    given({ [P]: registered() })
      .when(
        'UpdateCompanyProfile',
        { partnerId: 'p1', changes: { phone: '1' } },
        { actor: partnerUser('admin', 'p2') },
      )
      .thenRefused('partner-not-found');
  });

  it('answers not-found for a partner that does not exist', () => {
    given()
      .when('UpdateCompanyProfile', { partnerId: 'p1', changes: { phone: '1' } }, { actor: admin })
      .thenRefused('partner-not-found');
  });

  it('answers not-found to a customer user (a customer acts only within its own tenant)', () => {
    given({ [P]: registered() })
      .when(
        'UpdateCompanyProfile',
        { partnerId: 'p1', changes: { phone: '1' } },
        { actor: customerUser('admin') },
      )
      .thenRefused('partner-not-found', { partnerId: 'p1' });
  });

  it('is refused to an unknown user id of the partner', () => {
    given({ [P]: registered() })
      .when(
        'UpdateCompanyProfile',
        { partnerId: 'p1', changes: { phone: '1' } },
        { actor: partnerUser('ghost') },
      )
      .thenRefused('actor-not-a-partner-user');
  });

  it('is refused to a deactivated global admin', () => {
    given({
      [P]: [
        ...registered(),
        userCreated('ga2'),
        roleAssigned('ga2', 'global-admin'),
        { type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'ga2' } },
      ],
    })
      .when(
        'UpdateCompanyProfile',
        { partnerId: 'p1', changes: { phone: '1' } },
        { actor: partnerUser('ga2') },
      )
      .thenRefused('actor-inactive');
  });

  // Regression: null passed the HTTP validation of an optional field, blanked legalName or phone,
  // and made normaliseProfile throw on a null e-mail or country (a 500).
  it.each([
    [{ legalName: null }, 'invalid-field', 'legalName'],
    [{ legalName: '   ' }, 'invalid-field', 'legalName'],
    [{ phone: null }, 'invalid-field', 'phone'],
    [{ email: null }, 'invalid-email', 'email'],
    [{ address: null }, 'invalid-field', 'address'],
    [{ address: { line1: null } }, 'invalid-field', 'address.line1'],
    [{ address: { city: '' } }, 'invalid-field', 'address.city'],
    [{ website: 42 }, 'invalid-field', 'website'],
    [{ website: ' ' }, 'invalid-field', 'website'],
    [{ address: { line2: '  ' } }, 'invalid-field', 'address.line2'],
    [{ address: { region: '' } }, 'invalid-field', 'address.region'],
  ])(
    'refuses %j: a required field is never blanked, an optional one is null or not blank, neither of another type',
    (changes, code, field) => {
      given({ [P]: registered() })
        .when('UpdateCompanyProfile', { partnerId: 'p1', changes }, { actor: admin })
        .thenRefused(code, { field });
    },
  );

  it('a change only in the spaces around a text is no change, and nothing asks for re-verification', () => {
    update({ legalName: ` ${profile.legalName} `, address: { city: ' Bratislava ' } }).thenNothing();
  });

  it('records a changed text trimmed', () => {
    update({ address: { region: ' Bratislavský kraj ' } }).thenEmits({
      [P]: [
        {
          type: 'CompanyProfileUpdated',
          data: {
            partnerId: 'p1',
            changes: {
              address: { from: profile.address, to: { ...profile.address, region: 'Bratislavský kraj' } },
            },
          },
        },
      ],
    });
  });

  it('refuses an address whose country is null or not an ISO 3166-1 code', () => {
    for (const country of [null, 'XX']) {
      given({ [P]: registered() })
        .when(
          'UpdateCompanyProfile',
          { partnerId: 'p1', changes: { address: { country } } },
          { actor: admin },
        )
        .thenRefused('invalid-country');
    }
  });

  // Review finding: addresses were compared as JSON text, so a null for an absent address line was
  // recorded as a change whose from and to were the same address. Null clears an optional line:
  // null and absent are the same value, and the address written never holds a null line.
  it('a null for an address line the profile does not have changes nothing and writes nothing', () => {
    update({ address: { line2: null, region: null } }).thenNothing();
    update({ address: { ...profile.address, line2: null }, website: profile.website }).thenNothing();
  });

  it('with a real change of another field, a null for an absent address line records only that field', () => {
    update({ phone: '+421 900 000 000', address: { line2: null } }).thenEmits({
      [P]: [
        {
          type: 'CompanyProfileUpdated',
          data: { partnerId: 'p1', changes: { phone: { from: profile.phone, to: '+421 900 000 000' } } },
        },
      ],
    });
  });

  it('clearing an address line that is set records the address without it', () => {
    const { postalCode: _cleared, ...withoutPostalCode } = profile.address;
    given({ [P]: registered() })
      .when(
        'UpdateCompanyProfile',
        { partnerId: 'p1', changes: { address: { postalCode: null, line2: null } } },
        { actor: admin },
      )
      .thenEmits({
        [P]: [
          {
            type: 'CompanyProfileUpdated',
            data: { partnerId: 'p1', changes: { address: { from: profile.address, to: withoutPostalCode } } },
          },
        ],
      });
  });

  it('a profile holding a null address line from an earlier update compares equal to one without it', () => {
    const earlier = {
      type: 'CompanyProfileUpdated',
      data: {
        partnerId: 'p1',
        changes: { address: { from: profile.address, to: { ...profile.address, line2: null } } },
      },
    };
    given({ [P]: [...registered(), earlier] })
      .when(
        'UpdateCompanyProfile',
        { partnerId: 'p1', changes: { address: { line2: null } } },
        { actor: admin },
      )
      .thenNothing();
  });

  it('clears the website, an optional field, with null', () => {
    given({ [P]: registered() })
      .when('UpdateCompanyProfile', { partnerId: 'p1', changes: { website: null } }, { actor: admin })
      .thenEmits({
        [P]: [
          {
            type: 'CompanyProfileUpdated',
            data: { partnerId: 'p1', changes: { website: { from: profile.website, to: null } } },
          },
        ],
      });
  });
});

describe('VerifyCompanyProfile / RejectCompanyProfile', () => {
  it('the platform verifies a pending profile', () => {
    given({ [P]: registered() })
      .when('VerifyCompanyProfile', { partnerId: 'p1' }, { actor: platform })
      .thenEmits({ [P]: [{ type: 'CompanyProfileVerified', data: { partnerId: 'p1' } }] });
  });

  it('verifying a verified profile writes nothing', () => {
    given({ [P]: [...registered(), { type: 'CompanyProfileVerified', data: { partnerId: 'p1' } }] })
      .when('VerifyCompanyProfile', { partnerId: 'p1' }, { actor: platform })
      .thenNothing();
  });

  it('the platform rejects a pending profile with a reason', () => {
    given({ [P]: registered() })
      .when('RejectCompanyProfile', { partnerId: 'p1', reason: 'Registry mismatch' }, { actor: platform })
      .thenEmits({
        [P]: [{ type: 'CompanyProfileRejected', data: { partnerId: 'p1', reason: 'Registry mismatch' } }],
      });
  });

  it('rejecting a profile that is not pending is refused', () => {
    given({ [P]: [...registered(), { type: 'CompanyProfileVerified', data: { partnerId: 'p1' } }] })
      .when('RejectCompanyProfile', { partnerId: 'p1', reason: 'x' }, { actor: platform })
      .thenRefused('profile-not-pending-verification', { verification: 'verified' });
  });

  it('a partner user may not verify or reject', () => {
    given({ [P]: registered() })
      .when('VerifyCompanyProfile', { partnerId: 'p1' }, { actor: admin })
      .thenRefused('platform-only');
    given({ [P]: registered() })
      .when('RejectCompanyProfile', { partnerId: 'p1', reason: 'x' }, { actor: admin })
      .thenRefused('platform-only');
  });

  it('verifying an unknown partner is not-found', () => {
    given()
      .when('VerifyCompanyProfile', { partnerId: 'p1' }, { actor: platform })
      .thenRefused('partner-not-found');
  });

  it.each([
    ['rejected', { type: 'CompanyProfileRejected', data: { partnerId: 'p1', reason: 'Registry mismatch' } }],
    [
      'awaiting re-verification',
      { type: 'CompanyProfileVerificationRequired', data: { partnerId: 'p1', becauseOf: ['legalName'] } },
    ],
  ])('while its profile is %s, the partner still works: users are created and given roles', (_why, event) => {
    const unverified = [
      ...registered(),
      { type: 'CompanyProfileVerified', data: { partnerId: 'p1' } },
      event,
    ];
    given({ [P]: unverified })
      .when(
        'CreatePartnerUser',
        { partnerId: 'p1', userId: 'u1', email: 'u1@contoso.example', displayName: 'u1' },
        { actor: admin },
      )
      .thenEmits({ [P]: [userCreated('u1')] });
    given({ [P]: [...unverified, userCreated('u1')] })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'customers', role: 'full' },
        { actor: admin },
      )
      .thenEmits({ [P]: [roleAssigned('u1', 'full')] });
  });
});

describe('GrantAuthorization / RevokeAuthorization', () => {
  it('grants with an effective date (date-only is midnight UTC)', () => {
    given({ [P]: registered() })
      .when(
        'GrantAuthorization',
        { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2026-02-01' },
        { actor: platform },
      )
      .thenEmits({ [P]: [granted('advisor', 'p1', '2026-02-01T00:00:00.000Z')] });
  });

  it('defaults the effective date to the command time', () => {
    given({ [P]: registered() })
      .when(
        'GrantAuthorization',
        { partnerId: 'p1', authorization: 'advisor' },
        { actor: platform, now: '2026-03-04T05:06:07.000Z' },
      )
      .thenEmits({ [P]: [granted('advisor', 'p1', '2026-03-04T05:06:07.000Z')] });
  });

  it.each(['delegated-admin-certified', 'authorized-service-provider'] as const)(
    'grants and revokes %s with an effective date, as the advisor authorization',
    (authorization) => {
      given({ [P]: registered() })
        .when(
          'GrantAuthorization',
          { partnerId: 'p1', authorization, effectiveFrom: '2026-02-01' },
          { actor: platform },
        )
        .thenEmits({ [P]: [granted(authorization, 'p1', '2026-02-01T00:00:00.000Z')] });
      given({ [P]: [...registered(), granted(authorization)] })
        .when(
          'RevokeAuthorization',
          { partnerId: 'p1', authorization, effectiveFrom: '2026-06-01' },
          { actor: platform },
        )
        .thenEmits({
          [P]: [
            {
              type: 'AuthorizationRevoked',
              data: { partnerId: 'p1', authorization, effectiveFrom: '2026-06-01T00:00:00.000Z' },
            },
          ],
        });
    },
  );

  it('refuses an authorization the platform does not grant', () => {
    given({ [P]: registered() })
      .when('GrantAuthorization', { partnerId: 'p1', authorization: 'reseller' }, { actor: platform })
      .thenRefused('unknown-authorization', { authorization: 'reseller' });
    given({ [P]: registered() })
      .when('RevokeAuthorization', { partnerId: 'p1', authorization: 'reseller' }, { actor: platform })
      .thenRefused('unknown-authorization', { authorization: 'reseller' });
  });

  it('granting what is already held writes nothing', () => {
    given({ [P]: [...registered(), granted('advisor')] })
      .when('GrantAuthorization', { partnerId: 'p1', authorization: 'advisor' }, { actor: platform })
      .thenNothing();
  });

  it('revokes a held authorization from a date', () => {
    given({ [P]: [...registered(), granted('advisor')] })
      .when(
        'RevokeAuthorization',
        { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2026-06-01' },
        { actor: platform },
      )
      .thenEmits({
        [P]: [
          {
            type: 'AuthorizationRevoked',
            data: { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2026-06-01T00:00:00.000Z' },
          },
        ],
      });
  });

  it('revoking what is not held is refused', () => {
    given({ [P]: registered() })
      .when('RevokeAuthorization', { partnerId: 'p1', authorization: 'advisor' }, { actor: platform })
      .thenRefused('authorization-not-held');
  });

  it('a revocation cannot take effect before the grant', () => {
    given({ [P]: [...registered(), granted('advisor', 'p1', '2026-05-01T00:00:00.000Z')] })
      .when(
        'RevokeAuthorization',
        { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2026-04-01' },
        { actor: platform },
      )
      .thenRefused('authorization-overlaps');
  });

  it('a re-grant cannot take effect before the previous revocation', () => {
    given({
      [P]: [
        ...registered(),
        granted('advisor', 'p1', '2026-01-01T00:00:00.000Z'),
        {
          type: 'AuthorizationRevoked',
          data: { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2026-06-01T00:00:00.000Z' },
        },
      ],
    })
      .when(
        'GrantAuthorization',
        { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2026-05-01' },
        { actor: platform },
      )
      .thenRefused('authorization-overlaps');
  });

  it('an invalid date is refused', () => {
    given({ [P]: registered() })
      .when(
        'GrantAuthorization',
        { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '1st of May' },
        { actor: platform },
      )
      .thenRefused('invalid-instant');
  });

  it('only the platform grants or revokes', () => {
    given({ [P]: registered() })
      .when('GrantAuthorization', { partnerId: 'p1', authorization: 'advisor' }, { actor: admin })
      .thenRefused('platform-only');
    given({ [P]: [...registered(), granted('advisor')] })
      .when('RevokeAuthorization', { partnerId: 'p1', authorization: 'advisor' }, { actor: admin })
      .thenRefused('platform-only');
  });

  it('an authorization holds from its effective date until its revocation date', () => {
    const state = fold(partnerEvolver, [
      ...registered(),
      granted('advisor', 'p1', '2026-02-01T00:00:00.000Z'),
      {
        type: 'AuthorizationRevoked',
        data: { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2026-03-01T00:00:00.000Z' },
      },
    ] as never);
    expect(holdsAuthorization(state, 'advisor', '2026-01-31T23:59:59.999Z')).toBe(false);
    expect(holdsAuthorization(state, 'advisor', '2026-02-01T00:00:00.000Z')).toBe(true);
    expect(holdsAuthorization(state, 'advisor', '2026-02-28T12:00:00.000Z')).toBe(true);
    expect(holdsAuthorization(state, 'advisor', '2026-03-01T00:00:00.000Z')).toBe(false);
    expect(holdsAuthorization(state, 'delegated-admin-certified', '2026-02-15T00:00:00.000Z')).toBe(false);
  });

  // Review finding: a revocation scheduled for later blocked an earlier one (refused as not held,
  // although the partner held it), and a grant earlier than an open grant that starts later was a
  // silent no-op. Decisions compare effective dates only (never the clock): a revocation from r on
  // the last period [from, until) moves the end to r when from <= r < until; when r >= until the
  // authorization has already ended by r (scheduled or past alike), so it writes nothing; when
  // r < from it is refused as overlapping the grant. Never granted at all stays refused.
  describe('moving a scheduled end or start earlier', () => {
    const revoked = (effectiveFrom: string) => ({
      type: 'AuthorizationRevoked',
      data: { partnerId: 'p1', authorization: 'advisor', effectiveFrom },
    });
    const periodsAfter = (events: object[]) =>
      fold(partnerEvolver, [...registered(), ...events] as never).authorizations.advisor;
    const scheduled = [granted('advisor'), revoked('2026-06-01T00:00:00.000Z')];

    it('a revocation earlier than one already scheduled is accepted and moves the end earlier', () => {
      const out = given({ [P]: [...registered(), ...scheduled] })
        .when('RevokeAuthorization', { partnerId: 'p1', authorization: 'advisor' }, { actor: platform })
        .thenEmits({ [P]: [revoked('2026-01-01T00:00:00.000Z')] });
      const state = fold(partnerEvolver, [...registered(), ...scheduled, ...out.events[P]] as never);
      expect(state.authorizations.advisor).toEqual([
        { from: '2025-01-01T00:00:00.000Z', until: '2026-01-01T00:00:00.000Z' },
      ]);
      expect(holdsAuthorization(state, 'advisor', '2025-12-31T23:59:59.999Z')).toBe(true);
      expect(holdsAuthorization(state, 'advisor', '2026-03-01T00:00:00.000Z')).toBe(false);
    });

    it('a revocation may move a scheduled end back to the very start of the period', () => {
      given({ [P]: [...registered(), ...scheduled] })
        .when(
          'RevokeAuthorization',
          { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2025-01-01' },
          { actor: platform },
        )
        .thenEmits({ [P]: [revoked('2025-01-01T00:00:00.000Z')] });
    });

    it.each(['2026-06-01', '2026-09-01'])(
      'a revocation at or after an already scheduled end writes nothing (%s)',
      (effectiveFrom) => {
        given({ [P]: [...registered(), ...scheduled] })
          .when(
            'RevokeAuthorization',
            { partnerId: 'p1', authorization: 'advisor', effectiveFrom },
            { actor: platform },
          )
          .thenNothing();
      },
    );

    it('revoking a period that has already ended writes nothing, like a revocation after a scheduled end', () => {
      given({ [P]: [...registered(), granted('advisor'), revoked('2025-06-01T00:00:00.000Z')] })
        .when('RevokeAuthorization', { partnerId: 'p1', authorization: 'advisor' }, { actor: platform })
        .thenNothing();
    });

    it('a revocation before the start of an ended or scheduled period is refused as overlapping the grant', () => {
      given({
        [P]: [
          ...registered(),
          granted('advisor', 'p1', '2026-03-01T00:00:00.000Z'),
          revoked('2026-06-01T00:00:00.000Z'),
        ],
      })
        .when(
          'RevokeAuthorization',
          { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2026-02-01' },
          { actor: platform },
        )
        .thenRefused('authorization-overlaps', { grantedFrom: '2026-03-01T00:00:00.000Z' });
    });

    it('a grant earlier than an open grant that starts later takes effect from the earlier date', () => {
      const history = [granted('advisor', 'p1', '2026-06-01T00:00:00.000Z')];
      const out = given({ [P]: [...registered(), ...history] })
        .when('GrantAuthorization', { partnerId: 'p1', authorization: 'advisor' }, { actor: platform })
        .thenEmits({ [P]: [granted('advisor', 'p1', '2026-01-01T00:00:00.000Z')] });
      const state = fold(partnerEvolver, [...registered(), ...history, ...out.events[P]] as never);
      expect(state.authorizations.advisor).toEqual([{ from: '2026-01-01T00:00:00.000Z' }]);
      expect(holdsAuthorization(state, 'advisor', '2026-03-01T00:00:00.000Z')).toBe(true);
    });

    it.each(['2026-06-01', '2026-07-01'])(
      'a grant at or after the start of an open grant writes nothing (%s)',
      (effectiveFrom) => {
        given({ [P]: [...registered(), granted('advisor', 'p1', '2026-06-01T00:00:00.000Z')] })
          .when(
            'GrantAuthorization',
            { partnerId: 'p1', authorization: 'advisor', effectiveFrom },
            { actor: platform },
          )
          .thenNothing();
      },
    );

    it('a grant moved earlier still cannot take effect before the previous revocation', () => {
      const history = [
        ...registered(),
        granted('advisor'),
        revoked('2025-06-01T00:00:00.000Z'),
        granted('advisor', 'p1', '2026-06-01T00:00:00.000Z'),
      ];
      given({ [P]: history })
        .when(
          'GrantAuthorization',
          { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2025-05-31' },
          { actor: platform },
        )
        .thenRefused('authorization-overlaps', { revokedFrom: '2025-06-01T00:00:00.000Z' });
      const out = given({ [P]: history })
        .when(
          'GrantAuthorization',
          { partnerId: 'p1', authorization: 'advisor', effectiveFrom: '2025-06-01' },
          { actor: platform },
        )
        .thenEmits({ [P]: [granted('advisor', 'p1', '2025-06-01T00:00:00.000Z')] });
      expect(periodsAfter([...history.slice(3), ...out.events[P]])).toEqual([
        { from: '2025-01-01T00:00:00.000Z', until: '2025-06-01T00:00:00.000Z' },
        { from: '2025-06-01T00:00:00.000Z' },
      ]);
    });

    it('histories the old decider wrote fold as before: a grant after a revocation opens a new period', () => {
      expect(
        periodsAfter([
          granted('advisor'),
          revoked('2025-06-01T00:00:00.000Z'),
          granted('advisor', 'p1', '2025-09-01T00:00:00.000Z'),
          revoked('2025-09-01T00:00:00.000Z'),
          granted('advisor', 'p1', '2025-10-01T00:00:00.000Z'),
        ]),
      ).toEqual([
        { from: '2025-01-01T00:00:00.000Z', until: '2025-06-01T00:00:00.000Z' },
        { from: '2025-09-01T00:00:00.000Z', until: '2025-09-01T00:00:00.000Z' },
        { from: '2025-10-01T00:00:00.000Z' },
      ]);
    });
  });
});

describe('Partner users', () => {
  const create = { partnerId: 'p1', userId: 'u1', email: 'Jana@Contoso.example', displayName: 'Jana' };

  it('refuses to create a user without a valid e-mail or a name', () => {
    given({ [P]: registered() })
      .when('CreatePartnerUser', { ...create, email: 'not-an-address' }, { actor: admin })
      .thenRefused('invalid-email');
    given({ [P]: registered() })
      .when('CreatePartnerUser', { ...create, displayName: ' ' }, { actor: admin })
      .thenRefused('invalid-field', { field: 'displayName' });
  });

  // Regression: `{"email": null}` passed the HTTP validation and threw in the e-mail uniqueness check.
  it("refuses to set a user's e-mail or name to null", () => {
    const given1 = () => given({ [P]: [...registered(), userCreated('u1')] });
    given1()
      .when('UpdatePartnerUser', { partnerId: 'p1', userId: 'u1', email: null }, { actor: admin })
      .thenRefused('invalid-email');
    given1()
      .when('UpdatePartnerUser', { partnerId: 'p1', userId: 'u1', displayName: null }, { actor: admin })
      .thenRefused('invalid-field', { field: 'displayName' });
  });

  it('a global admin creates a user', () => {
    given({ [P]: registered() })
      .when('CreatePartnerUser', create, { actor: admin })
      .thenEmits({
        [P]: [
          {
            type: 'PartnerUserCreated',
            data: { partnerId: 'p1', userId: 'u1', email: 'Jana@Contoso.example', displayName: 'Jana' },
          },
        ],
      })
      .thenIds({ userId: 'u1' });
  });

  it('a user management admin creates a user', () => {
    given({ [P]: [...registered(), userCreated('um'), roleAssigned('um', 'user-management-admin')] })
      .when('CreatePartnerUser', create, { actor: partnerUser('um') })
      .thenIds({ userId: 'u1' });
  });

  it('a password admin may not create users', () => {
    given({ [P]: [...registered(), userCreated('pw'), roleAssigned('pw', 'password-admin')] })
      .when('CreatePartnerUser', create, { actor: partnerUser('pw') })
      .thenRefused('access-denied', { action: 'manage-users' });
  });

  it('e-mail is unique within the partner, case-insensitively', () => {
    given({ [P]: [...registered(), userCreated('u0', 'p1', 'jana@contoso.example')] })
      .when('CreatePartnerUser', create, { actor: admin })
      .thenRefused('email-already-used', { userId: 'u0' });
  });

  // Was: checked trimmed but compared and recorded as sent, so spaces made a second address.
  it('surrounding spaces are no second address: the e-mail is compared trimmed', () => {
    given({ [P]: [...registered(), userCreated('u0', 'p1', 'jana@contoso.example')] })
      .when('CreatePartnerUser', { ...create, email: ' Jana@Contoso.example ' }, { actor: admin })
      .thenRefused('email-already-used', { userId: 'u0' });
    given({ [P]: [...registered(), userCreated('u0', 'p1', 'jana@contoso.example'), userCreated('u1')] })
      .when(
        'UpdatePartnerUser',
        { partnerId: 'p1', userId: 'u1', email: 'jana@contoso.example ' },
        { actor: admin },
      )
      .thenRefused('email-already-used', { userId: 'u0' });
  });

  it('records the e-mail and display name trimmed', () => {
    given({ [P]: registered() })
      .when(
        'CreatePartnerUser',
        { ...create, email: ' lena@contoso.example ', displayName: ' Lena ' },
        { actor: admin },
      )
      .thenEmits({
        [P]: [
          {
            type: 'PartnerUserCreated',
            data: { partnerId: 'p1', userId: 'u1', email: 'lena@contoso.example', displayName: 'Lena' },
          },
        ],
      });
  });

  it('the same e-mail may exist in another partner', () => {
    given({
      [P]: registered(),
      'partner-p2': [...registered('p2'), userCreated('x', 'p2', 'jana@contoso.example')],
    })
      .when('CreatePartnerUser', create, { actor: admin })
      .thenIds({ userId: 'u1' });
  });

  it('a taken user id is refused', () => {
    given({ [P]: [...registered(), userCreated('u1')] })
      .when('CreatePartnerUser', { ...create, email: 'other@contoso.example' }, { actor: admin })
      .thenRefused('partner-user-exists');
  });

  it('updates e-mail and display name with old and new values', () => {
    given({ [P]: [...registered(), userCreated('u1')] })
      .when(
        'UpdatePartnerUser',
        { partnerId: 'p1', userId: 'u1', email: 'new@contoso.example', displayName: 'New' },
        { actor: admin },
      )
      .thenEmits({
        [P]: [
          {
            type: 'PartnerUserUpdated',
            data: {
              partnerId: 'p1',
              userId: 'u1',
              changes: {
                email: { from: 'u1@contoso.example', to: 'new@contoso.example' },
                displayName: { from: 'u1', to: 'New' },
              },
            },
          },
        ],
      });
  });

  it('an update to an e-mail another user has is refused', () => {
    given({ [P]: [...registered(), userCreated('u1'), userCreated('u2')] })
      .when(
        'UpdatePartnerUser',
        { partnerId: 'p1', userId: 'u1', email: 'U2@contoso.example' },
        { actor: admin },
      )
      .thenRefused('email-already-used');
  });

  it('changing only the case of ones own e-mail is allowed', () => {
    given({ [P]: [...registered(), userCreated('u1')] })
      .when(
        'UpdatePartnerUser',
        { partnerId: 'p1', userId: 'u1', email: 'U1@contoso.example' },
        { actor: admin },
      )
      .thenIds({});
  });

  it('an update that changes nothing writes nothing', () => {
    given({ [P]: [...registered(), userCreated('u1')] })
      .when('UpdatePartnerUser', { partnerId: 'p1', userId: 'u1', displayName: 'u1' }, { actor: admin })
      .thenNothing();
  });

  it('updating an unknown user is not-found', () => {
    given({ [P]: registered() })
      .when('UpdatePartnerUser', { partnerId: 'p1', userId: 'nope', displayName: 'x' }, { actor: admin })
      .thenRefused('partner-user-not-found');
  });

  it('a user management admin updates, deactivates and reactivates a user who is not a global admin', () => {
    const history = [...registered(), userCreated('um'), roleAssigned('um', 'user-management-admin')];
    const um = partnerUser('um');
    given({ [P]: [...history, userCreated('u1')] })
      .when('UpdatePartnerUser', { partnerId: 'p1', userId: 'u1', displayName: 'Jana' }, { actor: um })
      .thenEmits({
        [P]: [
          {
            type: 'PartnerUserUpdated',
            data: { partnerId: 'p1', userId: 'u1', changes: { displayName: { from: 'u1', to: 'Jana' } } },
          },
        ],
      });
    given({ [P]: [...history, userCreated('u1')] })
      .when('DeactivatePartnerUser', { partnerId: 'p1', userId: 'u1' }, { actor: um })
      .thenEmits({ [P]: [{ type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'u1' } }] });
    given({
      [P]: [
        ...history,
        userCreated('u1'),
        { type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'u1' } },
      ],
    })
      .when('ReactivatePartnerUser', { partnerId: 'p1', userId: 'u1' }, { actor: um })
      .thenEmits({ [P]: [{ type: 'PartnerUserReactivated', data: { partnerId: 'p1', userId: 'u1' } }] });
  });

  it.each(['password-admin', 'billing-admin', 'service-admin'] as const)(
    'a %s may not update, deactivate or reactivate users',
    (role) => {
      const history = [...registered(), userCreated('x'), roleAssigned('x', role), userCreated('u1')];
      const x = partnerUser('x');
      given({ [P]: history })
        .when('UpdatePartnerUser', { partnerId: 'p1', userId: 'u1', displayName: 'Jana' }, { actor: x })
        .thenRefused('access-denied', { action: 'manage-users', companyRole: role });
      given({ [P]: history })
        .when('DeactivatePartnerUser', { partnerId: 'p1', userId: 'u1' }, { actor: x })
        .thenRefused('access-denied', { action: 'manage-users' });
      given({
        [P]: [...history, { type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'u1' } }],
      })
        .when('ReactivatePartnerUser', { partnerId: 'p1', userId: 'u1' }, { actor: x })
        .thenRefused('access-denied', { action: 'manage-users' });
    },
  );

  it('a user management admin may not change or deactivate a global admin', () => {
    const history = {
      [P]: [...registered(), userCreated('um'), roleAssigned('um', 'user-management-admin')],
    };
    given(history)
      .when(
        'UpdatePartnerUser',
        { partnerId: 'p1', userId: 'admin', displayName: 'x' },
        { actor: partnerUser('um') },
      )
      .thenRefused('cannot-manage-global-admin');
    given(history)
      .when('DeactivatePartnerUser', { partnerId: 'p1', userId: 'admin' }, { actor: partnerUser('um') })
      .thenRefused('cannot-manage-global-admin');
  });

  it('a user management admin may not reactivate a global admin', () => {
    given({
      [P]: [
        ...registered(),
        userCreated('um'),
        roleAssigned('um', 'user-management-admin'),
        userCreated('ga2'),
        roleAssigned('ga2', 'global-admin'),
        { type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'ga2' } },
      ],
    })
      .when('ReactivatePartnerUser', { partnerId: 'p1', userId: 'ga2' }, { actor: partnerUser('um') })
      .thenRefused('cannot-manage-global-admin', { userId: 'ga2' });
  });

  it('deactivates and reactivates a user', () => {
    given({ [P]: [...registered(), userCreated('u1')] })
      .when('DeactivatePartnerUser', { partnerId: 'p1', userId: 'u1' }, { actor: admin })
      .thenEmits({ [P]: [{ type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'u1' } }] });
    given({
      [P]: [
        ...registered(),
        userCreated('u1'),
        { type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'u1' } },
      ],
    })
      .when('ReactivatePartnerUser', { partnerId: 'p1', userId: 'u1' }, { actor: admin })
      .thenEmits({ [P]: [{ type: 'PartnerUserReactivated', data: { partnerId: 'p1', userId: 'u1' } }] });
  });

  it('deactivating an inactive user or reactivating an active one writes nothing', () => {
    given({
      [P]: [
        ...registered(),
        userCreated('u1'),
        { type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'u1' } },
      ],
    })
      .when('DeactivatePartnerUser', { partnerId: 'p1', userId: 'u1' }, { actor: admin })
      .thenNothing();
    given({ [P]: [...registered(), userCreated('u1')] })
      .when('ReactivatePartnerUser', { partnerId: 'p1', userId: 'u1' }, { actor: admin })
      .thenNothing();
  });

  it('the last active global admin cannot be deactivated', () => {
    given({ [P]: registered() })
      .when('DeactivatePartnerUser', { partnerId: 'p1', userId: 'admin' }, { actor: admin })
      .thenRefused('last-global-admin', { userId: 'admin' });
  });

  it('a global admin can be deactivated while another active one remains', () => {
    given({ [P]: [...registered(), userCreated('ga2'), roleAssigned('ga2', 'global-admin')] })
      .when('DeactivatePartnerUser', { partnerId: 'p1', userId: 'admin' }, { actor: partnerUser('ga2') })
      .thenEmits({ [P]: [{ type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'admin' } }] });
  });

  it('an inactive second global admin does not count as a remaining one', () => {
    given({
      [P]: [
        ...registered(),
        userCreated('ga2'),
        roleAssigned('ga2', 'global-admin'),
        { type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'ga2' } },
      ],
    })
      .when('DeactivatePartnerUser', { partnerId: 'p1', userId: 'admin' }, { actor: admin })
      .thenRefused('last-global-admin');
  });
});

describe('AssignAdminRole / RevokeAdminRole', () => {
  const base = [...registered(), userCreated('u1')];

  it('a global admin assigns an own-company role', () => {
    given({ [P]: base })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'company', role: 'billing-admin' },
        { actor: admin },
      )
      .thenEmits({ [P]: [roleAssigned('u1', 'billing-admin')] });
  });

  it('a global admin assigns supported-companies access, independent of the company role', () => {
    given({ [P]: [...base, roleAssigned('u1', 'billing-admin')] })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'customers', role: 'full' },
        { actor: admin },
      )
      .thenEmits({ [P]: [roleAssigned('u1', 'full')] });
  });

  it('replacing a role records the previous one', () => {
    given({ [P]: [...base, roleAssigned('u1', 'limited')] })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'customers', role: 'full' },
        { actor: admin },
      )
      .thenEmits({ [P]: [roleAssigned('u1', 'full', 'p1', 'limited')] });
  });

  it('assigning a role the user already holds writes nothing', () => {
    given({ [P]: [...base, roleAssigned('u1', 'billing-admin')] })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'company', role: 'billing-admin' },
        { actor: admin },
      )
      .thenNothing();
  });

  it('assigning supported-companies access the user already holds writes nothing', () => {
    given({ [P]: [...base, roleAssigned('u1', 'limited')] })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'customers', role: 'limited' },
        { actor: admin },
      )
      .thenNothing();
  });

  it('only a global admin assigns roles (a user management admin may not)', () => {
    given({ [P]: [...base, userCreated('um'), roleAssigned('um', 'user-management-admin')] })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'company', role: 'billing-admin' },
        { actor: partnerUser('um') },
      )
      .thenRefused('access-denied', { action: 'manage-roles' });
  });

  it('a full-access user may not assign roles', () => {
    given({ [P]: [...base, userCreated('f'), roleAssigned('f', 'full')] })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'customers', role: 'limited' },
        { actor: partnerUser('f') },
      )
      .thenRefused('access-denied');
  });

  it('a role from the wrong scope is refused', () => {
    given({ [P]: base })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'company', role: 'full' },
        { actor: admin },
      )
      .thenRefused('role-not-in-scope');
    given({ [P]: base })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'customers', role: 'global-admin' },
        { actor: admin },
      )
      .thenRefused('role-not-in-scope');
  });

  it('assigning to an unknown or deactivated user is refused', () => {
    given({ [P]: base })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'zz', scope: 'company', role: 'billing-admin' },
        { actor: admin },
      )
      .thenRefused('partner-user-not-found');
    given({ [P]: [...base, { type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'u1' } }] })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'company', role: 'billing-admin' },
        { actor: admin },
      )
      .thenRefused('partner-user-inactive');
  });

  // Review finding: the inactive check came first, so a retried assignment after a deactivation was
  // refused instead of answering the no-op.
  it('re-assigning a role a deactivated user already holds writes nothing; a new role stays refused', () => {
    const history = {
      [P]: [
        ...base,
        roleAssigned('u1', 'billing-admin'),
        roleAssigned('u1', 'limited'),
        { type: 'PartnerUserDeactivated', data: { partnerId: 'p1', userId: 'u1' } },
      ],
    };
    given(history)
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'company', role: 'billing-admin' },
        { actor: admin },
      )
      .thenNothing();
    given(history)
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'customers', role: 'limited' },
        { actor: admin },
      )
      .thenNothing();
    given(history)
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'company', role: 'service-admin' },
        { actor: admin },
      )
      .thenRefused('partner-user-inactive');
    given(history)
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'customers', role: 'full' },
        { actor: admin },
      )
      .thenRefused('partner-user-inactive');
  });

  it('the last active global admin cannot be given another company role', () => {
    given({ [P]: registered() })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'admin', scope: 'company', role: 'billing-admin' },
        { actor: admin },
      )
      .thenRefused('last-global-admin');
  });

  it('the last active global admin may still get supported-companies access', () => {
    given({ [P]: registered() })
      .when(
        'AssignAdminRole',
        { partnerId: 'p1', userId: 'admin', scope: 'customers', role: 'full' },
        { actor: admin },
      )
      .thenEmits({ [P]: [roleAssigned('admin', 'full')] });
  });

  it('revokes a role', () => {
    given({ [P]: [...base, roleAssigned('u1', 'limited')] })
      .when('RevokeAdminRole', { partnerId: 'p1', userId: 'u1', scope: 'customers' }, { actor: admin })
      .thenEmits({
        [P]: [
          {
            type: 'AdminRoleRevoked',
            data: { partnerId: 'p1', userId: 'u1', scope: 'customers', role: 'limited' },
          },
        ],
      });
  });

  it('revoking a role not held is refused', () => {
    given({ [P]: base })
      .when('RevokeAdminRole', { partnerId: 'p1', userId: 'u1', scope: 'company' }, { actor: admin })
      .thenRefused('role-not-held');
  });

  it('the last active global admin cannot lose the role, not even by themself', () => {
    given({ [P]: registered() })
      .when('RevokeAdminRole', { partnerId: 'p1', userId: 'admin', scope: 'company' }, { actor: admin })
      .thenRefused('last-global-admin');
  });

  it('a global admin can step down while another remains', () => {
    given({ [P]: [...registered(), userCreated('ga2'), roleAssigned('ga2', 'global-admin')] })
      .when('RevokeAdminRole', { partnerId: 'p1', userId: 'admin', scope: 'company' }, { actor: admin })
      .thenEmits({
        [P]: [
          {
            type: 'AdminRoleRevoked',
            data: { partnerId: 'p1', userId: 'admin', scope: 'company', role: 'global-admin' },
          },
        ],
      });
  });

  it('only a global admin revokes roles', () => {
    given({
      [P]: [
        ...base,
        roleAssigned('u1', 'billing-admin'),
        userCreated('b'),
        roleAssigned('b', 'billing-admin'),
      ],
    })
      .when(
        'RevokeAdminRole',
        { partnerId: 'p1', userId: 'u1', scope: 'company' },
        { actor: partnerUser('b') },
      )
      .thenRefused('access-denied');
  });
});
