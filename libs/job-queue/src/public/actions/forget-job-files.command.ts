import { Command } from '@nestjs/cqrs';

/**
 * Output files of jobs that the module owning them has deleted from storage (an export's file past
 * its retention): the jobs stop listing them (`GET /jobs/{id}/files`, `outputFiles`). Each file is
 * named by its job and its storage key; only output files match, nothing is deleted from storage.
 * Answers how many were forgotten.
 */
export class ForgetJobFilesCommand extends Command<number> {
  constructor(readonly files: ReadonlyArray<{ readonly jobId: string; readonly storageKey: string }>) {
    super();
  }
}
