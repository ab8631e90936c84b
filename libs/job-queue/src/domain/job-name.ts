/**
 * A job's name is shown in lists, the console and notifications: at most 200 characters, without
 * control characters (C0, DEL, C1) or bidirectional-text controls, which make a name display as
 * another (`report\u202Efdp.exe`), as file names already are (job-file-name.ts). Null when valid.
 */
export function jobNameProblem(name: string): string | null {
  if (name.length > 200) return 'must be at most 200 characters';
  if (/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(name)) return 'must not contain control characters or bidirectional-text controls';
  return null;
}
