import { ProgressBar, Status } from './ui';
import { ImportBatch, ImportRecord, Progress } from '../model';

/**
 * A record's status with what its batches came to: a record is `completed` once every batch has
 * ended, whether or not they imported anything, so the failed batches are said beside it
 * ("completed · 1 of 1 batch failed"), with the first failed batch's reason, and so are the
 * batches that imported some rows and refused others ("completed · 1 of 1 batch had failed rows"):
 * a green `completed` alone would hide them.
 */
export function RecordStatus({ record, reason = false }: { record: ImportRecord; reason?: boolean }) {
  const failed = record.batches.filter((b) => b.status === 'failed');
  const partial = record.batches.filter((b) => b.status === 'partially_failed');
  const n = record.batches.length;
  const tone = failed.length === n ? 'failed' : 'partially_failed';
  const why = failed.find((b) => b.errorDetails)?.errorDetails;
  const of = (count: number) => `${count} of ${n} ${n === 1 ? 'batch' : 'batches'}`;
  return (
    <>
      <Status status={record.status} />
      {failed.length > 0 && (
        <>
          {' · '}
          <span class={`batch-outcome status-text-${tone}`} data-testid="failed-batches">
            {of(failed.length)} failed
          </span>
        </>
      )}
      {partial.length > 0 && (
        <>
          {' · '}
          <span class="batch-outcome status-text-partially_failed" data-testid="partial-batches">
            {failed.length > 0 ? `${partial.length} had failed rows` : `${of(partial.length)} had failed rows`}
          </span>
        </>
      )}
      {reason && why && <div class="sub error-text">{why}</div>}
    </>
  );
}

/**
 * An ended batch's bar: none when no row was read (the file was refused), the share of the file's
 * rows that have a result in the failed style when it failed (aborted, or every row failed), full
 * otherwise. A running batch's bar follows its job.
 */
export function BatchBar({ batch, job, label }: { batch: ImportBatch; job: { progress: Progress; status: string } | null | undefined; label: string }) {
  const c = batch.counts;
  if (batch.status === 'failed') {
    if (c.total === 0) return null;
    const percent = batch.rowsInFile ? Math.min(100, (c.total / batch.rowsInFile) * 100) : 100;
    return <ProgressBar progress={{ processed: c.total, total: batch.rowsInFile, percent }} status="failed" label={label} />;
  }
  if (batch.status === 'completed' || batch.status === 'partially_failed') {
    return <ProgressBar progress={{ processed: c.total, total: c.total, percent: 100 }} status="succeeded" label={label} />;
  }
  return <ProgressBar progress={job?.progress} status={job?.status} label={label} />;
}
