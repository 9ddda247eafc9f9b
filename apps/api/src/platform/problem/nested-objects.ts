import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsObject, ValidateNested } from 'class-validator';

/**
 * An array of objects of `type`, each validated as one. ValidateNested alone takes an element that is
 * itself an array and validates that array's members instead, so `{"keys": [[]]}` passed validation
 * with nothing in it checked, and reached the handler (a 500), and `"licenses": [[{…}]]` was taken as
 * no license change at all. Each element must be a JSON object.
 */
export function NestedObjects(type: () => new () => object): PropertyDecorator {
  return applyDecorators(
    IsObject({ each: true, message: ({ property }) => `each value in ${property} must be an object` }),
    ValidateNested({ each: true }),
    Type(type),
  );
}
