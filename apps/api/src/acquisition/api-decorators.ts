import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ApiCommand, RequireScope } from '../platform';
import { InvitationCreatedDto } from './views/invitation.view';

/**
 * A command route open to both customer-facing services (`commands`) and platform flows (`platform`):
 * sign-ups through an invitation URL, and suspensions the platform imposes (e.g. non-payment).
 * RequireScope comes last so it replaces the single scope ApiCommand sets.
 */
export const ApiCommandOrPlatform = (problems: number[] = []): MethodDecorator =>
  applyDecorators(ApiCommand({ problems }), RequireScope('commands', 'platform'));

/** A create route answering the command result plus the invitation URL. */
export const ApiInvitationCreated = (): MethodDecorator =>
  applyDecorators(
    ApiCommand({ problems: [409] }),
    ApiResponse({
      status: 201,
      description: 'Created; `url` is the link to send.',
      type: InvitationCreatedDto,
    }),
  );
