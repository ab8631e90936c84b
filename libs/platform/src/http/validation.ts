import { ArgumentMetadata, BadRequestException, ValidationError as ClassValidationError, Type, ValidationPipe } from '@nestjs/common';
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

/** Query strings whose validated values are remembered, per pipe (the least recently used go first). */
const REMEMBERED_QUERIES = 512;
/** A query string longer than this (as JSON) is validated every time rather than kept. */
const REMEMBERED_QUERY_MAX_LENGTH = 2_048;

type Flat = Record<string, string | number | boolean | null | undefined>;

/**
 * The global pipe, remembering what it made of a query string. A query's validation depends on
 * nothing but its text and its DTO class (no rule reads a clock, a setting or the database), and
 * clients ask the same few again and again (a list's page polled by every open console), while
 * class-transformer and class-validator cost about 8 % of the API's CPU on a cheap read (ADR 100).
 * Only accepted queries are remembered, and only when every value of the result is a primitive:
 * each caller gets a copy of its own, so no handler can change what another one reads. A refused
 * query goes through the pipe every time and gets its own exception.
 */
export class RememberingValidationPipe extends ValidationPipe {
  private readonly remembered = new Map<Type<unknown>, Map<string, Flat>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype as Type<unknown> | undefined;
    if (metadata.type !== 'query' || !metatype || !isStringQuery(value)) return super.transform(value, metadata);
    const key = JSON.stringify(value);
    if (key.length > REMEMBERED_QUERY_MAX_LENGTH) return super.transform(value, metadata);
    let byQuery = this.remembered.get(metatype);
    const known = byQuery?.get(key);
    if (known) {
      // Most recently used last: a Map iterates in insertion order.
      byQuery!.delete(key);
      byQuery!.set(key, known);
      return copyOf(known);
    }
    const result = await super.transform(value, metadata);
    if (isFlat(result)) {
      if (!byQuery) this.remembered.set(metatype, (byQuery = new Map()));
      byQuery.set(key, copyOf(result));
      if (byQuery.size > REMEMBERED_QUERIES) byQuery.delete(byQuery.keys().next().value as string);
    }
    return result;
  }
}

/** Another object of the same class with the same (primitive) values. */
function copyOf(value: Flat): Flat {
  return Object.assign(Object.create(Object.getPrototypeOf(value) as object) as object, value) as Flat;
}

/** A parsed query string: an object of strings (a repeated name: an array of strings). */
function isStringQuery(value: unknown): value is Record<string, string | string[]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  for (const item of Object.values(value as object)) {
    if (typeof item === 'string') continue;
    if (!Array.isArray(item) || !item.every((s) => typeof s === 'string')) return false;
  }
  return true;
}

function isFlat(value: unknown): value is Flat {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  for (const item of Object.values(value as object)) if (item !== null && typeof item === 'object') return false;
  return !Object.getOwnPropertySymbols(value).length;
}

/** Whitelists, refuses unknown properties and transforms; failures list every path at once, one clear message each. */
export function createValidationPipe(): ValidationPipe {
  return new RememberingValidationPipe({
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
