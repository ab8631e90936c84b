import type { FieldError } from '@porter/shared-kernel';

/** A schedule's optional name: trimmed, empty is none, at most 200 characters (the export's limit). */
export function checkName(name: unknown, errors: FieldError[]): string | null {
  if (name === undefined || name === null) return null;
  if (typeof name !== 'string') {
    errors.push({ path: 'name', message: 'must be a string' });
    return null;
  }
  const trimmed = name.trim();
  if (trimmed.length > 200) errors.push({ path: 'name', message: 'must be at most 200 characters' });
  return trimmed || null;
}
