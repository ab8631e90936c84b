import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validate, ValidationError as ClassValidationError } from 'class-validator';
import type { FieldError } from '@porter/shared-kernel';
import type { ExportFilterSchema } from '../../public/dependencies/export-data-source.dependency';
import type { ExportFilterField } from '../../public/entities/export-type-info';

function flatten(errors: ClassValidationError[], parent: string): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = `${parent}.${error.property}`;
    for (const message of Object.values(error.constraints ?? {})) out.push({ path, message });
    if (error.children?.length) out.push(...flatten(error.children, path));
  }
  return out;
}

/**
 * Validates filters against a type's class-validator schema: unknown properties are refused, every
 * failing property is reported with its path (`filters.hiredAfter`). Returns the errors (empty = valid).
 *
 * A filter is applied when present and not when absent; `null` is neither, and is refused here for
 * every type, whatever its schema says: a schema's `@IsOptional()` lets `null` through, and a host's
 * query then compared the column with NULL (`department = NULL`), so `{"department": null}` gave an
 * empty export without a word.
 */
export async function validateExportFilters(schema: ExportFilterSchema | undefined, filters: Record<string, unknown>): Promise<FieldError[]> {
  if (!schema) {
    return Object.keys(filters).map((key) => ({ path: `filters.${key}`, message: 'this export type takes no filters' }));
  }
  const nulls = Object.keys(filters).filter((key) => filters[key] === null);
  const instance = plainToInstance(schema, filters, { enableImplicitConversion: false });
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
  return [
    ...nulls.map((key) => ({ path: `filters.${key}`, message: `${key} must not be null: omit it for no filter` })),
    ...flatten(errors, 'filters').filter((error) => !nulls.some((key) => error.path === `filters.${key}`)),
  ];
}

/** The filter fields of a schema and the rule names on each, for `GET /exports/types`. */
export function describeExportFilters(schema: ExportFilterSchema | undefined): ExportFilterField[] {
  if (!schema) return [];
  const byField = new Map<string, Set<string>>();
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false)) {
    const rules = byField.get(meta.propertyName) ?? new Set<string>();
    const constraint = getMetadataStorage().getTargetValidatorConstraints(meta.constraintCls)[0];
    rules.add(meta.name ?? constraint?.name ?? meta.type);
    byField.set(meta.propertyName, rules);
  }
  return [...byField.entries()].map(([name, rules]) => ({ name, rules: [...rules] }));
}
