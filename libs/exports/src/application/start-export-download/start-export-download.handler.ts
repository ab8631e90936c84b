import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { ExportResultData } from '../../public/entities/export-result-data';
import { StartExportDownloadCommand } from '../../public/actions/start-export-download.command';
import { ExportDownloadGate } from './export-download.gate';

@CommandHandler(StartExportDownloadCommand)
export class StartExportDownloadHandler implements ICommandHandler<StartExportDownloadCommand, ExportResultData> {
  constructor(private readonly gate: ExportDownloadGate) {}

  execute({ principal, exportId }: StartExportDownloadCommand): Promise<ExportResultData> {
    return this.gate.admit(principal, exportId);
  }
}
