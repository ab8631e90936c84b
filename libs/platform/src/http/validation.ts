import { BadRequestException, ValidationError as ClassValidationError, Type, ValidationPipe } from '@nestjs/common';
import type { FieldError } from '@porter/shared-kernel';

/**
 * Constraints that say what a value IS come before those that bound it: `offset=abc` is "must be
 * an integer number", not also "must not be less than 0" and "must not be greater than ...".
 */
const RANGE_CONSTRAINTS = new Set(['min', 'max', 'minLength', 'maxLength', 'arrayMinSize', 'arrayMaxSize', 'isNotEmpty', 'arrayNotEmpty', 'minDate', 'maxDate']);

/** The one message a field gets: its first failing type or shape rule, else its first range rule. */
function firstMessage(constraints: Record<string, string>): string | null {
  const names = Object.keys(constraints);
  const chosen = names.find((n) => !RANGE_CONSTRAINTS.has(n)) ?? names[0];
  return chosen === undefined ? null : constraints[chosen];
}

function flatten(errors: ClassValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const message = firstMessage(error.constraints ?? {});
    if (message !== null) out.push({ path, message });
    if (error.children?.length) out.push(...flatten(error.children, path));
  }
  return out;
}

/** Whitelists, refuses unknown properties and transforms; failures list every path at once, one clear message each. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fieldErrors = flatten(errors);
      return new BadRequestException({ message: 'The request is invalid', errors: fieldErrors });
    },
  });
}

/**
 * A body that did not come through `@Body()` (the JSON `request` field of a multipart request)
 * validated exactly as the global pipe validates a JSON body: same whitelist, same 400 problem.
 */
export function validateRequestBody<T extends object>(value: unknown, metatype: Type<T>): Promise<T> {
  return createValidationPipe().transform(value, { type: 'body', metatype }) as Promise<T>;
}
