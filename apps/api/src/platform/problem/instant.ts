import { isInstant } from '@pc/domain';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * A date (YYYY-MM-DD) or UTC instant (YYYY-MM-DDTHH:mm:ss[.sss]Z) that exists on the calendar, the
 * one form the service takes times in. A pattern alone let 2026-13-45 through to be stored, and
 * IsISO8601 let through forms (20260101, 2026-W05) that the queries could not turn into a bound (500).
 */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => isInstant(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be a date (YYYY-MM-DD) or a UTC instant (YYYY-MM-DDTHH:mm:ss[.sss]Z) that exists`,
      },
    },
    options,
  );
}
