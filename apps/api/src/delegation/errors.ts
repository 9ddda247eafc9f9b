import { DomainError } from '@pc/domain';

/** The same 404 the domain answers for a delegation that is not there (or not the asking partner's). */
export const delegationNotFound = (customerId: string, delegationId: string): DomainError =>
  new DomainError(
    'delegation-not-found',
    `No delegation ${delegationId} in customer ${customerId}`,
    { customerId, delegationId },
    'not-found',
  );
