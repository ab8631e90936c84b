import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, Clock, isUuid } from '@porter/shared-kernel';
import { IncrementExportDownloadCountsCommand } from '../../public/actions/increment-export-download-counts.command';
import { EXPORT_REPOSITORY, ExportRepository } from '../ports/export-repository.port';

@CommandHandler(IncrementExportDownloadCountsCommand)
export class IncrementExportDownloadCountsHandler implements ICommandHandler<IncrementExportDownloadCountsCommand, number> {
  constructor(
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute({ principal, exportResultIds }: IncrementExportDownloadCountsCommand): Promise<number> {
    return this.exports.incrementDownloadCounts(principal, [...new Set(exportResultIds.filter(isUuid))], this.clock.now());
  }
}
