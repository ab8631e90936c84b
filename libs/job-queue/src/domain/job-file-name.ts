/**
 * Output file names are user-visible metadata and appear in URLs (`/files/{name}`); they never
 * become storage paths (keys are server-generated). Still, keep them printable and path-free.
 */
export function validateJobFileName(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) return 'must be 1 to 200 characters';
  if (/[/\\\u0000-\u001f\u007f]/.test(name)) return 'must not contain slashes or control characters';
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  return null;
}
