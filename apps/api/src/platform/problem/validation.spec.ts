import type { ValidationError } from '@nestjs/common';
import { flattenValidationErrors } from './validation';

const error = (
  property: string,
  constraints?: Record<string, string>,
  children: ValidationError[] = [],
): ValidationError => ({
  property,
  constraints,
  children,
});

describe('flattenValidationErrors', () => {
  it('names nested fields with dots and array indexes, and keeps every message', () => {
    const errors = [
      error('name', { isString: 'name must be a string', length: 'name is too short' }),
      error('offer', undefined, [
        error('items', undefined, [
          error('0', undefined, [error('licenses', { min: 'licenses must not be less than 1' })]),
        ]),
      ]),
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'name', messages: ['name must be a string', 'name is too short'] },
      { field: 'offer.items[0].licenses', messages: ['licenses must not be less than 1'] },
    ]);
  });
});
