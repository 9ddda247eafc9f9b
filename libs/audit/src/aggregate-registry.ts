import {
  type DomainEvent,
  type Evolver,
  customerDomainEvolver,
  customerEvolver,
  invitationCodeEvolver,
  partnerEvolver,
  purchaseOfferEvolver,
  trialInviteEvolver,
} from '@pc/domain';

export interface AggregateType {
  /** Name shown to auditors, e.g. 'partner'. */
  name: string;
  /** Stream-name prefix of the aggregate's streams, e.g. 'partner-'. */
  prefix: string;
  evolver: Evolver<unknown, DomainEvent>;
}

const erase = <S, E extends DomainEvent>(evolver: Evolver<S, E>): Evolver<unknown, DomainEvent> =>
  evolver as unknown as Evolver<unknown, DomainEvent>;

/**
 * Which evolver folds which stream, by stream-name prefix. The claim streams are listed too, not
 * because auditors ask for them often, but because `customer-domain-x` also starts with `customer-`:
 * without its own entry it would be folded by the customer evolver and give a plausible, wrong state.
 */
export const defaultAggregateTypes: readonly AggregateType[] = [
  { name: 'partner', prefix: 'partner-', evolver: erase(partnerEvolver) },
  { name: 'customer', prefix: 'customer-', evolver: erase(customerEvolver) },
  { name: 'trial-invite', prefix: 'trial-invite-', evolver: erase(trialInviteEvolver) },
  { name: 'purchase-offer', prefix: 'purchase-offer-', evolver: erase(purchaseOfferEvolver) },
  { name: 'customer-domain-claim', prefix: 'customer-domain-', evolver: erase(customerDomainEvolver) },
  { name: 'invitation-code-claim', prefix: 'invitation-code-', evolver: erase(invitationCodeEvolver) },
];

export interface AggregateRegistry {
  /** The type whose prefix is the LONGEST one the stream name starts with, or undefined. */
  resolve(streamName: string): AggregateType | undefined;
  readonly types: readonly AggregateType[];
}

export function createAggregateRegistry(
  types: readonly AggregateType[] = defaultAggregateTypes,
): AggregateRegistry {
  const byLength = [...types].sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    types,
    resolve: (streamName) =>
      byLength.find((type) => streamName.startsWith(type.prefix) && streamName.length > type.prefix.length),
  };
}
