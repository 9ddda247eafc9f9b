import { ValidationPipe, type ValidationError } from '@nestjs/common';
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

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent === '' ? property : `${parent}.${property}`;
}

export function validationProblem(errors: readonly ValidationError[]): ProblemException {
  const violations = flattenValidationErrors(errors);
  const count = violations.length;
  return new ProblemException(
    400,
    'validation-failed',
    'Invalid request',
    `The request has ${count} invalid field${count === 1 ? '' : 's'}.`,
    { errors: violations },
  );
}

/**
 * The global pipe: unknown properties are errors (not silently dropped) so typos in optional fields
 * surface, and every violation is reported at once.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationProblem(errors),
  });
}
