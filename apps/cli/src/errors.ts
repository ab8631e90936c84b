/**
 * Exit codes of `porter` (README, docs/cli.md): scripts branch on them.
 * 0 done · 1 the job failed, was cancelled or had failed rows (or the API refused the action) ·
 * 2 usage error (bad arguments, or the API refused the request as invalid: 400/413/415/422) ·
 * 3 the API could not be reached, or refused the credentials (401/403) · 130 interrupted.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, interrupted: 130 } as const;

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
  [key: string]: unknown;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly problem?: Problem,
  ) {
    super(message);
  }
}

/** An API answer that was not a success, as its problem document. */
export class ApiProblemError extends CliError {
  constructor(problem: Problem) {
    super(`${problem.title} (${problem.status})${problem.detail ? `: ${problem.detail}` : ''}`, exitCodeOf(problem.status), problem);
  }
}

function exitCodeOf(status: number): number {
  if (status === 401 || status === 403) return EXIT.unreachable;
  if ([400, 413, 415, 422].includes(status)) return EXIT.usage;
  return EXIT.failed;
}
