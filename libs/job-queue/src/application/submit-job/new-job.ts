import { FieldError, newId, ValidationError } from '@porter/shared-kernel';
import type { JobToSubmit } from '../../public/actions/submit-jobs.command';
import { JobStatus } from '../../public/enums/job-status';
import type { NewJob } from '../ports/job.repository.port';
import { jobNameProblem } from '../../domain/job-name';

export const MAX_PRIORITY = 1000;

/** What a submission asks for, from `SubmitJobCommand` or one job of `SubmitJobsCommand`. */
export type JobRequest = Omit<JobToSubmit, 'traceContext'> & { idempotencyKey?: string | null };

/** The field errors of a submission (empty when it is valid). */
export function jobRequestErrors(request: JobRequest): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof request.type !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(request.type)) {
    errors.push({ path: 'type', message: 'must be 1-100 letters, digits, ".", "_", ":" or "-"' });
  }
  const priority = request.priority ?? 0;
  if (!Number.isInteger(priority) || Math.abs(priority) > MAX_PRIORITY) {
    errors.push({ path: 'priority', message: `must be an integer between -${MAX_PRIORITY} and ${MAX_PRIORITY}` });
  }
  const scheduledFor = request.scheduledFor ?? null;
  if (scheduledFor && Number.isNaN(scheduledFor.getTime())) errors.push({ path: 'scheduledFor', message: 'must be a valid date' });
  const nameProblem = request.name ? jobNameProblem(request.name) : null;
  if (nameProblem) errors.push({ path: 'name', message: nameProblem });
  if (request.idempotencyKey && request.idempotencyKey.length > 200) {
    errors.push({ path: 'idempotencyKey', message: 'must be at most 200 characters' });
  }
  return errors;
}

/** Throws the submission's field errors as one 400 problem. */
export function assertValidJobRequest(errors: FieldError[]): void {
  if (errors.length) throw new ValidationError('The job cannot be submitted', errors);
}

/**
 * The job row a valid submission becomes: pending, or scheduled when it is due later. The per-type
 * attempt limit is known where the handler lives (the worker) and set when a run starts.
 */
export function newJobOf(
  request: JobRequest,
  defaults: { id?: string; maxAttempts: number; traceContext: Record<string, string> | null },
): NewJob {
  const scheduledFor = request.scheduledFor ?? null;
  const future = scheduledFor !== null && scheduledFor.getTime() > Date.now();
  return {
    id: defaults.id ?? newId(),
    principal: request.principal,
    type: request.type,
    payload: request.payload ?? {},
    name: request.name ?? null,
    description: request.description ?? null,
    status: future ? JobStatus.Scheduled : JobStatus.Pending,
    scheduledFor: future ? scheduledFor : null,
    priority: request.priority ?? 0,
    maxAttempts: defaults.maxAttempts,
    idempotencyKey: request.idempotencyKey ?? null,
    traceContext: defaults.traceContext,
  };
}
