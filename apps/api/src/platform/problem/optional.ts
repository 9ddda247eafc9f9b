import { ValidateIf } from 'class-validator';

/**
 * An optional field of a request: absent, its other checks are skipped; present, they all apply,
 * to `null` as well, which the field's type check then refuses. class-validator's own IsOptional
 * skips `null` too, so `{"email": null}` used to pass validation and reach the domain, where it
 * blanked a required field or threw (a 500).
 *
 * `nullable: true` is for the few fields where null means "clear it" (a profile's website or second
 * address line): null is then accepted and passed on as it is.
 */
export function Optional(options: { nullable?: boolean } = {}): PropertyDecorator {
  return ValidateIf(
    (_object: object, value: unknown) => value !== undefined && !(options.nullable && value === null),
  );
}
