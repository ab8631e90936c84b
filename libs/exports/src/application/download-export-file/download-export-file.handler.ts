import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { FileDownload } from '@porter/shared-kernel';
import { DownloadExportFileQuery } from '../../public/queries/download-export-file.query';
import { ExportDownloadGate } from './export-download.gate';

@QueryHandler(DownloadExportFileQuery)
export class DownloadExportFileHandler implements IQueryHandler<DownloadExportFileQuery, FileDownload> {
  constructor(private readonly gate: ExportDownloadGate) {}

  execute({ principal, exportId, countsAsDownload }: DownloadExportFileQuery): Promise<FileDownload> {
    return this.gate.download(principal, exportId, countsAsDownload);
  }
}
