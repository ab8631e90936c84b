/** A batch as GET /api/v1/imports/{id}/batches/{batchId} returns it (the fields the CLI reads). */
export interface ImportBatch {
  id: string;
  importRecordId: string;
  jobId: string;
  fileName: string | null;
  status: string;
  counts: { total: number; completed: number; failed: number; partiallyFailed: number };
  /** Why the whole batch failed: the file was refused, or the reason of an abort. */
  errorDetails?: string | null;
}

/**
 * The lines printed once a batch ended: its counts and status, the batch's own reason when it
 * failed as a whole (`the file has a header row but no data rows`, `row 2 is invalid: …`), and
 * where the failed rows were saved.
 */
export function importSummary(fileName: string, batch: ImportBatch, dryRun: boolean, failedRowsFile: string | null): string[] {
  const c = batch.counts;
  const reason = batch.errorDetails?.trim();
  return [
    `${dryRun ? 'Dry run of ' : ''}${fileName}: ${c.total} rows, ${c.completed} ${dryRun ? 'valid' : 'imported'}, ${c.failed} failed` +
      (c.partiallyFailed ? `, ${c.partiallyFailed} partially failed` : '') +
      ` (batch ${batch.status}${reason ? `: ${reason}` : ''}).`,
    ...(failedRowsFile ? [`Failed rows with their reasons: ${failedRowsFile}`] : []),
  ];
}
