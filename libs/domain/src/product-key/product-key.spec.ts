import { createDomainCommands } from '../registry';
import { type CommandDefinition, decideWithHistory } from '../shared/command';
import type { DomainEvent } from '../shared/types';
import { commandSpec, SPEC_NOW, specNewId } from '../testing/spec';
import {
  authorizedPartner,
  customerCreated,
  delegatedAdminPartner,
  delegationInForce,
  keyHash,
  partnerUser,
  platform,
  porChanged,
  productKeyRegistered,
  subscriptionStarted,
  testCatalog,
  trialStarted,
} from '../testing/fixtures';

const commands = createDomainCommands(testCatalog);
const given = commandSpec(commands);
const NOW = SPEC_NOW;
const P = 'partner-p1';
const C = 'customer-c1';
const HASH = keyHash('a');
const KEY = `product-key-${HASH}`;
const admin = partnerUser('admin');
const full1 = partnerUser('full1');

// --- RegisterProductKeys ---------------------------------------------------------------------

const key = (seed: string, over: Record<string, unknown> = {}) => ({
  keyHash: keyHash(seed),
  suffix: `${seed.toUpperCase()}2X7Q`.slice(0, 5),
  offerId: 'office-business-premium',
  seats: 20,
  termMonths: 12,
  ...over,
});
const batch = {
  partnerId: 'p1',
  batchId: 'b1',
  keys: [key('a'), key('b', { offerId: 'teams-essentials', seats: 5, termMonths: 1 })],
};
const registeredKey = (k: ReturnType<typeof key>) => ({
  type: 'ProductKeyRegistered',
  data: { ...k, partnerId: 'p1', batchId: 'b1', registeredAt: NOW },
});

describe('RegisterProductKeys', () => {
  it('registers a batch: the batch record, and one stream per key (salted hash, display suffix)', () => {
    given({ [P]: authorizedPartner() })
      .when('RegisterProductKeys', batch, { actor: platform })
      .thenEmits({
        'product-key-batch-b1': [
          {
            type: 'ProductKeyBatchRegistered',
            data: { batchId: 'b1', partnerId: 'p1', keys: batch.keys, registeredAt: NOW },
          },
        ],
        [`product-key-${keyHash('a')}`]: [registeredKey(key('a'))],
        [`product-key-${keyHash('b')}`]: [
          registeredKey(key('b', { offerId: 'teams-essentials', seats: 5, termMonths: 1 })),
        ],
      })
      .thenIds({ batchId: 'b1' });
  });

  it('has the batch as primary and one claim alias per key (written first, expected not to exist)', () => {
    const definition = commands.get('RegisterProductKeys')!;
    const specs = definition.streams(batch, { actor: platform, now: NOW, newId: specNewId });
    expect(definition.primary).toBe('batch');
    expect(specs.batch.stream).toBe('product-key-batch-b1');
    expect(Object.values(specs).map((s) => s.stream)).toEqual([
      'product-key-batch-b1',
      'partner-p1',
      `product-key-${keyHash('a')}`,
      `product-key-${keyHash('b')}`,
    ]);
  });

  it('generates the batch id; normalises the hash to lower case and the suffix to upper case', () => {
    const out = given({ [P]: authorizedPartner() })
      .when(
        'RegisterProductKeys',
        { partnerId: 'p1', keys: [key('c', { keyHash: keyHash('C'), suffix: 'c2x7q' })] },
        { actor: platform },
      )
      .thenIds({ batchId: 'new-batchId' });
    expect(out.events[`product-key-${keyHash('c')}`][0].data).toMatchObject({
      keyHash: keyHash('c'),
      suffix: 'C2X7Q',
    });
  });

  it('refuses a key already registered (by another batch, or racing one)', () => {
    given({
      [P]: authorizedPartner(),
      [`product-key-${keyHash('b')}`]: [productKeyRegistered({ keyHash: keyHash('b') })],
    })
      .when('RegisterProductKeys', batch, { actor: platform })
      .thenRefused('product-key-already-registered', { index: 1, suffix: 'B2X7Q' });
  });

  it('refuses a batch id already used', () => {
    given({
      [P]: authorizedPartner(),
      'product-key-batch-b1': [{ type: 'ProductKeyBatchRegistered', data: {} }],
    })
      .when('RegisterProductKeys', batch, { actor: platform })
      .thenRefused('product-key-batch-exists', { batchId: 'b1' });
  });

  it('refuses malformed keys, naming which', () => {
    const refused = (k: Record<string, unknown>, code: string, facts?: Record<string, unknown>) =>
      given({ [P]: authorizedPartner() })
        .when('RegisterProductKeys', { ...batch, keys: [key('a'), k] }, { actor: platform })
        .thenRefused(code, facts);
    refused(key('b', { keyHash: 'abc' }), 'invalid-product-key-hash', { index: 1 });
    refused(key('b', { keyHash: 'g'.repeat(64) }), 'invalid-product-key-hash');
    refused(key('a'), 'duplicate-product-key', { index: 1 });
    refused(key('b', { suffix: 'AB-12' }), 'invalid-product-key-suffix', { index: 1 });
    refused(key('b', { suffix: 'ABCDEF' }), 'invalid-product-key-suffix');
    refused(key('b', { offerId: 'office-ultimate' }), 'unknown-offer', { offerId: 'office-ultimate' });
    refused(key('b', { offerId: 'project-plan-3', seats: 4 }), 'licenses-out-of-bounds', { min: 5 });
    refused(key('b', { termMonths: 0 }), 'invalid-term-months', { index: 1 });
    refused(key('b', { termMonths: 61 }), 'invalid-term-months');
  });

  it('refuses an empty batch and one of more than 100 keys', () => {
    given({ [P]: authorizedPartner() })
      .when('RegisterProductKeys', { ...batch, keys: [] }, { actor: platform })
      .thenRefused('invalid-batch-size', { keys: 0, max: 100 });
    const many = Array.from({ length: 101 }, (_, i) =>
      key('a', { keyHash: i.toString(16).padStart(64, '0') }),
    );
    given({ [P]: authorizedPartner() })
      .when('RegisterProductKeys', { ...batch, keys: many }, { actor: platform })
      .thenRefused('invalid-batch-size', { keys: 101 });
  });

  it('is only for the platform, for an existing partner', () => {
    given({ [P]: authorizedPartner() })
      .when('RegisterProductKeys', batch, { actor: admin })
      .thenRefused('platform-only');
    given()
      .when('RegisterProductKeys', batch, { actor: platform })
      .thenRefused('partner-not-found', { partnerId: 'p1' });
  });
});

// --- ApplyProductKey -------------------------------------------------------------------------

const newCustomer = {
  companyName: 'Northwind a.s.',
  primaryDomain: 'Northwind.example',
  country: 'sk',
  adminContact: { name: 'Ján Admin', email: 'jan@northwind.example' },
};
const ref = { kind: 'product-key', id: HASH, partnerId: 'p1' };
const applyNew = { partnerId: 'p1', keyHash: HASH, customerId: 'c1', newCustomer };
const applyExisting = { partnerId: 'p1', keyHash: HASH, customerId: 'c1' };
const world = (extra: Record<string, DomainEvent[]> = {}) => ({
  [P]: delegatedAdminPartner(),
  [KEY]: [productKeyRegistered()],
  ...extra,
});
const existing = (...more: DomainEvent[]) => world({ [C]: [...customerCreated(), ...more] });
const applied = (customerId = 'c1', subscriptionId = 'new-subscriptionId', appliedBy = 'admin') => ({
  type: 'ProductKeyApplied',
  data: {
    keyHash: HASH,
    suffix: 'K7Q2X',
    partnerId: 'p1',
    customerId,
    subscriptionId,
    offerId: 'office-business-premium',
    seats: 20,
    termMonths: 12,
    appliedBy,
    appliedAt: NOW,
  },
});
const started = (over: Record<string, unknown> = {}) => ({
  type: 'SubscriptionStarted',
  data: {
    customerId: 'c1',
    subscriptionId: 'new-subscriptionId',
    offerId: 'office-business-premium',
    partnerId: 'p1',
    partnerOfRecordId: 'p1',
    licenses: 20,
    startedAt: NOW,
    endsAt: '2027-01-01T00:00:00.000Z',
    termMonths: 12,
    via: ref,
    ...over,
  },
});

describe('ApplyProductKey: a new customer', () => {
  it('creates the tenant, makes the partner advisor and POR, starts the subscription, uses the key', () => {
    given(world())
      .when('ApplyProductKey', applyNew, { actor: admin })
      .thenEmits({
        'customer-domain-northwind.example': [
          { type: 'CustomerDomainClaimed', data: { domain: 'northwind.example', customerId: 'c1' } },
        ],
        [KEY]: [applied()],
        [C]: [
          {
            type: 'CustomerCreated',
            data: {
              customerId: 'c1',
              companyName: 'Northwind a.s.',
              primaryDomain: 'northwind.example',
              country: 'SK',
              adminContact: { name: 'Ján Admin', email: 'jan@northwind.example' },
              signedUpVia: ref,
            },
          },
          {
            type: 'CustomerUserCreated',
            data: {
              customerId: 'c1',
              userId: 'new-userId',
              email: 'jan@northwind.example',
              displayName: 'Ján Admin',
              role: 'global-admin',
            },
          },
          { type: 'CustomerAdvisorAdded', data: { customerId: 'c1', partnerId: 'p1', via: ref } },
          {
            type: 'PartnerOfRecordChanged',
            data: { customerId: 'c1', partnerId: 'p1', previousPartnerId: null, via: ref },
          },
          started(),
        ],
      })
      .thenIds({ customerId: 'c1', userId: 'new-userId', subscriptionId: 'new-subscriptionId' });
  });

  it('the key sets the seats and the term (not the catalog)', () => {
    const out = given(world({ [KEY]: [productKeyRegistered({ seats: 7, termMonths: 36 })] })).when(
      'ApplyProductKey',
      applyNew,
      { actor: admin },
    );
    expect(out.events[C].find((e) => e.type === 'SubscriptionStarted')?.data).toMatchObject({
      licenses: 7,
      termMonths: 36,
      endsAt: '2029-01-01T00:00:00.000Z',
    });
  });

  it('reuses the sign-up rules: a domain taken, a customer id taken, invalid tenant facts', () => {
    given(
      world({
        'customer-domain-northwind.example': [
          { type: 'CustomerDomainClaimed', data: { domain: 'northwind.example', customerId: 'c7' } },
        ],
      }),
    )
      .when('ApplyProductKey', applyNew, { actor: admin })
      .thenRefused('domain-taken');
    given(existing())
      .when('ApplyProductKey', applyNew, { actor: admin })
      .thenRefused('customer-already-exists');
    given(world())
      .when(
        'ApplyProductKey',
        { ...applyNew, newCustomer: { ...newCustomer, country: 'XX' } },
        { actor: admin },
      )
      .thenRefused('invalid-country');
  });

  it.each(['domain-fabrikam.example', 'c.1', '-c1', 'c 1', '', 'c'.repeat(65)])(
    'refuses the invalid customer id %p for a new customer',
    (customerId) => {
      given(world())
        .when('ApplyProductKey', { ...applyNew, customerId }, { actor: admin })
        .thenRefused('invalid-customer-id', { customerId });
    },
  );

  it('offers delegated administration at the same time (pending until the customer accepts)', () => {
    given(world())
      .when(
        'ApplyProductKey',
        { ...applyNew, delegatedAdmin: { access: 'limited', durationDays: 365, autoExtend: true } },
        { actor: full1 },
      )
      .thenIds({ delegationId: 'new-delegationId' })
      .thenEmits({
        'customer-domain-northwind.example': [
          { type: 'CustomerDomainClaimed', data: { domain: 'northwind.example', customerId: 'c1' } },
        ],
        [KEY]: [applied('c1', 'new-subscriptionId', 'full1')],
        [C]: [
          expect.objectContaining({ type: 'CustomerCreated' }),
          expect.objectContaining({ type: 'CustomerUserCreated' }),
          expect.objectContaining({ type: 'CustomerAdvisorAdded' }),
          expect.objectContaining({ type: 'PartnerOfRecordChanged' }),
          started(),
          {
            type: 'DelegationOffered',
            data: {
              customerId: 'c1',
              partnerId: 'p1',
              delegationId: 'new-delegationId',
              access: 'limited',
              durationDays: 365,
              autoExtend: true,
              offeredAt: NOW,
              offerExpiresAt: '2026-04-01T00:00:00.000Z',
              offeredBy: 'full1',
              via: { kind: 'product-key', id: HASH },
              startsAt: null,
              endsAt: null,
            },
          },
        ],
      });
  });

  it('refuses the delegated-admin option to a user with limited administration, who may apply the key alone', () => {
    given(world())
      .when(
        'ApplyProductKey',
        { ...applyNew, delegatedAdmin: { access: 'full' } },
        { actor: partnerUser('lim1') },
      )
      .thenRefused('access-denied', { action: 'offer-delegations', customerAccess: 'limited' });
    given(world({ [P]: delegatedAdminPartner(['advisor']) }))
      .when(
        'ApplyProductKey',
        { ...applyNew, delegatedAdmin: { access: 'limited' } },
        { actor: partnerUser('lim1') },
      )
      .thenRefused('access-denied', { action: 'offer-delegations' });
  });

  it('refuses the delegated-admin option without the certification, or with invalid terms', () => {
    given(world({ [P]: authorizedPartner(['advisor']) }))
      .when('ApplyProductKey', { ...applyNew, delegatedAdmin: { access: 'full' } }, { actor: admin })
      .thenRefused('not-delegated-admin-certified');
    given(world())
      .when(
        'ApplyProductKey',
        { ...applyNew, delegatedAdmin: { access: 'full', autoExtend: true } },
        { actor: admin },
      )
      .thenRefused('auto-extend-not-allowed-for-full');
    given(world())
      .when(
        'ApplyProductKey',
        { ...applyNew, delegatedAdmin: { access: 'full', durationDays: 800 } },
        { actor: admin },
      )
      .thenRefused('invalid-delegation-duration');
  });

  it.each(['true', 1])('refuses an auto-extension of %p, which is not true or false', (autoExtend) => {
    given(world())
      .when(
        'ApplyProductKey',
        { ...applyNew, delegatedAdmin: { access: 'limited', autoExtend } },
        { actor: admin },
      )
      .thenRefused('invalid-auto-extend');
  });

  it('refuses an uncertified partner for the option before looking at the terms, as invitations do', () => {
    given(world({ [P]: authorizedPartner(['advisor']) }))
      .when(
        'ApplyProductKey',
        { ...applyNew, delegatedAdmin: { access: 'full', durationDays: 800 } },
        { actor: admin },
      )
      .thenRefused('not-delegated-admin-certified');
  });
});

describe('ApplyProductKey: an existing customer', () => {
  it('for a customer it advises: takes over as Partner of Record, named on the new subscription', () => {
    given(existing(porChanged('p2', null)))
      .when('ApplyProductKey', applyExisting, { actor: admin })
      .thenEmits({
        [KEY]: [applied()],
        [C]: [
          {
            type: 'PartnerOfRecordChanged',
            data: { customerId: 'c1', partnerId: 'p1', previousPartnerId: 'p2', via: ref },
          },
          started(),
        ],
      })
      .thenIds({ customerId: 'c1', subscriptionId: 'new-subscriptionId' });
  });

  it('converts a running trial of the offer with the key’s seats and term', () => {
    given(existing(porChanged('p1'), trialStarted({ offerId: 'office-business-premium' })))
      .when('ApplyProductKey', applyExisting, { actor: admin })
      .thenEmits({
        [KEY]: [applied('c1', 's1')],
        [C]: [
          {
            type: 'TrialConverted',
            data: {
              customerId: 'c1',
              subscriptionId: 's1',
              offerId: 'office-business-premium',
              partnerId: 'p1',
              partnerOfRecordId: 'p1',
              licenses: { from: 25, to: 20 },
              endsAt: { from: '2026-01-14T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' },
              paidFrom: NOW,
              termMonths: 12,
              via: ref,
            },
          },
        ],
      })
      .thenIds({ subscriptionId: 's1' });
  });

  it('for a customer of another advisor only through a delegation in force (then becomes its advisor)', () => {
    const other = [...customerCreated('c1', 'cadmin', 'p2')];
    given(world({ [C]: other }))
      .when('ApplyProductKey', applyExisting, { actor: admin })
      .thenRefused('customer-not-found', { customerId: 'c1' });
    const out = given(world({ [C]: [...other, ...delegationInForce()] })).when(
      'ApplyProductKey',
      applyExisting,
      {
        actor: admin,
      },
    );
    expect(out.events[C].map((e) => e.type)).toEqual([
      'CustomerAdvisorAdded',
      'PartnerOfRecordChanged',
      'SubscriptionStarted',
    ]);
  });

  it('answers not-found for an unknown customer', () => {
    given(world()).when('ApplyProductKey', applyExisting, { actor: admin }).thenRefused('customer-not-found');
  });

  it('refuses when the customer already pays for the offer, or its trial is suspended', () => {
    given(existing(subscriptionStarted({ offerId: 'office-business-premium' })))
      .when('ApplyProductKey', applyExisting, { actor: admin })
      .thenRefused('already-subscribed', { subscriptionId: 's2' });
    given(
      existing(trialStarted({ offerId: 'office-business-premium' }), {
        type: 'SubscriptionSuspended',
        data: { customerId: 'c1', subscriptionId: 's1', by: 'platform', reason: null, suspendedAt: NOW },
      }),
    )
      .when('ApplyProductKey', applyExisting, { actor: admin })
      .thenRefused('subscription-suspended', { subscriptionId: 's1' });
  });
});

describe('ApplyProductKey: the key and the partner', () => {
  it('answers product-key-not-found for an unknown key, another partner’s key, or a malformed hash', () => {
    given(world({ [KEY]: [] }))
      .when('ApplyProductKey', applyNew, { actor: admin })
      .thenRefused('product-key-not-found', {});
    given(world({ [KEY]: [productKeyRegistered({ partnerId: 'p2' })] }))
      .when('ApplyProductKey', applyNew, { actor: admin })
      .thenRefused('product-key-not-found');
    given(world())
      .when('ApplyProductKey', { ...applyNew, keyHash: 'K7Q2X' }, { actor: admin })
      .thenRefused('product-key-not-found');
  });

  it('is refused to a partner that is not an advisor (now)', () => {
    given(world({ [P]: authorizedPartner(['delegated-admin-certified']) }))
      .when('ApplyProductKey', applyNew, { actor: admin })
      .thenRefused('partner-not-an-advisor', { partnerId: 'p1' });
  });

  it('is for a global admin or a user with customer access; refused to others and the platform', () => {
    given(world())
      .when('ApplyProductKey', applyNew, { actor: partnerUser('lim1') })
      .thenIds({ customerId: 'c1' });
    given(world())
      .when('ApplyProductKey', applyNew, { actor: partnerUser('none1') })
      .thenRefused('access-denied', { action: 'create-invitations' });
    given(world()).when('ApplyProductKey', applyNew, { actor: platform }).thenRefused('access-denied');
    given(world())
      .when('ApplyProductKey', applyNew, { actor: partnerUser('admin', 'p2') })
      .thenRefused('partner-not-found');
  });

  it('refuses a key already used', () => {
    given(world({ [KEY]: [productKeyRegistered(), applied('c7', 's7')] }))
      .when('ApplyProductKey', applyNew, { actor: admin })
      .thenRefused('product-key-already-used', { suffix: 'K7Q2X' });
  });
});

describe('ApplyProductKey: two applications of one key at once', () => {
  const applyA = applyNew;
  const applyB = {
    partnerId: 'p1',
    keyHash: HASH,
    customerId: 'c2',
    newCustomer: { ...newCustomer, primaryDomain: 'contoso-b.example' },
  };

  it('both decide from the same key state (revision 0); the claim is on the key stream, written first', () => {
    const definition = commands.get('ApplyProductKey')!;
    const revisions: number[] = [];
    const spy: CommandDefinition = {
      ...definition,
      decide: (p, loaded, ctx) => {
        revisions.push(loaded.key.revision);
        return definition.decide(p, loaded, ctx);
      },
    };
    const history = world();
    const ctx = { actor: admin, now: NOW, newId: specNewId };
    const a = decideWithHistory(spy, applyA, ctx, (s) => history[s] ?? []);
    const b = decideWithHistory(spy, applyB, ctx, (s) => history[s] ?? []);
    // Both read the key at revision 0 and both would append ProductKeyApplied there, expecting 0:
    expect(revisions).toEqual([0, 0]);
    expect(a.specs.key.stream).toBe(KEY);
    expect(definition.primary).toBe('customer');
    expect(a.result.events.key).toEqual([applied('c1')]);
    expect(b.result.events.key).toEqual([applied('c2')]);
    // The key alias is a claim (non-primary): the pipeline appends it before the customer stream, so
    // the loser's append fails on the key stream before it wrote anything to its customer.
  });

  it('the first wins; the second, retried on the key stream as it now is, is refused', () => {
    const first = given(world()).when('ApplyProductKey', applyA, { actor: admin });
    given(world()).when('ApplyProductKey', applyB, { actor: admin }).thenIds({ customerId: 'c2' });
    given(world({ [KEY]: [productKeyRegistered(), ...first.events[KEY]] }))
      .when('ApplyProductKey', applyB, { actor: admin })
      .thenRefused('product-key-already-used');
  });
});
