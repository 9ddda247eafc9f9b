import { positionProblem } from '@pc/event-store';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * A global position as the API hands them out (a command's `position`, a page's `nextPosition`), in
 * a range an event store can hold. Beyond it (e.g. 99999999999999999999), the value used to reach the
 * store, whose driver refused to bind it: a 503 "event store unavailable" for a bad request.
 */
export function IsPosition(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPosition',
      validator: {
        validate: (value: unknown) => positionProblem(value) === undefined,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} ${positionProblem(args?.value) ?? 'must be a position'}`,
      },
    },
    options,
  );
}
