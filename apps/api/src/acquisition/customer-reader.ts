import { Inject, Injectable } from '@nestjs/common';
import { type CustomerState, customerEvolver, customerStream } from '@pc/domain';
import type { AggregateView, ExtendedPipeline } from '@pc/pipeline';
import {
  COMMAND_PIPELINE,
  type Principal,
  assertCustomerVisible,
  canSeeCustomer,
  customerNotFound,
} from '../platform';

/**
 * The partners that see a customer: its advisors, its Partner of Record, and partners holding a
 * delegation the customer accepted (recorded active: they administer it; the scheduler ends it).
 */
export function partnersOf(state: CustomerState): string[] {
  const partners = [...state.advisors];
  if (state.partnerOfRecord !== null && !partners.includes(state.partnerOfRecord))
    partners.push(state.partnerOfRecord);
  for (const d of Object.values(state.delegations)) {
    if (d.status === 'active' && !partners.includes(d.partnerId)) partners.push(d.partnerId);
  }
  return partners;
}

/**
 * Customer aggregates for the edge: folded from the customer stream (through the pipeline's cache),
 * and the tenant rule of customer routes. A customer user sees only its own customer; a partner user
 * only customers whose advisor or Partner of Record its partner is; platform and auditors see all.
 * Anyone else gets the same 404 as for a customer that does not exist.
 */
@Injectable()
export class CustomerReader {
  constructor(@Inject(COMMAND_PIPELINE) private readonly pipeline: ExtendedPipeline) {}

  read(customerId: string): Promise<AggregateView<CustomerState>> {
    return this.pipeline.readAggregate<CustomerState>(customerStream(customerId), customerEvolver);
  }

  /** The customer, when it exists and the principal may see it; 404 customer-not-found otherwise. */
  async readVisible(principal: Principal, customerId: string): Promise<AggregateView<CustomerState>> {
    const view = await this.read(customerId);
    if (!view.state.exists) throw customerNotFound(customerId);
    assertCustomerVisible(principal, customerId, partnersOf(view.state));
    return view;
  }

  /** The tenant check alone, before a command: reads the customer only when the answer depends on it. */
  async assertVisible(principal: Principal, customerId: string): Promise<void> {
    if (principal.actor.kind !== 'partner-user' || canSeeCustomer(principal, customerId)) {
      assertCustomerVisible(principal, customerId);
      return;
    }
    const { state } = await this.read(customerId);
    assertCustomerVisible(principal, customerId, state.exists ? partnersOf(state) : []);
  }
}
