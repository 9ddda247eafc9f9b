import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';

/** OpenAPI schema of every error body (RFC 9457). Extension members vary by `type`. */
export class ProblemDetailsDto {
  @ApiProperty({ example: 'https://partner-center.dev/errors/not-an-advisor' })
  type!: string;
  @ApiProperty({ example: 'Not an advisor' })
  title!: string;
  @ApiProperty({ example: 422 })
  status!: number;
  @ApiProperty({ example: "Partner 'p1' is not authorized as a subscription advisor." })
  detail!: string;
  @ApiProperty({ example: '/partners/p1/trial-invites' })
  instance!: string;
  @ApiPropertyOptional({ description: 'Id of the request, to quote when reporting a problem.' })
  requestId?: string;
}

export class FieldViolationDto {
  @ApiProperty({ example: 'items[0].licenses' })
  field!: string;
  @ApiProperty({ type: [String], example: ['licenses must not be less than 1'] })
  messages!: string[];
}

export class ValidationProblemDto extends ProblemDetailsDto {
  @ApiPropertyOptional({
    type: [FieldViolationDto],
    description:
      'When the request fails validation (`validation-failed`): every violation, nested fields included; ' +
      'the first 100 when there are more. Refusals before validation (e.g. `invalid-characters`, ' +
      '`body-not-accepted`, `invalid-path`) name the field, if any, in `field` instead.',
  })
  errors?: FieldViolationDto[];
  @ApiPropertyOptional({ description: 'How many violations there are, when more than `errors` lists.' })
  errorCount?: number;
  @ApiPropertyOptional({ description: 'true when `errors` lists only the first 100 violations.' })
  errorsTruncated?: boolean;
}

export const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400:
    'The request is malformed (refused before validation; `type` says why) or fails validation ' +
    '(`validation-failed`: violations are listed in `errors`, the first 100).',
  401: 'Missing, expired, unsigned or wrongly signed bearer token.',
  403: 'The token lacks the required scope, or the actor may not do this.',
  404: 'Not found, or not visible to this actor.',
  409:
    'Conflict: the thing already exists, concurrent changes kept conflicting, a request with this ' +
    'Idempotency-Key is still running, or a command applied earlier cannot be answered again (`replay-mismatch`).',
  412: 'If-Match does not match the current revision.',
  413: 'The body exceeds the size limit.',
  414: 'A path parameter is longer than the service takes (`path-parameter-too-long`).',
  422: 'A business rule refuses the command, or the Idempotency-Key was reused with a different body.',
  429: 'Too many attempts; see Retry-After.',
  503:
    'Temporarily unavailable; see Retry-After: a backend is away (`backend-unavailable`, ' +
    '`event-store-unavailable`, `projections-unavailable`), a read model is not created yet just after ' +
    'the service started (`read-model-not-ready`), or it has not reached X-Min-Position in time (`read-model-behind`).',
};

/** Documents the listed problem+json responses of an operation, e.g. `@ProblemResponses(400, 401, 404, 422)`. */
export function ProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto, ValidationProblemDto, FieldViolationDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
        content: {
          'application/problem+json': {
            schema: { $ref: problemSchemaRef(status) },
          },
        },
        ...(status === 429 || status === 503
          ? { headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } }
          : {}),
      }),
    ),
  );
}

/** The schema a status's problem body has (400: the validation problem, whose `errors` is optional). */
export function problemSchemaRef(status: number): string {
  return getSchemaPath(status === 400 ? ValidationProblemDto : ProblemDetailsDto);
}
