import { type Catalog, requireLicensesWithinBounds, serviceOf } from '../catalog/catalog';
import type { ProductKeyRef } from '../customer/events';
import {
  append,
  becomeAdvisor,
  becomePartnerOfRecord,
  customerFor,
  customerStreams,
  type NewOrExistingCustomer,
} from '../customer/sign-up';
import { type CustomerState, liveSubscriptionOf } from '../customer/state';
import { trialConverted } from '../customer/subscriptions';
import { isInForce } from '../delegation/access';
import { delegationOffer } from '../delegation/commands';
import { delegationTerms, type DelegationTermsInput } from '../delegation/terms';
import { requireAdvisor, requireDelegationOfferer } from '../invitation/terms';
import { partnerSpec } from '../partner/commands';
import { authorizePartnerAction, requirePlatform } from '../partner/permissions';
import type { PartnerState, PartnerUser } from '../partner/state';
import { type CommandDefinition, defineCommand, type StreamSpec } from '../shared/command';
import { DomainError, refuse } from '../shared/errors';
import { addMonths, toInstant } from '../shared/time';
import type { DecisionContext, DomainEvent, Evolver } from '../shared/types';
import { type ClaimReleased, releases } from '../shared/claims';

/**
 * Product keys: bought by a partner, each sets up one subscription, once (ApplyProductKey).
 *
 * The key itself never reaches the domain. At the edge it is normalised and hashed, salted per
 * partner: keyHash = hex(SHA-256('pc-product-key:v1:' + partnerId + ':' + normalisedKey)). The
 * domain sees the hash (the key's identity and stream name: `product-key-{keyHash}`) and the last
 * five characters for display. A key entered by another partner hashes differently: it does not exist
 * for that partner.
 *
 * One stream per key is the claim that makes "once" hold under concurrency: ApplyProductKey appends
 * ProductKeyApplied to it with the revision it read, before the customer's stream; of two
 * simultaneous applications one appends, the other gets a wrong-expected-version, retries, sees the
 * key used and is refused `product-key-already-used`.
 */

export interface ProductKeyInput {
  /** 64 lower-case hex characters (SHA-256). */
  keyHash: string;
  /** The key's last 5 characters, for display. */
  suffix: string;
  offerId: string;
  seats: number;
  termMonths: number;
}

export type ProductKeyEvent =
  | DomainEvent<
      'ProductKeyRegistered',
      {
        keyHash: string;
        suffix: string;
        partnerId: string;
        batchId: string;
        offerId: string;
        seats: number;
        termMonths: number;
        registeredAt: string;
      }
    >
  | DomainEvent<
      'ProductKeyApplied',
      {
        keyHash: string;
        suffix: string;
        partnerId: string;
        customerId: string;
        subscriptionId: string;
        offerId: string;
        seats: number;
        termMonths: number;
        appliedBy: string;
        appliedAt: string;
      }
    >;

export type ProductKeyBatchEvent = DomainEvent<
  'ProductKeyBatchRegistered',
  { batchId: string; partnerId: string; keys: ProductKeyInput[]; registeredAt: string }
>;

export interface ProductKeyState {
  registered: boolean;
  keyHash: string;
  suffix: string;
  partnerId: string;
  offerId: string;
  seats: number;
  termMonths: number;
  /** Where it was applied, null while unused. */
  appliedTo: { customerId: string; subscriptionId: string } | null;
}

export const productKeyStream = (keyHash: string): string => `product-key-${keyHash}`;
export const productKeyBatchStream = (batchId: string): string => `product-key-batch-${batchId}`;

export const productKeyEvolver: Evolver<ProductKeyState, ProductKeyEvent | ClaimReleased> = {
  initialState: {
    registered: false,
    keyHash: '',
    suffix: '',
    partnerId: '',
    offerId: '',
    seats: 0,
    termMonths: 0,
    appliedTo: null,
  },
  evolve(state, event) {
    // A command refused after claiming the key gave it back (see shared/claims.ts).
    if (releases(event, 'ProductKeyRegistered')) return productKeyEvolver.initialState;
    if (releases(event, 'ProductKeyApplied')) return { ...state, appliedTo: null };
    switch (event.type) {
      case 'ProductKeyRegistered':
        if (state.registered) return state;
        return {
          ...state,
          registered: true,
          keyHash: event.data.keyHash,
          suffix: event.data.suffix,
          partnerId: event.data.partnerId,
          offerId: event.data.offerId,
          seats: event.data.seats,
          termMonths: event.data.termMonths,
        };
      case 'ProductKeyApplied':
        if (state.appliedTo) return state;
        return {
          ...state,
          appliedTo: { customerId: event.data.customerId, subscriptionId: event.data.subscriptionId },
        };
      default:
        return state;
    }
  },
};

export const productKeyBatchEvolver: Evolver<{ exists: boolean }, ProductKeyBatchEvent> = {
  initialState: { exists: false },
  evolve: (state, event) => (event.type === 'ProductKeyBatchRegistered' ? { exists: true } : state),
};

export const productKeySpec = (keyHash: string): StreamSpec => ({
  stream: productKeyStream(keyHash),
  evolver: productKeyEvolver as StreamSpec['evolver'],
});

export const productKeyBatchSpec = (batchId: string): StreamSpec => ({
  stream: productKeyBatchStream(batchId),
  evolver: productKeyBatchEvolver as StreamSpec['evolver'],
});

/** As validated (streams() must not throw, so it only normalises). */
const hashKey = (value: unknown): string => (typeof value === 'string' ? value.trim().toLowerCase() : '');
const HASH = /^[0-9a-f]{64}$/;
const SUFFIX = /^[A-Z0-9]{5}$/;
export const MAX_KEYS_PER_BATCH = 100;
export const MAX_KEY_TERM_MONTHS = 60;

/** The alias of a key's stream in RegisterProductKeys (one per key: the pipeline writes each). */
export const keyAlias = (keyHash: string): string => `key:${hashKey(keyHash)}`;

function validKeyHash(value: unknown, index?: number): string {
  const keyHash = hashKey(value);
  if (!HASH.test(keyHash)) {
    refuse('invalid-product-key-hash', 'A product key hash is 64 hexadecimal characters (SHA-256)', {
      index: index ?? null,
    });
  }
  return keyHash;
}

// ---------------------------------------------------------------------------------------------

export interface RegisterProductKeys {
  partnerId: string;
  batchId?: string;
  keys: ProductKeyInput[];
}

export interface ApplyProductKey extends NewOrExistingCustomer {
  partnerId: string;
  /** Hashed at the edge from the key the partner's user typed (see above). */
  keyHash: string;
  /** Offer delegated administration at the same time (a pending offer the customer accepts later). */
  delegatedAdmin?: DelegationTermsInput;
}

const batchIdOf = (p: RegisterProductKeys, ctx: DecisionContext): string => p.batchId ?? ctx.newId('batchId');

export function productKeyCommands(catalog: Catalog): CommandDefinition[] {
  /**
   * The platform registers a batch of keys a partner bought. Primary stream: the batch
   * (`product-key-batch-{batchId}`); one claim per key (`product-key-{keyHash}`, written first, each
   * expected not to exist yet).
   */
  const registerProductKeys = defineCommand<RegisterProductKeys>({
    type: 'RegisterProductKeys',
    primary: 'batch',
    streams: (p, ctx) => {
      const specs: Record<string, StreamSpec> = {
        batch: productKeyBatchSpec(batchIdOf(p, ctx)),
        partner: partnerSpec(p.partnerId),
      };
      for (const key of Array.isArray(p.keys) ? p.keys : []) {
        specs[keyAlias(key?.keyHash)] = productKeySpec(hashKey(key?.keyHash));
      }
      return specs;
    },
    decide(p, loaded, ctx) {
      const now = toInstant(ctx.now, 'now');
      requirePlatform(ctx.actor, 'register product keys');
      const partner = loaded.partner.state as PartnerState;
      if (!partner.exists) {
        throw new DomainError(
          'partner-not-found',
          'No such partner',
          { partnerId: p.partnerId },
          'not-found',
        );
      }
      const input = Array.isArray(p.keys) ? p.keys : [];
      if (input.length === 0 || input.length > MAX_KEYS_PER_BATCH) {
        refuse('invalid-batch-size', `A batch holds from 1 to ${MAX_KEYS_PER_BATCH} keys`, {
          keys: input.length,
          max: MAX_KEYS_PER_BATCH,
        });
      }
      const batchId = batchIdOf(p, ctx);
      if ((loaded.batch.state as { exists: boolean }).exists) {
        refuse('product-key-batch-exists', `Batch ${batchId} is already registered`, { batchId }, 'conflict');
      }
      const seen = new Set<string>();
      const keys = input.map((key, index): ProductKeyInput => {
        const keyHash = validKeyHash(key?.keyHash, index);
        if (seen.has(keyHash)) {
          refuse('duplicate-product-key', 'The same key appears twice in the batch', { index });
        }
        seen.add(keyHash);
        const suffix = typeof key.suffix === 'string' ? key.suffix.trim().toUpperCase() : '';
        if (!SUFFIX.test(suffix)) {
          refuse('invalid-product-key-suffix', "A key's suffix is its last 5 letters or digits", { index });
        }
        const service = serviceOf(catalog, key.offerId);
        requireLicensesWithinBounds(service, key.seats);
        if (!Number.isInteger(key.termMonths) || key.termMonths < 1 || key.termMonths > MAX_KEY_TERM_MONTHS) {
          refuse('invalid-term-months', `A key's term is from 1 to ${MAX_KEY_TERM_MONTHS} months`, {
            index,
            termMonths: key.termMonths,
          });
        }
        const state = loaded[keyAlias(keyHash)].state as ProductKeyState;
        if (state.registered) {
          refuse(
            'product-key-already-registered',
            `The key ending ${suffix} is already registered`,
            { index, suffix },
            'conflict',
          );
        }
        return { keyHash, suffix, offerId: service.offerId, seats: key.seats, termMonths: key.termMonths };
      });
      const events: Record<string, DomainEvent[]> = {
        batch: [
          {
            type: 'ProductKeyBatchRegistered',
            data: { batchId, partnerId: partner.id, keys, registeredAt: now },
          },
        ],
      };
      for (const key of keys) {
        events[keyAlias(key.keyHash)] = [
          {
            type: 'ProductKeyRegistered',
            data: { ...key, partnerId: partner.id, batchId, registeredAt: now },
          },
        ];
      }
      return { ids: { batchId }, events };
    },
  });

  /**
   * A partner's user (global admin, or full or limited administration of supported companies: the
   * invitation rule) of an advisor partner sets up a subscription with one of its keys, for a new
   * customer (created here, as at an invitation's redemption) or an existing one the partner already
   * works with (one of its advisors, or a delegation in force: anyone else answers customer-not-found,
   * so a key cannot move a stranger's Partner of Record). The partner becomes the customer's advisor
   * and Partner of Record; it may offer delegated administration at the same time.
   *
   * Primary stream: the customer. Claims: the key (`product-key-{keyHash}`, with the revision read)
   * and, for a new customer, its domain (`customer-domain-{domain}`, no stream).
   */
  const applyProductKey = defineCommand<ApplyProductKey>({
    type: 'ApplyProductKey',
    primary: 'customer',
    streams: (p, ctx) => ({
      ...customerStreams(p, ctx),
      key: productKeySpec(hashKey(p.keyHash)),
      partner: partnerSpec(p.partnerId),
    }),
    decide(p, loaded, ctx) {
      const now = toInstant(ctx.now, 'now');
      const partner = loaded.partner.state as PartnerState;
      const user = authorizePartnerAction(partner, ctx.actor, 'create-invitations') as PartnerUser;
      requireAdvisor(partner, now);
      const key = loaded.key.state as ProductKeyState;
      if (!HASH.test(hashKey(p.keyHash)) || !key.registered || key.partnerId !== partner.id) {
        // Same answer for a malformed, unknown or another partner's key: keys cannot be probed.
        throw new DomainError('product-key-not-found', 'No such product key', {}, 'not-found');
      }
      if (key.appliedTo) {
        refuse(
          'product-key-already-used',
          `The key ending ${key.suffix} has already set up a subscription`,
          { suffix: key.suffix },
          'conflict',
        );
      }
      const service = serviceOf(catalog, key.offerId);
      // Who may offer it and the certification first, then the terms: the order invitations refuse in
      // (invitation/terms.ts).
      if (p.delegatedAdmin) requireDelegationOfferer(partner, ctx.actor, now);
      const terms = p.delegatedAdmin ? delegationTerms(p.delegatedAdmin) : null;

      const via: ProductKeyRef = { kind: 'product-key', id: key.keyHash, partnerId: partner.id };
      if (!p.newCustomer) requireKnownCustomer(loaded.customer.state as CustomerState, p, partner, now);
      const customer = customerFor(p, loaded, ctx, via);
      const live = liveSubscriptionOf(customer.state, key.offerId);
      if (live?.kind === 'paid') {
        refuse(
          'already-subscribed',
          `Customer ${customer.customerId} already has ${service.name}; change its license count instead`,
          { customerId: customer.customerId, offerId: key.offerId, subscriptionId: live.id },
          'conflict',
        );
      }
      if (live?.status === 'suspended') {
        refuse('subscription-suspended', `The trial of ${service.name} is suspended; reactivate it first`, {
          subscriptionId: live.id,
          offerId: key.offerId,
        });
      }

      becomeAdvisor(customer, via);
      becomePartnerOfRecord(customer, via);
      let subscriptionId: string;
      if (live) {
        // A running trial becomes the paid subscription (the customer keeps its data and users).
        subscriptionId = live.id;
        append(
          customer,
          trialConverted(customer.state, live, key.seats, key.termMonths, now, partner.id, via),
        );
      } else {
        subscriptionId = ctx.newId('subscriptionId');
        append(customer, {
          type: 'SubscriptionStarted',
          data: {
            customerId: customer.customerId,
            subscriptionId,
            offerId: key.offerId,
            partnerId: partner.id,
            partnerOfRecordId: customer.state.partnerOfRecord,
            licenses: key.seats,
            startedAt: now,
            endsAt: addMonths(now, key.termMonths),
            termMonths: key.termMonths,
            via,
          },
        });
      }
      const ids: Record<string, string> = { ...customer.ids, subscriptionId };
      if (terms) {
        const delegationId = ctx.newId('delegationId');
        append(
          customer,
          ...delegationOffer(customer.state, partner, terms, {
            delegationId,
            now,
            offeredBy: user.id,
            via: { kind: 'product-key', id: key.keyHash },
          }),
        );
        ids.delegationId = delegationId;
      }
      const applied: ProductKeyEvent = {
        type: 'ProductKeyApplied',
        data: {
          keyHash: key.keyHash,
          suffix: key.suffix,
          partnerId: partner.id,
          customerId: customer.customerId,
          subscriptionId,
          offerId: key.offerId,
          seats: key.seats,
          termMonths: key.termMonths,
          appliedBy: user.id,
          appliedAt: now,
        },
      };
      return { ids, events: { customer: customer.events, ...customer.claims, key: [applied] } };
    },
  });

  return [registerProductKeys, applyProductKey];
}

/** An existing customer the partner already works with; anyone else's customer is not found. */
function requireKnownCustomer(
  state: CustomerState,
  p: NewOrExistingCustomer,
  partner: PartnerState,
  now: string,
): void {
  const known =
    state.exists &&
    (state.advisors.includes(partner.id) ||
      Object.values(state.delegations).some((d) => d.partnerId === partner.id && isInForce(d, now)));
  if (!known) {
    throw new DomainError(
      'customer-not-found',
      'No such customer',
      { customerId: p.customerId ?? null },
      'not-found',
    );
  }
}
