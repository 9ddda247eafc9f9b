import { Controller, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  ApiCommand,
  CommandAcceptedDto,
  CommandGateway,
  CommandMeta,
  type CommandRequestMeta,
  type CommandResponseBody,
} from '../platform';
import { CustomerReader } from '../acquisition/customer-reader';
import { newTemporaryPassword } from './temporary-password';

/**
 * The meta of a request, with its reply watched for the gateway's `Idempotent-Replayed` header: a
 * replay answers the stored body of the first request, which says `replayed: false`, so the header is
 * the only sign that nothing was done this time.
 */
function watchingReplays(meta: CommandRequestMeta): { meta: CommandRequestMeta; replayed: () => boolean } {
  let replayed = false;
  const reply = {
    status: (statusCode: number) => meta.reply.status(statusCode),
    header: (name: string, value: string) => {
      if (name.toLowerCase() === 'idempotent-replayed') replayed = true;
      return meta.reply.header(name, value);
    },
  };
  return { meta: { ...meta, reply }, replayed: () => replayed };
}

/**
 * Password resets in a customer's tenant: by the customer's global admin, or by a partner's delegated
 * admin (limited access is enough, except for a global admin's password, which needs full).
 */
@ApiTags('acting for customers')
@ApiBearerAuth()
@Controller('customers/:customerId/users/:userId')
export class PasswordResetController {
  constructor(
    private readonly commands: CommandGateway,
    private readonly customers: CustomerReader,
  ) {}

  @Post('reset-password')
  @ApiOperation({
    summary: "Reset a customer user's password; answers a temporary password ONCE.",
    description:
      'The domain records who reset whose password and when (CustomerUserPasswordReset), never the secret. ' +
      'The temporary password is generated here and returned once in `returned.temporaryPassword`: it is not ' +
      'stored, so an idempotent replay (same Idempotency-Key) answers without it; reset again with a new key. ' +
      'Setting it in the identity system is up to the caller (the integration that owns the identities).',
  })
  @ApiCommand()
  @ApiResponse({
    status: 201,
    description: 'Reset; `returned.temporaryPassword` holds the temporary password (this answer only).',
    type: CommandAcceptedDto,
  })
  async resetCustomerUserPassword(
    @Param('customerId') customerId: string,
    @Param('userId') userId: string,
    @CommandMeta() meta: CommandRequestMeta,
  ): Promise<CommandResponseBody> {
    await this.customers.assertVisible(meta.principal, customerId, 'delegation');
    const watched = watchingReplays(meta);
    const result = await this.commands.send(
      'ResetCustomerUserPassword',
      { customerId, userId },
      watched.meta,
    );
    meta.reply.header('Cache-Control', 'no-store');
    const reset =
      !watched.replayed() && !result.replayed && result.events.includes('CustomerUserPasswordReset');
    // Generated only once the reset is recorded, and only into this response: never logged, never stored.
    return reset ? { ...result, returned: { temporaryPassword: newTemporaryPassword() } } : result;
  }
}
