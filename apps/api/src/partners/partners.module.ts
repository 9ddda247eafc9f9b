import { Module } from '@nestjs/common';
import { GetPartnerHandler } from './get-partner.query';
import { PartnersController } from './partners.controller';

@Module({ controllers: [PartnersController], providers: [GetPartnerHandler] })
export class PartnersModule {}
