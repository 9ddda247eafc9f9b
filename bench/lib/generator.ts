import { createHash } from 'node:crypto';
import type { Actor, EventStore } from '@pc/event-store';
import { type Catalog, createDomainCommands } from '@pc/domain';
import { type CommandResult, type ExtendedPipeline, createCommandPipeline } from '@pc/pipeline';
import { createRandom, elapsedMs, forEachLimited } from './stats';

/**
 * Builds a realistic history THROUGH THE REAL COMMAND PIPELINE (createCommandPipeline over
 * createDomainCommands(catalog)): partners with users, roles and authorizations; trial invites,
 * purchase offers and product-key batches; one big partner whose clients are customers created by
 * redemptions (70 %) and product keys (30 %); then smaller partners' customers with trials,
 * purchase-offer acceptances (new and converting), delegations offered and accepted, license changes,
 * suspensions and partner-user edits, until the requested number of events is reached.
 */

export interface PartnerInfo {
  partnerId: string;
  adminId: string;
  /** Non-admin users (targets of UpdatePartnerUser / AssignAdminRole in the HTTP mix). */
  userIds: string[];
  certified: boolean;
}

export interface PaidSubscription {
  customerId: string;
  adminUserId: string;
  subscriptionId: string;
  offerId: string;
  licenses: number;
  minLicenses: number;
  maxLicenses: number;
}

export interface World {
  seed: number;
  bigPartnerId: string;
  bigPartnerClients: number;
  partners: PartnerInfo[];
  /** A sample of paid subscriptions (customer admin + ids), for license-change traffic. */
  paid: PaidSubscription[];
  customers: number;
}

export interface GeneratorStats {
  events: number;
  commands: number;
  refused: number;
  seconds: number;
  eventsPerSecond: number;
  commandsPerSecond: number;
  concurrency: number;
}

export interface GenerateOptions {
  store: EventStore;
  catalog: Catalog;
  events: number;
  bigClients: number;
  seed: number;
  concurrency: number;
  label: string;
  /** Called once when the history first reaches `checkpointAt` events, with nothing in flight. */
  checkpointAt?: number;
  onCheckpoint?: (events: number) => Promise<void>;
}

const PLATFORM: Actor = { kind: 'platform', id: 'bench-ops' };
const SIGNUP: Actor = { kind: 'platform', id: 'bench-signup' };
const MAX_PAID_SAMPLE = 50_000;

const code = (seed: number, name: string): string =>
  createHash('sha256').update(`code/${seed}/${name}`).digest('base64url').slice(0, 22);
const keyHash = (seed: number, name: string): string =>
  createHash('sha256').update(`key/${seed}/${name}`).digest('hex');
const suffixOf = (hash: string): string => hash.slice(0, 5).toUpperCase();

interface Invite {
  inviteId: string;
  code: string;
  delegated: boolean;
}
interface Offer {
  purchaseOfferId: string;
  code: string;
  delegated: boolean;
}
interface PartnerAssets extends PartnerInfo {
  invites: Invite[];
  offers: Offer[];
  keys: string[];
}

export async function generate(options: GenerateOptions): Promise<{ world: World; stats: GeneratorStats }> {
  const { store, catalog, seed, label } = options;
  const random = createRandom(seed);
  const pipeline: ExtendedPipeline = createCommandPipeline({
    store,
    commands: createDomainCommands(catalog),
  });
  const bounds = new Map(catalog.services.map((s) => [s.offerId, s]));
  let commandNo = 0;
  let events = 0;
  let commands = 0;
  let refused = 0;
  const started = process.hrtime.bigint();
  let lastProgress = 0;

  const progress = (force = false): void => {
    const now = Date.now();
    if (!force && now - lastProgress < 1000) return;
    lastProgress = now;
    const s = elapsedMs(started) / 1000;
    const pct = ((100 * events) / options.events).toFixed(1);
    process.stderr.write(
      `[generate ${label}] ${events.toLocaleString('en-US')}/${options.events.toLocaleString('en-US')} events ` +
        `(${pct} %) ${Math.round(events / s).toLocaleString('en-US')} ev/s, ` +
        `${Math.round(commands / s).toLocaleString('en-US')} cmd/s, ${s.toFixed(0)} s\n`,
    );
  };

  async function run(type: string, payload: Record<string, unknown>, actor: Actor): Promise<CommandResult> {
    const n = ++commandNo;
    const result = await pipeline.execute(type, payload, {
      commandId: `bench-${seed}-${n}`,
      correlationId: `bench-${seed}-${n}`,
      actor,
      service: { kind: 'service', id: 'bench-generator' },
      now: new Date().toISOString(),
    });
    commands++;
    events += result.eventTypes.length;
    progress();
    return result;
  }

  /** A refusal the history can live with (e.g. a random toggle that changes nothing); counted, not fatal. */
  async function tolerant(type: string, payload: Record<string, unknown>, actor: Actor): Promise<void> {
    try {
      await run(type, payload, actor);
    } catch (error) {
      if ((error as { code?: unknown }).code === undefined) throw error;
      refused++;
    }
  }

  const partnerAdmin = (p: PartnerInfo): Actor => ({
    kind: 'partner-user',
    id: p.adminId,
    partnerId: p.partnerId,
  });
  const customerAdmin = (customerId: string, userId: string): Actor => ({
    kind: 'customer-user',
    id: userId,
    customerId,
  });

  async function setUpPartner(partnerId: string, certified: boolean, users: number, keyBatches: number) {
    const adminId = `${partnerId}-admin`;
    await run(
      'RegisterPartner',
      {
        partnerId,
        profile: {
          legalName: `${partnerId} s.r.o.`,
          address: { line1: 'Hlavná 1', city: 'Bratislava', postalCode: '811 01', country: 'SK' },
          phone: '+421 2 1234 5678',
          email: `office@${partnerId}.example`,
        },
        firstUser: { userId: adminId, email: `${adminId}@${partnerId}.example`, displayName: 'Admin' },
      },
      PLATFORM,
    );
    await run('VerifyCompanyProfile', { partnerId }, PLATFORM);
    await run('GrantAuthorization', { partnerId, authorization: 'advisor' }, PLATFORM);
    if (certified)
      await run('GrantAuthorization', { partnerId, authorization: 'delegated-admin-certified' }, PLATFORM);
    const info: PartnerAssets = {
      partnerId,
      adminId,
      userIds: [],
      certified,
      invites: [],
      offers: [],
      keys: [],
    };
    const admin = partnerAdmin(info);
    for (let u = 0; u < users; u++) {
      const userId = `${partnerId}-u${u}`;
      await run(
        'CreatePartnerUser',
        { partnerId, userId, email: `${userId}@${partnerId}.example`, displayName: `User ${u}` },
        admin,
      );
      info.userIds.push(userId);
      const role = u % 4 === 0 ? 'full' : u % 4 === 1 ? 'limited' : null;
      if (role) await run('AssignAdminRole', { partnerId, userId, scope: 'customers', role }, admin);
      if (u % 5 === 2)
        await run('AssignAdminRole', { partnerId, userId, scope: 'company', role: 'billing-admin' }, admin);
    }
    await run('UpdateCompanyProfile', { partnerId, changes: { phone: '+421 2 9999 0000' } }, admin);
    const trials = ['office-business-basic', 'exchange-online-plan-1', 'project-plan-3'];
    for (let i = 0; i < trials.length; i++) {
      const inviteId = `${partnerId}-inv${i}`;
      const delegated = certified && i === 0;
      const c = code(seed, inviteId);
      await run(
        'CreateTrialInvite',
        {
          partnerId,
          inviteId,
          code: c,
          offerId: trials[i],
          ...(delegated
            ? { includeDelegatedAdmin: true, delegation: { access: 'limited', autoExtend: true } }
            : {}),
        },
        admin,
      );
      info.invites.push({ inviteId, code: c, delegated });
    }
    const offerLines = [
      [{ offerId: 'office-business-basic', licenses: 20 }],
      [
        { offerId: 'office-business-standard', licenses: 10 },
        { offerId: 'teams-essentials', licenses: 5 },
      ],
    ];
    for (let i = 0; i < offerLines.length; i++) {
      const purchaseOfferId = `${partnerId}-po${i}`;
      const delegated = certified && i === 1;
      const c = code(seed, purchaseOfferId);
      await run(
        'CreatePurchaseOffer',
        {
          partnerId,
          purchaseOfferId,
          code: c,
          lines: offerLines[i],
          ...(delegated ? { includeDelegatedAdmin: true, delegation: { access: 'full' } } : {}),
        },
        admin,
      );
      info.offers.push({ purchaseOfferId, code: c, delegated });
    }
    for (let b = 0; b < keyBatches; b++) {
      const batchId = `${partnerId}-b${b}`;
      const keys = Array.from({ length: 100 }, (_, k) => {
        const hash = keyHash(seed, `${batchId}-${k}`);
        return {
          keyHash: hash,
          suffix: suffixOf(hash),
          offerId: 'office-business-premium',
          seats: 20,
          termMonths: 12,
        };
      });
      await run('RegisterProductKeys', { partnerId, batchId, keys }, PLATFORM);
      info.keys.push(...keys.map((k) => k.keyHash));
    }
    return info;
  }

  const newCustomer = (customerId: string) => ({
    companyName: `${customerId} s.r.o.`,
    primaryDomain: `${customerId}.example`,
    country: 'SK',
    adminContact: { name: `${customerId} Admin`, email: `admin@${customerId}.example` },
  });

  const world: World = {
    seed,
    bigPartnerId: 'big',
    bigPartnerClients: options.bigClients,
    partners: [],
    paid: [],
    customers: 0,
  };
  const remember = (sub: PaidSubscription): void => {
    if (world.paid.length < MAX_PAID_SAMPLE) world.paid.push(sub);
    else world.paid[Math.floor(random() * MAX_PAID_SAMPLE)] = sub;
  };

  // ---- checkpoint gate (append-latency probe at ~10 %) -------------------------------------------
  let inFlight = 0;
  let checkpointDone = options.checkpointAt === undefined;
  const drained = async (): Promise<void> => {
    while (inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
  };
  async function maybeCheckpoint(): Promise<void> {
    if (checkpointDone || options.checkpointAt === undefined || events < options.checkpointAt) return;
    checkpointDone = true;
    await drained();
    await options.onCheckpoint?.(events);
  }
  async function* gated<T>(items: Iterable<T>): AsyncIterable<T> {
    for (const item of items) {
      await maybeCheckpoint();
      yield item;
    }
  }
  const limited = <T>(items: Iterable<T>, work: (item: T) => Promise<void>) =>
    forEachLimited(gated(items), options.concurrency, async (item) => {
      inFlight++;
      try {
        await work(item);
      } finally {
        inFlight--;
      }
    });

  // ---- partners ---------------------------------------------------------------------------------
  const bigKeys = Math.ceil((options.bigClients * 0.3) / 100);
  const perBigClient = 7;
  const remaining = Math.max(0, options.events - perBigClient * options.bigClients);
  const smallPartners = Math.min(150, Math.max(20, Math.round(remaining / 3000)));
  const big = await setUpPartner('big', true, 12, bigKeys);
  world.partners.push(big);
  const small: PartnerAssets[] = [];
  await limited(
    Array.from({ length: smallPartners }, (_, i) => i),
    async (i) => {
      small.push(await setUpPartner(`p${String(i).padStart(3, '0')}`, i % 5 !== 4, 6 + (i % 5), 1));
    },
  );
  small.sort((a, b) => a.partnerId.localeCompare(b.partnerId));
  world.partners.push(...small);

  // ---- the big partner's 100k clients ------------------------------------------------------------
  let bigKeyNo = 0;
  await limited(
    Array.from({ length: options.bigClients }, (_, i) => i),
    async (i) => {
      const customerId = `bc${i}`;
      if (i % 10 < 7 || bigKeyNo >= big.keys.length) {
        const invite = big.invites[i % big.invites.length];
        await run(
          'RedeemTrialInvite',
          {
            inviteId: invite.inviteId,
            partnerId: big.partnerId,
            code: invite.code,
            customerId,
            newCustomer: newCustomer(customerId),
            ...(invite.delegated ? { acceptDelegatedAdmin: i % 3 !== 0 } : {}),
          },
          SIGNUP,
        );
      } else {
        const hash = big.keys[bigKeyNo++];
        const result = await run(
          'ApplyProductKey',
          {
            partnerId: big.partnerId,
            keyHash: hash,
            customerId,
            newCustomer: newCustomer(customerId),
            ...(i % 4 === 0 ? { delegatedAdmin: { access: 'full', durationDays: 365 } } : {}),
          },
          partnerAdmin(big),
        );
        const premium = bounds.get('office-business-premium');
        remember({
          customerId,
          adminUserId: result.ids.userId,
          subscriptionId: result.ids.subscriptionId,
          offerId: 'office-business-premium',
          licenses: 20,
          minLicenses: premium?.minLicenses ?? 1,
          maxLicenses: premium?.maxLicenses ?? 300,
        });
      }
      world.customers++;
    },
  );

  // ---- smaller partners' customers, until the history has the requested size --------------------
  let unit = 0;
  function* units(): Iterable<number> {
    while (events < options.events) yield unit++;
  }
  await limited(units(), async (n) => {
    const partner = small[n % small.length];
    const admin = partnerAdmin(partner);
    const customerId = `sc${n}`;
    const r = random();
    const paid: PaidSubscription[] = [];
    let adminUserId: string;
    const paidFrom = (result: CommandResult, offerId: string, licenses: number, subscriptionId?: string) => {
      const service = bounds.get(offerId);
      paid.push({
        customerId,
        adminUserId,
        subscriptionId:
          subscriptionId ?? result.ids[`subscriptionId:${offerId}`] ?? result.ids.subscriptionId,
        offerId,
        licenses,
        minLicenses: service?.minLicenses ?? 1,
        maxLicenses: service?.maxLicenses ?? 300,
      });
    };
    if (r < 0.45) {
      const invite = partner.invites[n % partner.invites.length];
      const redeemed = await run(
        'RedeemTrialInvite',
        {
          inviteId: invite.inviteId,
          partnerId: partner.partnerId,
          code: invite.code,
          customerId,
          newCustomer: newCustomer(customerId),
          ...(invite.delegated ? { acceptDelegatedAdmin: n % 2 === 0 } : {}),
        },
        SIGNUP,
      );
      adminUserId = redeemed.ids.userId;
      // Half of the trials are bought through a purchase offer (office-business-basic converts).
      if (random() < 0.5) {
        const offer = partner.offers[0];
        const accepted = await run(
          'AcceptPurchaseOffer',
          {
            purchaseOfferId: offer.purchaseOfferId,
            partnerId: partner.partnerId,
            code: offer.code,
            customerId,
            ...(offer.delegated ? { acceptDelegatedAdmin: true } : {}),
          },
          customerAdmin(customerId, adminUserId),
        );
        if (invite.inviteId.endsWith('inv0'))
          paidFrom(accepted, 'office-business-basic', 20, redeemed.ids.subscriptionId);
        else paidFrom(accepted, 'office-business-basic', 20);
      }
    } else if (r < 0.8 || partner.keys.length === 0) {
      const offer = partner.offers[n % partner.offers.length];
      const accepted = await run(
        'AcceptPurchaseOffer',
        {
          purchaseOfferId: offer.purchaseOfferId,
          partnerId: partner.partnerId,
          code: offer.code,
          customerId,
          newCustomer: newCustomer(customerId),
          ...(offer.delegated ? { acceptDelegatedAdmin: n % 3 !== 0 } : {}),
        },
        SIGNUP,
      );
      adminUserId = accepted.ids.userId;
      if (offer.purchaseOfferId.endsWith('po0')) paidFrom(accepted, 'office-business-basic', 20);
      else {
        paidFrom(accepted, 'office-business-standard', 10);
        paidFrom(accepted, 'teams-essentials', 5);
      }
    } else {
      const hash = partner.keys.pop() as string;
      const applied = await run(
        'ApplyProductKey',
        { partnerId: partner.partnerId, keyHash: hash, customerId, newCustomer: newCustomer(customerId) },
        admin,
      );
      adminUserId = applied.ids.userId;
      paidFrom(applied, 'office-business-premium', 20, applied.ids.subscriptionId);
    }
    world.customers++;
    const me = customerAdmin(customerId, adminUserId);
    if (random() < 0.5)
      await run(
        'CreateCustomerUser',
        { customerId, email: `user1@${customerId}.example`, displayName: 'First User' },
        me,
      );
    if (partner.certified && random() < 0.3) {
      const offered = await run(
        'OfferDelegation',
        { customerId, partnerId: partner.partnerId, access: 'full', durationDays: 365 },
        admin,
      );
      await tolerant(
        'AcceptDelegation',
        { customerId, partnerId: partner.partnerId, delegationId: offered.ids.delegationId },
        me,
      );
    }
    for (const sub of paid) {
      const changes = 1 + Math.floor(random() * 3);
      for (let c = 0; c < changes; c++) {
        const next = sub.licenses === sub.minLicenses + 1 ? sub.minLicenses + 2 : sub.minLicenses + 1;
        await run(
          'ChangeLicenseCount',
          { customerId, subscriptionId: sub.subscriptionId, licenses: next },
          me,
        );
        sub.licenses = next;
      }
      if (random() < 0.1) {
        await run(
          'SuspendSubscription',
          { customerId, subscriptionId: sub.subscriptionId, reason: 'bench' },
          me,
        );
        await run('ReactivateSubscription', { customerId, subscriptionId: sub.subscriptionId }, me);
      }
      remember(sub);
    }
    if (n % 40 === 0 && partner.userIds.length > 0) {
      const userId = partner.userIds[n % partner.userIds.length];
      await run(
        'UpdatePartnerUser',
        { partnerId: partner.partnerId, userId, displayName: `User ${n}` },
        admin,
      );
    }
  });
  await maybeCheckpoint();
  progress(true);

  const seconds = elapsedMs(started) / 1000;
  return {
    world: {
      ...world,
      partners: world.partners.map(({ partnerId, adminId, userIds, certified }) => ({
        partnerId,
        adminId,
        userIds,
        certified,
      })),
    },
    stats: {
      events,
      commands,
      refused,
      seconds,
      eventsPerSecond: events / seconds,
      commandsPerSecond: commands / seconds,
      concurrency: options.concurrency,
    },
  };
}
