/**
 * Output file names are user-visible metadata and appear in URLs (`/files/{name}`); they never
 * become storage paths (keys are server-generated). Still, keep them printable and path-free.
 */
export function validateJobFileName(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) return 'must be 1 to 200 characters';
  // Control characters are C0, DEL and C1 (U+0080-U+009F: NEL, the 8-bit CSI of terminals...);
  // the bidirectional-text controls make a name display as another (`invoice\u202Efdp.exe` shows
  // as "invoiceexe.pdf"), so they are refused with them.
  if (/[/\\\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(name)) {
    return 'must not contain slashes, control characters or bidirectional-text controls';
  }
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  return null;
}
