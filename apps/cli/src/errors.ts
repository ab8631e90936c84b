/**
 * Exit codes of `porter` (README, docs/cli.md): scripts branch on them.
 * 0 done · 1 the job failed, was cancelled or had failed rows (or the API refused the action) ·
 * 2 usage error (bad arguments, or the API refused the request as invalid: 400/413/415/422) ·
 * 3 the API could not be reached, or refused the credentials (401/403) · 4 the API asked to be
 * asked again later (429: a rate limit, the tenant's pending jobs limit; the message says when) ·
 * 130 interrupted.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, retryLater: 4, interrupted: 130 } as const;

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

/**
 * An API answer that was not a success, as its problem document. A 429's Retry-After (which the
 * API sends as a header, not in the document) is `retryAfterSeconds` in it and ends the message
 * (`…; retry in 19 s`): a script or a person knows when to try again.
 */
export class ApiProblemError extends CliError {
  constructor(problem: Problem) {
    const retry = typeof problem.retryAfterSeconds === 'number' ? `; retry in ${problem.retryAfterSeconds} s` : '';
    const detail = retry ? problem.detail?.replace(/\.$/, '') : problem.detail;
    super(`${problem.title} (${problem.status})${detail ? `: ${detail}` : ''}${retry}`, exitCodeOf(problem.status), problem);
  }
}

/** Retry-After as whole seconds from now (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function exitCodeOf(status: number): number {
  if (status === 429) return EXIT.retryLater;
  if (status === 401 || status === 403) return EXIT.unreachable;
  if ([400, 413, 415, 422].includes(status)) return EXIT.usage;
  return EXIT.failed;
}
