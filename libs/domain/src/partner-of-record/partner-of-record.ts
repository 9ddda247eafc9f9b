import type { CustomerChoiceRef, CustomerEvent } from '../customer/events';
import { authorizeCustomerAction } from '../customer/permissions';
import { becomeAdvisor, becomePartnerOfRecord, type TakenUpCustomer } from '../customer/sign-up';
import { customerSpec, type CustomerState } from '../customer/state';
import { requireAdvisor } from '../invitation/terms';
import { partnerSpec } from '../partner/commands';
import type { PartnerState } from '../partner/state';
import { type CommandDefinition, defineCommand } from '../shared/command';
import { DomainError } from '../shared/errors';
import { toInstant } from '../shared/time';

/**
 * Partner of Record (POR): the advisor partner listed for a customer, notified of changes in the
 * customer's subscriptions. A partner becomes POR by a purchase-offer acceptance, a product-key
 * setup, or the customer's own choice (ChangePartnerOfRecord). Only an advisor can become POR.
 *
 * Every subscription event carries `partnerOfRecordId` (the POR when it happened) and its before →
 * after values, so the notifications projection derives POR notifications from events alone. A POR
 * that later loses its advisor authorization stays recorded here: the projection stops notifying it
 * from the partner's AuthorizationRevoked (and resumes on a new AuthorizationGranted). Nothing about
 * that is stored in the customer.
 */
export interface ChangePartnerOfRecord {
  customerId: string;
  /** The new POR: an advisor now. */
  partnerId: string;
}

export const changePartnerOfRecord = defineCommand<ChangePartnerOfRecord>({
  type: 'ChangePartnerOfRecord',
  primary: 'customer',
  streams: (p) => ({ customer: customerSpec(p.customerId), partner: partnerSpec(p.partnerId) }),
  decide(p, loaded, ctx) {
    const now = toInstant(ctx.now, 'now');
    const state = loaded.customer.state as CustomerState;
    // The customer's own choice: its global admin, never a delegated admin (a partner cannot name itself).
    const by = authorizeCustomerAction(state, p.customerId, ctx.actor, 'choose-partner-of-record');
    const partner = loaded.partner.state as PartnerState;
    if (!partner.exists) {
      throw new DomainError('partner-not-found', 'No such partner', { partnerId: p.partnerId }, 'not-found');
    }
    requireAdvisor(partner, now);
    if (state.partnerOfRecord === partner.id) return { events: {} };
    const via: CustomerChoiceRef = { kind: 'customer-admin', id: by.user.id, partnerId: partner.id };
    const customer: TakenUpCustomer = { customerId: state.id, state, events: [], claims: {}, ids: {} };
    // A POR is one of the customer's advisors: the chosen partner becomes one if it is not yet.
    becomeAdvisor(customer, via);
    becomePartnerOfRecord(customer, via);
    return { events: { customer: customer.events } as Record<string, CustomerEvent[]> };
  },
});

export const partnerOfRecordCommands: CommandDefinition[] = [changePartnerOfRecord];
