import { useEffect, useState } from 'preact/hooks';
import { api, get, Page, query } from '../api';
import { DownloadButton } from '../components/download';
import { Link, ProblemBox, Status, useAction, useLoad } from '../components/ui';
import { whenLocal } from '../components/time';
import { useRetryWhileUnreachable } from '../components/reload';
import { BatchBar, RecordStatus } from '../components/import-status';
import { ImportBatch, ImportRecord, ImportResult, isTerminal, TERMINAL_BATCH } from '../model';
import { useJob } from '../watch';

const RESULT_STATUSES = ['failed', 'partially_failed', 'completed', 'retrying'];

function Results({ recordId, batch }: { recordId: string; batch: ImportBatch }) {
  const [status, setStatus] = useState(batch.counts.failed ? 'failed' : '');
  const [offset, setOffset] = useState(0);
  const results = useLoad(
    () => get<Page<ImportResult>>(`/imports/${recordId}/batches/${batch.id}/results${query({ status, offset, limit: 50 })}`),
    [status, offset, batch.status, batch.counts.failed],
  );
  return (
    <div>
      <div class="filters">
        <label>
          Show rows
          <select name="result-status" value={status} onChange={(e) => (setOffset(0), setStatus(e.currentTarget.value))}>
            <option value="">all</option>
            {RESULT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ProblemBox error={results.error} />
      {results.data && (
        <>
          <div class="table-wrap">
            <table class="results">
              <caption class="visually-hidden">Row results of {batch.fileName}</caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Status</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Reference</th>
                </tr>
              </thead>
              <tbody>
                {results.data.items.map((r) => (
                  <tr key={r.id} data-row={r.rowNumber}>
                    <td>{r.rowNumber}</td>
                    <td>
                      <Status status={r.status} />
                    </td>
                    <td class="reason">{r.failureDetails ?? ''}</td>
                    <td class="sub">{r.referenceId ?? ''}</td>
                  </tr>
                ))}
                {!results.data.items.length && (
                  <tr>
                    <td colSpan={4} class="empty">
                      No rows{status ? ` with status ${status.replace('_', ' ')}` : ''}.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          {results.data.totalRecords > 50 && (
            <nav class="pager" aria-label="Result pages">
              <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 50))}>
                Previous
              </button>
              <span>
                {offset + 1}–{Math.min(offset + 50, results.data.totalRecords)} of {results.data.totalRecords}
              </span>
              <button type="button" disabled={offset + 50 >= results.data.totalRecords} onClick={() => setOffset(offset + 50)}>
                Next
              </button>
            </nav>
          )}
        </>
      )}
    </div>
  );
}

function failureTitle(batch: ImportBatch): string {
  const c = batch.counts;
  if (!c.total) return 'This batch failed: no row was imported';
  if (batch.errorDetails) return 'This batch stopped before the end of its file';
  return 'This batch failed';
}

/** "4 rows: 2 imported, 2 failed." — for a batch that stopped early, how far into the file it got. */
function countsText(batch: ImportBatch): string {
  const c = batch.counts;
  if (batch.status === 'failed' && !c.total) return 'No rows imported.';
  const early = batch.status === 'failed' && batch.rowsInFile !== null && c.total < batch.rowsInFile;
  // Grouped digits ("60,000 rows"), as the job's page and the exports list show their counts.
  const n = (count: number) => count.toLocaleString();
  const rows = early ? `${n(c.total)} of ${n(batch.rowsInFile!)} rows have a result` : `${n(c.total)} rows`;
  return `${rows}: ${n(c.completed)} imported, ${n(c.failed)} failed${c.partiallyFailed ? `, ${n(c.partiallyFailed)} partially failed` : ''}${c.retrying ? `, ${n(c.retrying)} being retried` : ''}.`;
}

/** A batch: its job's live progress, then its counts, results, failed rows and retry. */
function BatchPanel({ recordId, initial, onEnded }: { recordId: string; initial: ImportBatch; onEnded: () => void }) {
  const [batch, setBatch] = useState(initial);
  const { job } = useJob(TERMINAL_BATCH.includes(batch.status) ? null : batch.jobId);
  const action = useAction();
  // The retry started from this page: its job, and how many rows it took on.
  const [retry, setRetry] = useState<{ jobId: string; rows: number } | null>(null);
  const ended = TERMINAL_BATCH.includes(batch.status);

  // The batch's counts follow its rows; read it while the job runs and once more when it ends.
  useEffect(() => {
    if (ended) return undefined;
    let timer: ReturnType<typeof setTimeout>;
    const read = () =>
      get<ImportBatch>(`/imports/${recordId}/batches/${batch.id}`)
        .then((next) => {
          setBatch(next);
          if (TERMINAL_BATCH.includes(next.status)) onEnded();
          else timer = setTimeout(read, job && isTerminal(job.status) ? 300 : 1000);
        })
        .catch(() => (timer = setTimeout(read, 1000)));
    void read();
    return () => clearTimeout(timer);
  }, [batch.id, batch.jobId, ended, job?.status]);

  const c = batch.counts;
  const failed = batch.status === 'failed';
  return (
    <section class="panel" aria-labelledby={`batch-${batch.id}`}>
      <div class="title-row">
        <h2 id={`batch-${batch.id}`}>{batch.fileName ?? 'Batch'}</h2>
        <Status status={batch.status} />
      </div>
      {failed && (
        <div class="problem batch-failure" data-testid="batch-failure">
          <strong>{failureTitle(batch)}</strong>
          <p>{batch.errorDetails ?? (c.total && c.failed === c.total ? 'Every row failed: each one\'s reason is in the table below.' : 'See its job for why.')}</p>
        </div>
      )}
      <BatchBar batch={batch} job={job} label={`Processing of ${batch.fileName ?? 'the batch'}`} />
      <p class="counts" data-testid="batch-counts">
        {countsText(batch)}{' '}
        <Link href={`/console/jobs/${batch.jobId}`}>Job</Link>
      </p>
      {ended && c.failed + c.partiallyFailed > 0 && (
        <div class="actions">
          <DownloadButton path={`/imports/${recordId}/batches/${batch.id}/failed-rows`} fileName="failed-rows.csv">
            Download failed rows
          </DownloadButton>
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              action.run(async () => {
                const next = await api<ImportBatch>('POST', `/imports/${recordId}/batches/${batch.id}/retry-failed-rows`);
                setRetry({ jobId: next.jobId, rows: c.failed + c.partiallyFailed });
                setBatch(next);
              })
            }
          >
            Retry failed rows
          </button>
        </div>
      )}
      {retry && (
        // What the retry is doing, then what it came to (the counts above follow the batch).
        <p class="retry-status" role="status" data-testid="retry-status">
          {ended ? (
            <>
              Retry finished ({batch.status.replace('_', ' ')}): {countsText(batch)} <Link href={`/console/jobs/${retry.jobId}`}>Retry job</Link>
            </>
          ) : (
            <>
              Retry started: {retry.rows.toLocaleString()} failed {retry.rows === 1 ? 'row is' : 'rows are'} being imported again
              {job?.progress?.percent !== null && job?.progress?.percent !== undefined ? ` (${Math.floor(job.progress.percent)}%)` : ''}…{' '}
              <Link href={`/console/jobs/${retry.jobId}`}>Retry job</Link>
            </>
          )}
        </p>
      )}
      <ProblemBox error={action.error} />
      {c.total > 0 && <Results recordId={recordId} batch={batch} />}
    </section>
  );
}

export function ImportPage({ id }: { id: string }) {
  const record = useLoad(() => get<ImportRecord>(`/imports/${id}`), [id]);
  const r = record.data;
  useRetryWhileUnreachable([record]);
  // The record completes a moment after its last batch ends: read it until it says so.
  const settling = !!r && r.status !== 'completed' && !!r.finalizedAt && r.batches.every((b) => TERMINAL_BATCH.includes(b.status));
  useEffect(() => {
    if (!settling) return undefined;
    const timer = setTimeout(record.reload, 500);
    return () => clearTimeout(timer);
  }, [settling, r]);
  return (
    <section>
      <p class="crumbs">
        <Link href="/console/imports">Imports</Link> / {id}
      </p>
      <h1 tabIndex={-1}>{r ? `Import of ${r.sourceName}` : 'Import'}</h1>
      <ProblemBox error={record.error} />
      {r && (
        <>
          <p>
            {r.type} · <RecordStatus record={r} /> · created {whenLocal(r.createdAt)}
            {r.options?.dryRun ? ' · dry run: nothing is written' : ''}
          </p>
          {r.batches.map((b) => (
            <BatchPanel key={b.id} recordId={r.id} initial={b} onEnded={record.reload} />
          ))}
          {!r.batches.length && <p class="empty">No file uploaded to this import.</p>}
        </>
      )}
    </section>
  );
}
