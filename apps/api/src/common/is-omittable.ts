import { ValidateIf, ValidationOptions } from 'class-validator';

/**
 * An optional body property that, when present, must be valid: only an ABSENT property skips the
 * property's other rules. class-validator's `IsOptional` also skips them for `null`, so
 * `{"enabled": null}` passed a boolean's validation and reached the handler (a PATCH of a webhook
 * then failed on the column's NOT NULL: a 500). Properties where `null` means something ("clear
 * the name") keep `IsOptional` and say `nullable: true` in their OpenAPI description.
 */
export function IsOmittable(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}
