import { Module } from '@nestjs/common';
import { DelegationModule } from '../delegation/delegation.module';
import { ServiceRequestsController } from './service-requests.controller';

/** Service requests over HTTP (the tenant check is delegated administration's). */
@Module({
  imports: [DelegationModule],
  controllers: [ServiceRequestsController],
})
export class ServiceRequestsModule {}
