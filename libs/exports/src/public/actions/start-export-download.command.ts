import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ExportResultData } from '../entities/export-result-data';

/**
 * Admits one download of an export's file, with every check of `GET /exports/{id}/download`: the
 * caller must see the export now (permission re-checked; 404), it must have a file (409) that has
 * not expired or been purged and is still stored (410). The download is then counted (count,
 * first/last download time, in one statement) and the result returned: stream `storageKey` from
 * FILE_STORAGE. The jobs API applies the same checks to an export job's file (ADR 027).
 */
export class StartExportDownloadCommand extends Command<ExportResultData> {
  constructor(readonly principal: Principal, readonly exportId: string) {
    super();
  }
}
