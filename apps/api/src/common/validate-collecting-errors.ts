import { BadRequestException, Type } from '@nestjs/common';
import { validateRequestBody } from '@porter/platform';
import type { FieldError } from '@porter/shared-kernel';

/**
 * A JSON body validated like `@Body()` does (same whitelist, same messages), for an operation whose
 * command checks more and reports everything in one answer: instead of the 400, the problems come
 * back with the body minus every field they name. Anything that is not a field problem of a JSON
 * object (a body that is not an object) is thrown as the pipe throws it.
 */
export async function validateCollectingErrors<T extends object>(value: unknown, metatype: Type<T>): Promise<{ body: T; errors: FieldError[] }> {
  try {
    return { body: await validateRequestBody(value, metatype), errors: [] };
  } catch (error) {
    const errors = fieldErrorsOf(error);
    if (!errors?.length || value === null || typeof value !== 'object' || Array.isArray(value)) throw error;
    const refused = new Set(errors.map((e) => e.path.split('.')[0]));
    if (refused.has('')) throw error;
    // Every field left passed its own rules (class-validator checks each property on its own).
    const body = Object.fromEntries(Object.entries(value).filter(([key]) => !refused.has(key))) as T;
    return { body, errors };
  }
}

function fieldErrorsOf(error: unknown): FieldError[] | null {
  if (!(error instanceof BadRequestException)) return null;
  const response = error.getResponse() as { errors?: unknown };
  return Array.isArray(response?.errors) ? (response.errors as FieldError[]) : null;
}
