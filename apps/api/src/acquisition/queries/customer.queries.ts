import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { type Catalog, DomainError, entryOf } from '@pc/domain';
import type { Principal } from '../../platform';
import { CATALOG } from '../catalog.provider';
import { CustomerReader } from '../customer-reader';
import {
  type CustomerView,
  type SubscriptionView,
  toCustomerView,
  toSubscriptionView,
} from '../views/customer.view';

/**
 * The customer's current state, folded from its stream. The principal travels with the query because
 * whether a partner user may see the customer depends on that very state (advisor / Partner of Record).
 */
export class GetCustomerQuery extends Query<CustomerView> {
  constructor(
    readonly principal: Principal,
    readonly customerId: string,
  ) {
    super();
  }
}

export class GetSubscriptionQuery extends Query<SubscriptionView> {
  constructor(
    readonly principal: Principal,
    readonly customerId: string,
    readonly subscriptionId: string,
  ) {
    super();
  }
}

@QueryHandler(GetCustomerQuery)
export class GetCustomerHandler implements IQueryHandler<GetCustomerQuery, CustomerView> {
  constructor(
    private readonly customers: CustomerReader,
    @Inject(CATALOG) private readonly catalog: Catalog,
  ) {}

  async execute({ principal, customerId }: GetCustomerQuery): Promise<CustomerView> {
    const { state, revision } = await this.customers.readVisible(principal, customerId);
    return toCustomerView(state, revision, this.catalog);
  }
}

@QueryHandler(GetSubscriptionQuery)
export class GetSubscriptionHandler implements IQueryHandler<GetSubscriptionQuery, SubscriptionView> {
  constructor(
    private readonly customers: CustomerReader,
    @Inject(CATALOG) private readonly catalog: Catalog,
  ) {}

  async execute({ principal, customerId, subscriptionId }: GetSubscriptionQuery): Promise<SubscriptionView> {
    const { state, revision } = await this.customers.readVisible(principal, customerId);
    const subscription = entryOf(state.subscriptions, subscriptionId);
    if (!subscription) {
      throw new DomainError(
        'subscription-not-found',
        `No subscription ${subscriptionId} in customer ${state.id}`,
        { customerId: state.id, subscriptionId },
        'not-found',
      );
    }
    return toSubscriptionView(state, subscription, revision, this.catalog);
  }
}
