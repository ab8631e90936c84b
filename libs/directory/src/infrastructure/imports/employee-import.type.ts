import { ImportFormat, ImportTypeDefinition } from '@porter/imports';

/**
 * Import type `employees`: the headers of the `employees` export, so an export imports back.
 * The email is the key (upsert per tenant, stored lower-case); an exported `id` is accepted
 * and ignored.
 */
export const EMPLOYEES_IMPORT_TYPE: ImportTypeDefinition = {
  type: 'employees',
  description: 'Employees of the tenant, upserted by email',
  formats: [ImportFormat.Csv, ImportFormat.Xlsx, ImportFormat.Jsonl],
  columns: [
    { name: 'id', type: 'ignored', description: 'ignored on import (the email identifies an employee)' },
    { name: 'first_name', type: 'string', required: true, maxLength: 200, pattern: /\S/, patternHint: 'not blank' },
    { name: 'last_name', type: 'string', required: true, maxLength: 200, pattern: /\S/, patternHint: 'not blank' },
    { name: 'email', type: 'email', required: true, description: 'unique per tenant, compared case-insensitively' },
    { name: 'department', type: 'string', maxLength: 200 },
    { name: 'salary', type: 'decimal', precision: 14, scale: 2 },
    { name: 'hired_at', type: 'date' },
    { name: 'active', type: 'boolean', description: 'true or false; empty means true' },
    {
      name: 'scope_id',
      type: 'string',
      maxLength: 100,
      pattern: /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
      patternHint: 'scope id: letters, digits, ".", "_", ":" or "-"',
      description: 'operational scope; a non-admin may only import into scopes it holds',
    },
    { name: 'notes', type: 'string', maxLength: 10_000 },
  ],
  uniqueKey: ['email'],
  chunkSize: 5000,
};
