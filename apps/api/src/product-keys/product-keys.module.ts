import { Module } from '@nestjs/common';
import { ProductKeysController } from './product-keys.controller';

/** Product keys over HTTP: registration by the platform, application by the partner. */
@Module({ controllers: [ProductKeysController] })
export class ProductKeysModule {}
