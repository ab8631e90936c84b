import { Query } from '@nestjs/cqrs';

export interface ExportOfJob {
  exportId: string;
  tenant: string;
  /** Where to mail the download link, when the requester asked (`notify.email`). */
  notifyEmail: string | null;
}

/**
 * The export an `export` job runs, or null (another job type, or none). No permission filter:
 * for modules reacting to job transitions on the platform's behalf (webhooks), which then read
 * the export itself with a principal.
 */
export class FindExportOfJobQuery extends Query<ExportOfJob | null> {
  constructor(readonly jobId: string) {
    super();
  }
}
