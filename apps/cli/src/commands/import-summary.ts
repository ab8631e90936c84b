/** A batch as GET /api/v1/imports/{id}/batches/{batchId} returns it (the fields the CLI reads). */
export interface ImportBatch {
  id: string;
  importRecordId: string;
  jobId: string;
  fileName: string | null;
  status: string;
  counts: { total: number; completed: number; failed: number; partiallyFailed: number };
  /** Data rows in the file, once it has been scanned (null before). */
  rowsInFile?: number | null;
  /** Why the whole batch failed: the file was refused, or the reason of an abort. */
  errorDetails?: string | null;
}

const rows = (count: number) => `${count} ${count === 1 ? 'row' : 'rows'}`;

/**
 * The lines printed once a batch ended: its counts and status, the batch's own reason when it
 * failed as a whole (`the file has a header row but no data rows`, `row 2 is invalid: …`), and
 * where the failed rows were saved. The rows are the file's when it was scanned: a batch that
 * stopped early (aborted) says how many rows were left without a result (`5 rows, 0 imported,
 * 1 failed, 4 not imported`; a dry run: `not checked`), as the console says "1 of 5 rows have a
 * result". Not "not reached": an abort found by the validation pass, before any write, leaves the
 * valid rows before the bad one unimported too.
 */
export function importSummary(fileName: string, batch: ImportBatch, dryRun: boolean, failedRowsFile: string | null): string[] {
  const c = batch.counts;
  const reason = batch.errorDetails?.trim();
  const inFile = Math.max(c.total, batch.rowsInFile ?? 0);
  const withoutResult = inFile - c.total;
  return [
    `${dryRun ? 'Dry run of ' : ''}${fileName}: ${rows(inFile)}, ${c.completed} ${dryRun ? 'valid' : 'imported'}, ${c.failed} failed` +
      (c.partiallyFailed ? `, ${c.partiallyFailed} partially failed` : '') +
      (withoutResult ? `, ${withoutResult} not ${dryRun ? 'checked' : 'imported'}` : '') +
      ` (batch ${batch.status}${reason ? `: ${reason}` : ''}).`,
    ...(failedRowsFile ? [`Failed rows with their reasons: ${failedRowsFile}`] : []),
  ];
}
