import { Inject, Injectable } from '@nestjs/common';
import { type CustomerState, customerEvolver, customerStream, isInForce } from '@pc/domain';
import type { AggregateView, ExtendedPipeline } from '@pc/pipeline';
import {
  CLOCK,
  type Clock,
  COMMAND_PIPELINE,
  type Principal,
  assertCustomerVisible,
  canSeeCustomer,
  customerNotFound,
} from '../platform';

/**
 * Which partners a customer route lets through.
 * - `'sees'` (the reads of the customer and its subscriptions): the partners that see the customer —
 *   its advisors, its Partner of Record, and partners holding a delegation the customer accepted that
 *   is in force now (they administer it). Judged at the clock's now, like the domain, so the answer
 *   does not wait for the scheduler to record the end.
 * - `'delegation'` (every command route: acting for the customer — its users, its subscriptions,
 *   password resets, service requests — and the delegation and Partner-of-Record routes): those, and
 *   any partner that ever offered the customer a delegation. It may ask about its own offers and hear
 *   from the domain WHY it cannot act (no-delegation, delegation-pending, delegation-expired,
 *   access-too-low): it learns nothing it did not already know by offering.
 */
export type CustomerCircle = 'sees' | 'delegation';

/** The partners related to a customer in the given circle at `now` (see CustomerCircle). */
export function partnersOf(state: CustomerState, circle: CustomerCircle, now: string): string[] {
  const partners = new Set(state.advisors);
  if (state.partnerOfRecord !== null) partners.add(state.partnerOfRecord);
  for (const d of Object.values(state.delegations)) {
    if (circle === 'delegation' || isInForce(d, now)) partners.add(d.partnerId);
  }
  return [...partners];
}

/**
 * Customer aggregates for the edge: folded from the customer stream (through the pipeline's cache),
 * and the tenant rule of customer routes. A customer user sees only its own customer; a partner user
 * only customers its partner is related to in the route's circle (see CustomerCircle); platform and
 * auditors (platform actors) see all (the domain still refuses the platform what is not its to do). Anyone else gets
 * the same 404 as for a customer that does not exist. A related partner user reaches the domain,
 * whose rules then say exactly which condition failed (no-delegation, delegation-pending,
 * access-too-low...).
 */
@Injectable()
export class CustomerReader {
  constructor(
    @Inject(COMMAND_PIPELINE) private readonly pipeline: ExtendedPipeline,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private partnersOf(state: CustomerState, circle: CustomerCircle): string[] {
    return partnersOf(state, circle, this.clock.now().toISOString());
  }

  read(customerId: string): Promise<AggregateView<CustomerState>> {
    return this.pipeline.readAggregate<CustomerState>(customerStream(customerId), customerEvolver);
  }

  /** The customer, when it exists and the principal may see it; 404 customer-not-found otherwise. */
  async readVisible(
    principal: Principal,
    customerId: string,
    circle: CustomerCircle = 'sees',
  ): Promise<AggregateView<CustomerState>> {
    const view = await this.read(customerId);
    if (!view.state.exists) throw customerNotFound(customerId);
    assertCustomerVisible(principal, customerId, this.partnersOf(view.state, circle));
    return view;
  }

  /**
   * The tenant check alone, before a command: reads the customer only when the answer depends on it.
   * Commands take the `'delegation'` circle, so the domain names why a partner that offered a
   * delegation may not act (rather than a 404 that changes when the scheduler ends it).
   */
  async assertVisible(
    principal: Principal,
    customerId: string,
    circle: CustomerCircle = 'delegation',
  ): Promise<void> {
    if (principal.actor.kind !== 'partner-user' || canSeeCustomer(principal, customerId)) {
      assertCustomerVisible(principal, customerId);
      return;
    }
    const { state } = await this.read(customerId);
    assertCustomerVisible(principal, customerId, state.exists ? this.partnersOf(state, circle) : []);
  }
}
