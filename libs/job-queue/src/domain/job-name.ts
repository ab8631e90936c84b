import { identityTextProblem } from '@porter/shared-kernel';

/**
 * A job's name is shown in lists, the console and notifications: at most 200 characters, without
 * control characters (C0, DEL, C1), bidirectional-text controls, which make a name display as
 * another (`report\u202Efdp.exe`), or lone surrogates: the rule of identities (identityTextProblem).
 * Null when valid.
 */
export function jobNameProblem(name: string): string | null {
  return identityTextProblem(name, 200);
}
