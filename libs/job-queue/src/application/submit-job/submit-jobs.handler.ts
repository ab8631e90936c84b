import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { ValidationError } from '@porter/shared-kernel';
import type { SubmitJobResult } from '../../public/actions/submit-job.command';
import { SubmitJobsCommand } from '../../public/actions/submit-jobs.command';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';
import { TenantLimitsCache } from '../tenant-limits/tenant-limits.cache';
import { assertValidJobRequest, jobRequestErrors, newJobOf } from './new-job';

/** Several jobs in the caller's transaction, one statement for all (see SubmitJobsCommand). */
@CommandHandler(SubmitJobsCommand)
export class SubmitJobsHandler implements ICommandHandler<SubmitJobsCommand, SubmitJobResult[]> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    private readonly limits: TenantLimitsCache,
  ) {}

  async execute({ jobs, transaction }: SubmitJobsCommand): Promise<SubmitJobResult[]> {
    if (!jobs.length) return [];
    if (!transaction) throw new ValidationError('The jobs cannot be submitted', [{ path: 'transaction', message: 'is required' }]);
    jobs.forEach((job) => assertValidJobRequest(jobRequestErrors(job)));
    // maxPendingJobs, per tenant for all of its jobs here at once (ADR 052).
    const perTenant = new Map<string, number>();
    for (const job of jobs) perTenant.set(job.principal.tenant, (perTenant.get(job.principal.tenant) ?? 0) + 1);
    for (const [tenant, adding] of perTenant) await this.limits.admitSubmission(tenant, adding);
    const newJobs = jobs.map((job) => newJobOf(job, { maxAttempts: this.config.jobMaxAttempts, traceContext: job.traceContext }));
    return this.jobs.submitMany(newJobs, transaction);
  }
}
