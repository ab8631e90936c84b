import { Injectable } from '@nestjs/common';
import { JobContext, JobHandler, JobHandlerFor } from '@porter/job-queue';
import { ProcessImportBatch } from '../../application/process-import-batch/process-import-batch';
import { IMPORT_BATCH_JOB_TYPE, ImportBatchJobPayload } from '../../domain/import-batch-job';

/**
 * The `import-batch` job: one run of ProcessImportBatch, its progress and outcome reported on the
 * job. A batch is processed again after a failure (up to 5 attempts), resuming after its last
 * committed chunk; a refused file fails the job at once.
 */
@Injectable()
@JobHandlerFor(IMPORT_BATCH_JOB_TYPE, { maxAttempts: 5, backoffMs: 1000 })
export class ImportBatchJobHandler implements JobHandler {
  constructor(private readonly processBatch: ProcessImportBatch) {}

  run(context: JobContext): Promise<void> {
    const payload = context.payload as unknown as ImportBatchJobPayload;
    return this.processBatch.run({
      batchId: payload.importBatchId,
      mode: payload.mode,
      principal: context.principal,
      runToken: context.runToken,
      signal: context.signal,
      progress: (done, total) => context.progress(done, total),
      progressWithin: (unitOfWork, committed, total) =>
        context.progressWith((sql, params) => unitOfWork.query(sql, params).then((r) => r.rowCount), committed, total),
      output: (information) => context.setOutputInformation(information),
      log: (message, data) => context.logger.log(message, data),
    });
  }
}
