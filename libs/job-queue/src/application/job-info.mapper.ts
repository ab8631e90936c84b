import type { JobInfo } from '../public/entities/job-info';
import type { JobRecord } from './ports/job.repository.port';
import { progressPercent } from '../domain/job-stream-cursor';

export function toJobInfo(job: JobRecord): JobInfo {
  const total = job.progressTotal;
  const percent = progressPercent(job.progressProcessed, total);
  return {
    id: job.id,
    type: job.type,
    name: job.name,
    description: job.description,
    status: job.status,
    position: job.position,
    priority: job.priority,
    progress: { processed: job.progressProcessed, total, percent },
    submittedBy: job.submittedBy,
    submitterKind: job.principal.kind === 'app' ? 'app' : 'user',
    submitterRoles: [...(job.principal.roles ?? [])],
    tenant: job.tenant,
    submittedAt: job.submittedAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    scheduledFor: job.scheduledFor?.toISOString() ?? null,
    startedAt: job.startedAt?.toISOString() ?? null,
    completedAt: job.completedAt?.toISOString() ?? null,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    stalls: job.stalls,
    outputInformation: job.outputInformation,
    outputFiles: job.outputFiles,
    errorDetails: job.errorDetails,
  };
}
