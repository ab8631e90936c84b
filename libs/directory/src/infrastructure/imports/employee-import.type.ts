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
    { name: 'id', type: 'ignored', aliases: ['Employee id'], description: 'ignored on import (the email identifies an employee)' },
    { name: 'first_name', type: 'string', required: true, aliases: ['Given name', 'Forename'], maxLength: 200, pattern: /\S/, patternHint: 'not blank' },
    { name: 'last_name', type: 'string', required: true, aliases: ['Surname', 'Family name'], maxLength: 200, pattern: /\S/, patternHint: 'not blank' },
    { name: 'email', type: 'email', required: true, aliases: ['E-mail', 'Email address', 'Mail'], description: 'unique per tenant, compared case-insensitively and stored lowercased' },
    { name: 'department', type: 'string', aliases: ['Dept', 'Team'], maxLength: 200 },
    { name: 'salary', type: 'decimal', aliases: ['Annual salary', 'Pay'], precision: 14, scale: 2 },
    { name: 'hired_at', type: 'date', aliases: ['Hired on', 'Hire date', 'Start date'] },
    { name: 'active', type: 'boolean', aliases: ['Is active', 'Enabled'], description: 'true or false; empty means true' },
    {
      name: 'scope_id',
      type: 'string',
      aliases: ['Scope', 'Operational scope'],
      maxLength: 100,
      pattern: /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
      patternHint: 'scope id: letters, digits, ".", "_", ":" or "-"',
      description: 'operational scope; a non-admin may only import into scopes it holds',
    },
    { name: 'notes', type: 'string', aliases: ['Comments', 'Remarks'], maxLength: 10_000 },
  ],
  uniqueKey: ['email'],
  chunkSize: 5000,
};
