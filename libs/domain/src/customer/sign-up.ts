import type { StreamSpec } from '../shared/command';
import { refuse } from '../shared/errors';
import type { DecisionContext, Loaded } from '../shared/types';
import type { AcquisitionRef, CustomerEvent, RelationshipRef } from './events';
import {
  type CustomerDomainEvent,
  customerDomainSpec,
  type CustomerDomainState,
  customerEvolver,
  customerSpec,
  type CustomerState,
} from './state';
import { nonEmpty, validCountry, validDomain, validEmail } from './validation';

/**
 * A customer taken up by a partner: an EXISTING one, or a NEW one signing up (invitation redemption,
 * purchase-offer acceptance, product-key setup all share this).
 */

/** The tenant facts of a new customer. */
export interface NewCustomer {
  companyName: string;
  /** A DNS name, unique across the service (compared in lower case). */
  primaryDomain: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** Becomes the customer's first user, a global admin. */
  adminContact: { name: string; email: string };
}

/** An existing customer (`customerId`), or a new one (`newCustomer`; `customerId` optional). */
export interface NewOrExistingCustomer {
  customerId?: string;
  newCustomer?: NewCustomer;
}

// Same normalisation as validDomain (which the decision applies), without refusing: streams() must not throw.
const domainKey = (value: unknown): string =>
  typeof value === 'string' ? value.trim().toLowerCase().replace(/\.$/, '') : '';

export const customerIdOf = (p: NewOrExistingCustomer, ctx: DecisionContext): string =>
  p.customerId ?? ctx.newId('customerId');

/** The customer stream (alias `customer`), and the domain claim (alias `domain`) for a new customer. */
export function customerStreams(p: NewOrExistingCustomer, ctx: DecisionContext): Record<string, StreamSpec> {
  return {
    customer: customerSpec(customerIdOf(p, ctx)),
    ...(p.newCustomer ? { domain: customerDomainSpec(domainKey(p.newCustomer.primaryDomain)) } : {}),
  };
}

const stateOf = <S>(loaded: Record<string, Loaded<unknown>>, alias: string): S => loaded[alias].state as S;

export interface TakenUpCustomer {
  customerId: string;
  /** The state as it will be after `events` (so later checks see the new customer). */
  state: CustomerState;
  events: CustomerEvent[];
  claims: { domain?: CustomerDomainEvent[] };
  ids: Record<string, string>;
}

/** The existing customer, or the new one: validated tenant facts, domain claim, first admin. */
export function customerFor(
  p: NewOrExistingCustomer,
  loaded: Record<string, Loaded<unknown>>,
  ctx: DecisionContext,
  via: AcquisitionRef,
): TakenUpCustomer {
  const current = stateOf<CustomerState>(loaded, 'customer');
  const customerId = customerIdOf(p, ctx);
  if (!p.newCustomer) return { customerId, state: current, events: [], claims: {}, ids: { customerId } };

  const input = p.newCustomer;
  // Ids become part of stream names: without dots they can never collide with a claim stream such
  // as `customer-domain-{domain}` (every domain has a dot).
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(customerId)) {
    refuse('invalid-customer-id', 'customerId must be 1-64 letters, digits, "-" or "_"', { customerId });
  }
  if (current.exists) {
    refuse('customer-already-exists', `Customer ${customerId} already exists`, { customerId }, 'conflict');
  }
  const companyName = nonEmpty(input.companyName, 'companyName');
  const primaryDomain = validDomain(input.primaryDomain);
  const country = validCountry(input.country);
  const adminContact = {
    name: nonEmpty(input.adminContact?.name, 'adminContact.name'),
    email: validEmail(input.adminContact?.email, 'adminContact.email'),
  };
  const claim = stateOf<CustomerDomainState>(loaded, 'domain');
  if (claim.claimedBy !== null && claim.claimedBy !== customerId) {
    // The other customer's id is not told: tenants are not probeable by domain.
    refuse(
      'domain-taken',
      `The domain ${primaryDomain} belongs to another customer`,
      { domain: primaryDomain },
      'conflict',
    );
  }
  const userId = ctx.newId('userId');
  const events: CustomerEvent[] = [
    {
      type: 'CustomerCreated',
      data: { customerId, companyName, primaryDomain, country, adminContact, signedUpVia: via },
    },
    {
      type: 'CustomerUserCreated',
      data: {
        customerId,
        userId,
        email: adminContact.email,
        displayName: adminContact.name,
        role: 'global-admin',
      },
    },
  ];
  return {
    customerId,
    state: events.reduce(customerEvolver.evolve, current),
    events,
    // Already claimed for this very customer (a retry after a crash between the claim and the
    // customer's own write, or the pipeline replaying the command): the claim stands, write it once.
    claims:
      claim.claimedBy === customerId
        ? {}
        : { domain: [{ type: 'CustomerDomainClaimed', data: { domain: primaryDomain, customerId } }] },
    ids: { customerId, userId },
  };
}

/** Appends events to the customer, folding them so that later decisions see them. */
export function append(customer: TakenUpCustomer, ...events: CustomerEvent[]): void {
  customer.events.push(...events);
  customer.state = events.reduce(customerEvolver.evolve, customer.state);
}

export function becomeAdvisor(customer: TakenUpCustomer, via: RelationshipRef): void {
  if (!customer.state.advisors.includes(via.partnerId)) {
    append(customer, {
      type: 'CustomerAdvisorAdded',
      data: { customerId: customer.customerId, partnerId: via.partnerId, via },
    });
  }
}

/** The partner becomes the customer's Partner of Record (nothing when it already is). */
export function becomePartnerOfRecord(customer: TakenUpCustomer, via: RelationshipRef): void {
  const previous = customer.state.partnerOfRecord;
  if (previous !== via.partnerId) {
    append(customer, {
      type: 'PartnerOfRecordChanged',
      data: { customerId: customer.customerId, partnerId: via.partnerId, previousPartnerId: previous, via },
    });
  }
}
