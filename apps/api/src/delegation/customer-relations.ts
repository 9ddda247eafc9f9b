import { Inject, Injectable } from '@nestjs/common';
import { type CustomerState, customerEvolver, customerStream, DomainError } from '@pc/domain';
import type { AggregateView, ExtendedPipeline } from '@pc/pipeline';
import { partnersOf } from '../acquisition/customer-reader';
import {
  COMMAND_PIPELINE,
  type Principal,
  assertCustomerVisible,
  canSeeCustomer,
  customerNotFound,
} from '../platform';

/**
 * The partners a customer is related to in delegated-administration matters: those that see it
 * (advisors, Partner of Record, accepted delegations) and any partner that ever offered it a
 * delegation. The latter may ask about its own offers and hear WHY it cannot act (pending, declined,
 * expired): it learns nothing it did not already know by offering.
 */
export function relatedPartners(state: CustomerState): string[] {
  const partners = partnersOf(state);
  for (const d of Object.values(state.delegations)) {
    if (!partners.includes(d.partnerId)) partners.push(d.partnerId);
  }
  return partners;
}

/** The same 404 the domain answers for a delegation that is not there (or not the asking partner's). */
export const delegationNotFound = (customerId: string, delegationId: string): DomainError =>
  new DomainError(
    'delegation-not-found',
    `No delegation ${delegationId} in customer ${customerId}`,
    { customerId, delegationId },
    'not-found',
  );

/**
 * The edge's tenant check for delegation, acting-for-customer and Partner-of-Record routes. A partner
 * user unrelated to the customer gets the same 404 as for a customer that does not exist; a related
 * one reaches the domain, whose delegation rules then say exactly which condition failed
 * (no-delegation, delegation-pending, access-too-low...). Customer users see only their own customer;
 * platform and auditors see all (the domain still refuses the platform what is not its to do).
 */
@Injectable()
export class CustomerRelations {
  constructor(@Inject(COMMAND_PIPELINE) private readonly pipeline: ExtendedPipeline) {}

  read(customerId: string): Promise<AggregateView<CustomerState>> {
    return this.pipeline.readAggregate<CustomerState>(customerStream(customerId), customerEvolver);
  }

  /** The customer, when it exists and the principal is related to it; 404 customer-not-found otherwise. */
  async readRelated(principal: Principal, customerId: string): Promise<AggregateView<CustomerState>> {
    const view = await this.read(customerId);
    if (!view.state.exists) throw customerNotFound(customerId);
    assertCustomerVisible(principal, customerId, relatedPartners(view.state));
    return view;
  }

  /** The check alone, before a command: reads the customer only when the answer depends on it. */
  async assertRelated(principal: Principal, customerId: string): Promise<void> {
    if (principal.actor.kind !== 'partner-user' || canSeeCustomer(principal, customerId)) {
      assertCustomerVisible(principal, customerId);
      return;
    }
    const { state } = await this.read(customerId);
    assertCustomerVisible(principal, customerId, state.exists ? relatedPartners(state) : []);
  }
}
