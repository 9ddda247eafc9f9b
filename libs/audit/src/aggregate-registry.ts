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
  /** Whether the rest of a stream name after the prefix can be this type's id (default: any). */
  ownsId?: (id: string) => boolean;
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
  // A claimed domain always has a dot (two labels at least); a customer id never does, so customer
  // `domain-experts` (stream `customer-domain-experts`) is a customer, not a claim.
  {
    name: 'customer-domain-claim',
    prefix: 'customer-domain-',
    ownsId: (id) => id.includes('.'),
    evolver: erase(customerDomainEvolver),
  },
  { name: 'invitation-code-claim', prefix: 'invitation-code-', evolver: erase(invitationCodeEvolver) },
];

export interface AggregateRegistry {
  /** The type with the LONGEST prefix the stream name starts with whose id rule it fits, or undefined. */
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
      byLength.find(
        (type) =>
          streamName.startsWith(type.prefix) &&
          streamName.length > type.prefix.length &&
          (type.ownsId?.(streamName.slice(type.prefix.length)) ?? true),
      ),
  };
}
