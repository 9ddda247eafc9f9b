import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { RequireScope } from '../auth/decorators';
import { ProblemResponses } from '../openapi/problem-responses';
import { Optional } from '../problem/optional';

/** OpenAPI schema of a command's answer (CommandResponseBody). */
export class CommandAcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'Derived from the Idempotency-Key when one was sent.' })
  commandId!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { inviteId: 'inv-1' } })
  ids!: Record<string, string>;
  @ApiProperty({ description: 'Revision of the aggregate after the command; send it back as If-Match.' })
  revision!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Global position written; wait on it for read-your-writes.',
  })
  position!: string | null;
  @ApiProperty({ type: [String], example: ['TrialInviteCreated'] })
  events!: string[];
  @ApiProperty({
    description: 'True when this command id had already been applied and nothing new was written.',
  })
  replayed!: boolean;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Secrets returned once (never on an idempotent replay).',
  })
  returned?: Record<string, string>;
}

/**
 * Optional base class of command bodies: lets a caller that cannot send headers put the idempotency
 * key in the body. The gateway strips it from the payload.
 */
export class CommandBodyDto {
  @ApiPropertyOptional({ description: 'Idempotency key, when the Idempotency-Key header cannot be sent.' })
  @Optional()
  @IsString()
  @Length(1, 200)
  commandId?: string;
}

/**
 * Marks a command route: requires the `commands` scope (pass 'platform' for platform operations) and
 * documents the headers, the 201/200 answers and the usual problems (409 among them: a concurrency
 * conflict, a keyed request still running, or a replay that cannot be rebuilt can answer any command).
 * Extra problem statuses can be added: `@ApiCommand({ problems: [429] })`.
 */
export function ApiCommand(
  options: { scope?: 'commands' | 'platform'; problems?: number[] } = {},
): MethodDecorator {
  const statuses = [
    ...new Set([400, 401, 403, 404, 409, 412, 413, 422, 503, ...(options.problems ?? [])]),
  ].sort((a, b) => a - b);
  return applyDecorators(
    RequireScope(options.scope ?? 'commands'),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Retries with the same key have one effect.',
    }),
    ApiHeader({ name: 'If-Match', required: false, description: 'ETag ("<revision>") the caller last saw.' }),
    ApiHeader({ name: 'X-Correlation-Id', required: false }),
    ApiResponse({
      status: 201,
      description:
        'Events were written (also answered to a replay of the request that wrote them, with Idempotent-Replayed: true).',
      type: CommandAcceptedDto,
    }),
    ApiResponse({
      status: 200,
      description: 'Nothing was written: the command changes nothing (a no-op), or replays one that did not.',
      type: CommandAcceptedDto,
    }),
    ProblemResponses(...statuses),
  );
}
