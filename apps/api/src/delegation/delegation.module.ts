import { Module } from '@nestjs/common';
import { CustomerReader } from '../acquisition/customer-reader';
import { DelegationsController } from './delegations.controller';
import { PartnerOfRecordController } from './partner-of-record.controller';
import { PasswordResetController } from './password-reset.controller';
import { GetDelegationHandler } from './queries/get-delegation.query';

/**
 * Delegated administration over HTTP: delegations, acting for a customer (password resets), and the
 * customer's choice of Partner of Record. Exports the tenant check acting-for-customer routes share.
 */
@Module({
  controllers: [DelegationsController, PasswordResetController, PartnerOfRecordController],
  providers: [CustomerReader, GetDelegationHandler],
  exports: [CustomerReader],
})
export class DelegationModule {}
