import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiCommand,
  CommandGateway,
  CommandMeta,
  type CommandRequestMeta,
  GuessingRateLimit,
  ProblemException,
  assertPartnerVisible,
} from '../platform';
import { ApplyProductKeyDto, RegisterProductKeysDto } from './dto/product-key.dto';
import { type HashedProductKey, PRODUCT_KEY_FORMAT_DESCRIPTION, hashProductKey } from './product-key-hash';

/** 400 naming which key is malformed (by position), never echoing it. */
function invalidKey(index: number | null): ProblemException {
  return new ProblemException(
    400,
    'invalid-product-key',
    'Bad request',
    `Not a product key: ${PRODUCT_KEY_FORMAT_DESCRIPTION}.`,
    index === null ? {} : { index },
  );
}

function hashed(partnerId: string, key: string, index: number | null): HashedProductKey {
  const result = hashProductKey(partnerId, key);
  if (result === null) throw invalidKey(index);
  return result;
}

/**
 * Product keys: the platform registers the keys a partner bought; the partner applies one to set up a
 * customer's subscription (advisors only), which makes it the customer's advisor and Partner of
 * Record. Plaintext keys arrive here and go no further: commands carry their per-partner hash and
 * last five characters (see product-key-hash.ts).
 */
@ApiTags('product keys')
@ApiBearerAuth()
@Controller('partners/:partnerId/product-keys')
export class ProductKeysController {
  constructor(private readonly commands: CommandGateway) {}

  @Post()
  @ApiOperation({
    summary: 'Register a batch of product keys a partner bought (platform). Each key: offer, seats, term.',
  })
  @ApiCommand({ scope: 'platform', problems: [409] })
  registerProductKeys(
    @Param('partnerId') partnerId: string,
    @Body() body: RegisterProductKeysDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    assertPartnerVisible(meta.principal, partnerId);
    const keys = body.keys.map((line, index) => ({
      ...hashed(partnerId, line.key, index),
      offerId: line.offerId,
      seats: line.seats,
      termMonths: line.termMonths,
    }));
    const batch = body.batchId === undefined ? {} : { batchId: body.batchId };
    return this.commands.send('RegisterProductKeys', { ...batch, partnerId, keys }, meta);
  }

  @Post('apply')
  @ApiOperation({
    summary:
      "Set up a customer's subscription with one of the partner's keys (advisors; global admin or customer access). " +
      "A key sets up one subscription, once (409 product-key-already-used); an unknown or another partner's key is 404.",
  })
  @ApiCommand({ problems: [409] })
  @GuessingRateLimit()
  applyProductKey(
    @Param('partnerId') partnerId: string,
    @Body() body: ApplyProductKeyDto,
    @CommandMeta() meta: CommandRequestMeta,
  ) {
    assertPartnerVisible(meta.principal, partnerId);
    const { keyHash } = hashed(partnerId, body.key, null);
    // Listed field by field (undefined ones are dropped): the plaintext cannot slip into the payload.
    const { customerId, newCustomer, delegatedAdmin } = body;
    return this.commands.send(
      'ApplyProductKey',
      { partnerId, keyHash, customerId, newCustomer, delegatedAdmin },
      meta,
    );
  }
}
