import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ExportOfJob, FindExportOfJobQuery } from '../../public/queries/find-export-of-job.query';
import { EXPORT_REPOSITORY, ExportRepository } from '../ports/export-repository.port';

@QueryHandler(FindExportOfJobQuery)
export class FindExportOfJobHandler implements IQueryHandler<FindExportOfJobQuery, ExportOfJob | null> {
  constructor(@Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository) {}

  async execute({ jobId }: FindExportOfJobQuery): Promise<ExportOfJob | null> {
    const record = await this.exports.findByJobId(jobId);
    return record && !record.deletedAt ? { exportId: record.id, tenant: record.tenant, notifyEmail: record.notifyEmail } : null;
  }
}
