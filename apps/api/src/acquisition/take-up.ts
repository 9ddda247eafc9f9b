import type { AcceptPurchaseOffer, SignUpOrExisting } from '@pc/domain';
import { type Principal, ProblemException, assertCustomerVisible } from '../platform';
import type { AcceptPurchaseOfferDto, RedeemTrialInviteDto } from './dto/take-up.dto';

/**
 * Who takes up an invitation, as the domain wants it. A customer user acts for its own customer: the id
 * defaults to it, and naming another customer is the same 404 as a customer that does not exist.
 */
export function takeUpOf(body: RedeemTrialInviteDto, principal: Principal): SignUpOrExisting {
  const { customerId, newCustomer, acceptDelegatedAdmin } = body;
  const actor = principal.actor;
  let forCustomer = customerId;
  if (newCustomer === undefined && actor.kind === 'customer-user') {
    forCustomer ??= actor.customerId;
    if (forCustomer !== undefined) assertCustomerVisible(principal, forCustomer);
  }
  return {
    ...(forCustomer !== undefined ? { customerId: forCustomer } : {}),
    ...(newCustomer !== undefined ? { newCustomer } : {}),
    ...(acceptDelegatedAdmin !== undefined ? { acceptDelegatedAdmin } : {}),
  };
}

/** Changed license counts by offer id; an offer named twice is ambiguous, so refused before the domain. */
export function licenseChanges(body: AcceptPurchaseOfferDto): AcceptPurchaseOffer['licenses'] {
  if (body.licenses === undefined) return undefined;
  const changes: Record<string, number> = {};
  for (const line of body.licenses) {
    if (Object.hasOwn(changes, line.offerId)) {
      throw new ProblemException(
        400,
        'duplicate-offer-line',
        'Bad request',
        `${line.offerId} is listed twice.`,
        {
          offerId: line.offerId,
        },
      );
    }
    changes[line.offerId] = line.licenses;
  }
  return changes;
}
