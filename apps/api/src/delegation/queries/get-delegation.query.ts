import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock, type Principal } from '../../platform';
import { CustomerReader } from '../../acquisition/customer-reader';
import { delegationNotFound } from '../errors';
import { type DelegationView, toDelegationView } from '../views/delegation.view';
import { entryOf } from '@pc/domain';

/** One delegation of a customer. The principal travels with it: what it may see depends on the state. */
export class GetDelegationQuery extends Query<DelegationView> {
  constructor(
    readonly principal: Principal,
    readonly customerId: string,
    readonly delegationId: string,
  ) {
    super();
  }
}

/**
 * The customer's own users, platform and auditors see every delegation of the customer; a partner
 * user only its own partner's (another partner's is "not found", as the domain answers it).
 */
@QueryHandler(GetDelegationQuery)
export class GetDelegationHandler implements IQueryHandler<GetDelegationQuery, DelegationView> {
  constructor(
    private readonly customers: CustomerReader,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ principal, customerId, delegationId }: GetDelegationQuery): Promise<DelegationView> {
    const { state, revision } = await this.customers.readVisible(principal, customerId, 'delegation');
    const d = entryOf(state.delegations, delegationId);
    const { actor } = principal;
    // Whatever its scopes: `audit` on a partner user's token reads its own tenant only.
    const hidden = actor.kind === 'partner-user' && d?.partnerId !== actor.partnerId;
    if (!d || hidden) throw delegationNotFound(customerId, delegationId);
    return toDelegationView(state, d, revision, this.clock.now().toISOString());
  }
}
