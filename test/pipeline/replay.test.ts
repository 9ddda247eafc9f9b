import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { type Actor, type EventStore, createEventStore } from '@pc/event-store';
import {
  CLAIM_RELEASED,
  type DomainEvent,
  type Evolver,
  createDomainCommands,
  defineCommand,
  parseCatalog,
  registry,
} from '@pc/domain';
import { type CommandContext, ReplayMismatchError, createCommandPipeline } from '@pc/pipeline';
import { createTestSchema, pgUrl } from '../support/postgres';
import { withAppend } from '../support/event-stores';

/**
 * A replay (a command id its primary stream already holds) answers as the first time with the REAL
 * domain commands: decided again on every stream as it stood just before the command, at the
 * command's own time. Regression: it was decided on the streams the command did not write as they
 * are now, with the retry's clock, and a refusal was answered as `ids: {}` (an invite revoked since,
 * an advisor authorization revoked since, an invite expired since).
 */
const catalogJson = JSON.parse(readFileSync(join(__dirname, '../../config/catalog.json'), 'utf8')) as {
  services: { offerId: string; trial: unknown }[];
};
const commands = createDomainCommands(parseCatalog(catalogJson));
const OFFER = 'office-business-basic';

const platform: Actor = { kind: 'platform', id: 'platform-ops' };
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 5, 9, minutes)).toISOString();
const ctx = (actor: Actor, now: string): CommandContext => ({
  commandId: randomUUID(),
  correlationId: 'corr-replay',
  actor,
  service: { kind: 'service', id: 'admin-center' },
  now,
});

const stores: { name: string; open(): Promise<{ store: EventStore; close(): Promise<void> }> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'pc-replay-'));
      const store = await createEventStore({ kind: 'sqlite', path: join(dir, 'events.sqlite') });
      return {
        store,
        async close() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await createTestSchema('replay');
      const store = await createEventStore({ kind: 'postgres', url: pgUrl(), schema: schema.name });
      return {
        store,
        async close() {
          await store.close();
          await schema.drop();
        },
      };
    },
  },
];

describe.each(stores)('a replay answers as the first time ($name)', ({ open }) => {
  let store: EventStore;
  let close: () => Promise<void>;
  beforeAll(async () => ({ store, close } = await open()));
  afterAll(() => close());

  const pipeline = () => createCommandPipeline({ store, commands });
  const unique = () => randomUUID().slice(0, 8);

  /** A registered partner holding the advisor authorization from minute 0, and its global admin. */
  async function advisor() {
    const partnerId = `p-${unique()}`;
    const p = pipeline();
    await p.execute(
      'RegisterPartner',
      {
        partnerId,
        profile: {
          legalName: 'Contoso Partners s.r.o.',
          address: { line1: 'Hlavná 1', city: 'Bratislava', postalCode: '811 01', country: 'SK' },
          phone: '+421 2 1234 5678',
          email: 'office@contoso.example',
        },
        firstUser: { userId: 'admin', email: 'admin@contoso.example', displayName: 'Admin' },
      },
      ctx(platform, at(0)),
    );
    await p.execute('GrantAuthorization', { partnerId, authorization: 'advisor' }, ctx(platform, at(0)));
    const admin: Actor = { kind: 'partner-user', id: 'admin', partnerId };
    return { partnerId, admin };
  }

  async function trialInvite(extra: Record<string, unknown> = {}) {
    const { partnerId, admin } = await advisor();
    const code = randomBytes(18).toString('base64url');
    const create = ctx(admin, at(1));
    const payload = { partnerId, code, offerId: OFFER, ...extra };
    const created = await pipeline().execute('CreateTrialInvite', payload, create);
    return { partnerId, admin, code, create, payload, created, inviteId: created.ids.inviteId };
  }

  const newCustomer = () => ({
    companyName: 'Fabrikam s.r.o.',
    primaryDomain: `fabrikam-${unique()}.example`,
    country: 'SK',
    adminContact: { name: 'Eva Admin', email: 'eva@fabrikam.example' },
  });

  it('RedeemTrialInvite for a new customer, replayed after the invite was revoked: the same ids', async () => {
    const { partnerId, admin, code, inviteId } = await trialInvite();
    const redeem = ctx(platform, at(2));
    const payload = { inviteId, partnerId, code, newCustomer: newCustomer() };
    const first = await pipeline().execute('RedeemTrialInvite', payload, redeem);
    expect(Object.keys(first.ids).sort()).toEqual(['customerId', 'subscriptionId', 'userId']);

    await pipeline().execute('RevokeTrialInvite', { partnerId, inviteId }, ctx(admin, at(3)));
    // The same command id (the gateway's retry after its answer was lost), later, in a new process.
    const retry = await pipeline().execute('RedeemTrialInvite', payload, { ...redeem, now: at(4) });
    expect(retry).toEqual({ ...first, replayed: true });
  });

  it('CreateTrialInvite, replayed after the advisor authorization was revoked: the same inviteId', async () => {
    const { partnerId, create, payload, created } = await trialInvite();
    expect(created.ids.inviteId).toEqual(expect.any(String));
    await pipeline().execute(
      'RevokeAuthorization',
      { partnerId, authorization: 'advisor' },
      ctx(platform, at(3)),
    );
    const retry = await pipeline().execute('CreateTrialInvite', payload, { ...create, now: at(4) });
    expect(retry).toEqual({ ...created, replayed: true });
  });

  it("is decided at the command's own time: an invite that has expired since still gives the ids", async () => {
    const { partnerId, code, inviteId } = await trialInvite({ expiresAt: at(10) });
    const redeem = ctx(platform, at(2));
    const payload = { inviteId, partnerId, code, newCustomer: newCustomer() };
    const first = await pipeline().execute('RedeemTrialInvite', payload, redeem);
    expect(first.ids.subscriptionId).toEqual(expect.any(String));
    const retry = await pipeline().execute('RedeemTrialInvite', payload, { ...redeem, now: at(20) });
    expect(retry).toEqual({ ...first, replayed: true });
  });

  it('a command retried after a crash between its claim and its primary write replays as it completed', async () => {
    const { partnerId, admin, code, inviteId } = await trialInvite();
    const redeem = ctx(platform, at(2));
    const payload = { inviteId, partnerId, code, newCustomer: newCustomer() };
    // The process dies when it reaches the primary write: nothing it tries afterwards lands (not even
    // the pipeline's best-effort release of the domain claim it wrote).
    let dead = false;
    const crashing = createCommandPipeline({
      store: withAppend(store, async (s, events, o) => {
        if (dead || !s.startsWith('customer-domain-')) {
          dead = true;
          throw new Error('process died');
        }
        return store.append(s, events, o);
      }),
      commands,
    });
    await expect(crashing.execute('RedeemTrialInvite', payload, redeem)).rejects.toThrow('process died');
    const domain = `customer-domain-${payload.newCustomer.primaryDomain}`;
    expect((await store.readStream(domain)).map((e) => e.type)).toEqual(['CustomerDomainClaimed']);
    // Completed by the retry a minute later; then the invite is revoked.
    const completed = await pipeline().execute('RedeemTrialInvite', payload, { ...redeem, now: at(3) });
    expect(completed.replayed).toBe(false);
    await pipeline().execute('RevokeTrialInvite', { partnerId, inviteId }, ctx(admin, at(4)));
    const retry = await pipeline().execute('RedeemTrialInvite', payload, { ...redeem, now: at(5) });
    expect(retry).toEqual({ ...completed, replayed: true });
  });

  // The crashed attempt decided (and claimed) at minute 2; the retry that completed it decided again at
  // minute 3 and wrote another event: the replay reproduces the decision that wrote the primary stream.
  it('a command completed by a retry that decided otherwise than its crashed attempt replays as completed', async () => {
    const claimEvolver: Evolver<{ taken: boolean }, DomainEvent> = {
      initialState: { taken: false },
      evolve: (s, e) => (e.type === 'Claimed' ? { taken: true } : s),
    };
    const stamping = registry(
      defineCommand<{ id: string }>({
        type: 'ClaimAndStamp',
        primary: 'record',
        streams: (p) => ({
          claim: { stream: `stamp-claim-${p.id}`, evolver: claimEvolver as Evolver<unknown, DomainEvent> },
          record: { stream: `stamp-${p.id}`, evolver: claimEvolver as Evolver<unknown, DomainEvent> },
        }),
        decide: (p, _loaded, c) => ({
          events: {
            claim: [{ type: 'Claimed', data: {} }],
            record: [{ type: c.now < at(3) ? 'StampedEarly' : 'StampedLate', data: {} }],
          },
          ids: { stampId: c.newId('stamp') },
        }),
      }),
    );
    const id = unique();
    const command = ctx(platform, at(2));
    let dead = false;
    const crashing = createCommandPipeline({
      store: withAppend(store, async (s, events, o) => {
        if (dead || s === `stamp-${id}`) {
          dead = true;
          throw new Error('process died');
        }
        return store.append(s, events, o);
      }),
      commands: stamping,
    });
    await expect(crashing.execute('ClaimAndStamp', { id }, command)).rejects.toThrow('process died');
    const completed = await createCommandPipeline({ store, commands: stamping }).execute(
      'ClaimAndStamp',
      { id },
      { ...command, now: at(3) },
    );
    expect(completed.eventTypes).toEqual(['Claimed', 'StampedLate']);
    const retry = await createCommandPipeline({ store, commands: stamping }).execute(
      'ClaimAndStamp',
      { id },
      { ...command, now: at(4) },
    );
    expect(retry).toEqual({ ...completed, replayed: true });
  });

  it('a replay that cannot be decided again as stored fails clearly, answers no empty ids, keeps its claims', async () => {
    const { partnerId, code, inviteId } = await trialInvite();
    const redeem = ctx(platform, at(2));
    const customer = newCustomer();
    const payload = { inviteId, partnerId, code, newCustomer: customer };
    await pipeline().execute('RedeemTrialInvite', payload, redeem);
    // The catalog changed since (the offer lost its trial): a decision outside the streams' facts.
    const changed = createDomainCommands(
      parseCatalog({
        ...catalogJson,
        services: catalogJson.services.map((s) => (s.offerId === OFFER ? { ...s, trial: null } : s)),
      }),
    );
    const replay = createCommandPipeline({ store, commands: changed }).execute('RedeemTrialInvite', payload, {
      ...redeem,
      now: at(3),
    });
    await expect(replay).rejects.toBeInstanceOf(ReplayMismatchError);
    await expect(replay).rejects.toThrow(/offer-has-no-trial/);
    const claim = await store.readStream(`customer-domain-${customer.primaryDomain}`);
    expect(claim.map((e) => e.type)).not.toContain(CLAIM_RELEASED);
  });
});
