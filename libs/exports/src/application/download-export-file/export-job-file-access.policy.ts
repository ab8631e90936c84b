import { Inject, Injectable } from '@nestjs/common';
import { JobFileAccessPolicy, JobFileAccessPolicyFor, JobFileReadRequest } from '@porter/job-queue';
import { NotFoundError } from '@porter/shared-kernel';
import { EXPORT_REPOSITORY, ExportRepository, ExportResultRecord } from '../ports/export-repository.port';
import { EXPORT_JOB_TYPE } from '../request-export/request-export.handler';
import { ExportDownloadGate } from './export-download.gate';

/**
 * The file of an export job is the export's file: reading it through the jobs API
 * (`GET /jobs/{jobId}/files/{name}`) must pass the export's download checks, not only the job's
 * visibility — an admin sees every job of the tenant, but not a local export of scopes it lacks.
 * The read is counted like a download from `GET /exports/{id}/download` (not a HEAD, nor a Range that
 * resumes past the first byte).
 */
@Injectable()
@JobFileAccessPolicyFor(EXPORT_JOB_TYPE)
export class ExportJobFileAccessPolicy implements JobFileAccessPolicy {
  constructor(
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
    private readonly gate: ExportDownloadGate,
  ) {}

  async authorizeRead({ principal, jobId, file, countsAsDownload = true }: JobFileReadRequest): Promise<void> {
    const record = await this.exports.findByJobId(jobId);
    try {
      if (!record) throw new NotFoundError('Export of job', jobId);
      // The job lists the export's one file (names are unique among a job's outputs, and the digest
      // tells a stale file apart); anything else under the job is not a download.
      const isFile = (result: ExportResultRecord) => result.fileName === file.name && result.sha256 === file.sha256;
      await (countsAsDownload ? this.gate.admit(principal, record.id, isFile) : this.gate.check(principal, record.id, isFile));
    } catch (error) {
      // Told as the jobs API names things: the caller asked for a job file.
      if (error instanceof NotFoundError) throw new NotFoundError('Job file', file.name);
      throw error;
    }
  }
}
