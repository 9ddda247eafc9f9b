import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { ProblemException } from './problem-exception';

export interface FieldViolation {
  /** Path of the offending field in the body/query, e.g. `offer.items[0].licenses`. */
  field: string;
  messages: string[];
}

/** Flattens class-validator's error tree into one entry per offending field, nested ones included. */
export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): FieldViolation[] {
  return errors.flatMap((error) => {
    const field = joinPath(parent, error.property);
    const own: FieldViolation[] = error.constraints
      ? [{ field, messages: Object.values(error.constraints) }]
      : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** `items` + `0` → `items[0]`, `offer` + `licenses` → `offer.licenses`: how a field is named. */
export function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent === '' ? property : `${parent}.${property}`;
}

/** The most violations a 400 lists; the rest are counted (`errorCount`), not listed. */
export const MAX_LISTED_VIOLATIONS = 100;

export function validationProblem(errors: readonly ValidationError[]): ProblemException {
  return violationsProblem(flattenValidationErrors(errors));
}

function violationsProblem(violations: FieldViolation[]): ProblemException {
  const count = violations.length;
  const fields = `${count} invalid field${count === 1 ? '' : 's'}`;
  if (count <= MAX_LISTED_VIOLATIONS) {
    return new ProblemException(400, 'validation-failed', 'Invalid request', `The request has ${fields}.`, {
      errors: violations,
    });
  }
  return new ProblemException(
    400,
    'validation-failed',
    'Invalid request',
    `The request has ${fields}; the first ${MAX_LISTED_VIOLATIONS} are listed.`,
    { errors: violations.slice(0, MAX_LISTED_VIOLATIONS), errorCount: count, errorsTruncated: true },
  );
}

/**
 * The global pipe: unknown properties are errors (not silently dropped) so typos in optional fields
 * surface, and every violation is reported at once (the first MAX_LISTED_VIOLATIONS listed).
 *
 * Two refusals Nest's pipe does not make:
 * - a body that is not a JSON object: `null`, which Nest takes for "no body" (it validated an empty
 *   object in its place, so an operation whose body fields are all optional ran on it), and an array,
 *   a string (a text/plain body), a number or a boolean, which Nest's pipe refused with a violation per
 *   element or per missing field. No operation takes any of them: one violation naming `body`.
 * - a validator that throws a URIError (validator.js encodes text with encodeURI, which throws on a
 *   lone surrogate; RequestShapeGuard refuses those first): a 400, never a 500.
 */
export class ProblemValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.data === undefined && value !== undefined) {
      const kind = nonObjectKind(value);
      if (kind !== undefined) {
        throw violationsProblem([
          { field: 'body', messages: [`the body must be a JSON object, not ${kind}`] },
        ]);
      }
    }
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof URIError)) throw error;
      throw violationsProblem([
        {
          field: metadata.data ?? metadata.type,
          messages: [`the ${metadata.type} holds text that cannot be validated (not well-formed Unicode)`],
        },
      ]);
    }
  }
}

/** What a body is when it is not a JSON object: `null`, `an array`, `a string`; undefined for an object. */
function nonObjectKind(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? undefined : `a ${typeof value}`;
}

export function createValidationPipe(): ValidationPipe {
  return new ProblemValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationProblem(errors),
  });
}
