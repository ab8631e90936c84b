import { useEffect, useState } from 'preact/hooks';
import { api, claimsOf, get, session } from '../api';
import { DownloadButton } from '../components/download';
import { bytes, Link, ProblemBox, ProgressBar, Status, useAction, useLoad } from '../components/ui';
import { whenLocal } from '../components/time';
import { ExportInfo, ImportRecord, isTerminal, Job, JobEvent, JobFile } from '../model';
import { navigate } from '../router';
import { useJob } from '../watch';
import { jobsListReturn } from '../jobs-list';
import { useTitle } from '../title';

const toLocalInput = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function EditForm({ job, onSaved }: { job: Job; onSaved: (job: Job) => void }) {
  const [name, setName] = useState(job.name ?? '');
  const [description, setDescription] = useState(job.description ?? '');
  const [scheduledFor, setScheduledFor] = useState(toLocalInput(job.scheduledFor));
  const { busy, error, run } = useAction();
  const canReschedule = job.status === 'scheduled' || job.status === 'pending';
  return (
    <form
      class="panel"
      aria-labelledby="edit-heading"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const body: Record<string, unknown> = { name: name || null, description: description || null };
          if (canReschedule) body.scheduledFor = scheduledFor ? new Date(scheduledFor).toISOString() : null;
          onSaved(await api<Job>('PATCH', `/jobs/${job.id}`, body));
        });
      }}
    >
      <h2 id="edit-heading">Edit</h2>
      <label>
        Name <input name="name" maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Description <textarea name="description" rows={2} maxLength={2000} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      {canReschedule && (
        <label>
          Scheduled for (empty: run now) <input type="datetime-local" name="scheduledFor" value={scheduledFor} onInput={(e) => setScheduledFor(e.currentTarget.value)} />
        </label>
      )}
      <button type="submit" disabled={busy}>
        Save
      </button>
      <ProblemBox error={error} />
    </form>
  );
}

/**
 * What a job belongs to, from what the job says of itself: an export's job carries the export's id
 * (its `outputInformation.exportId` once run, and its description "Export {id}"), an import
 * batch's job its batch and import record (`outputInformation.importRecordId` once run, and its
 * description "Batch {batch} of import record {record}"). The description can be edited, so the
 * export or import is read to make sure it is this job's.
 */
export function jobOwnerRef(job: Job): { kind: 'export'; exportId: string } | { kind: 'import'; recordId: string; batchId: string | null } | null {
  const info = job.outputInformation ?? {};
  const description = job.description ?? '';
  if (job.type === 'export') {
    const exportId = typeof info.exportId === 'string' ? info.exportId : /^Export (\S+)$/.exec(description)?.[1];
    return exportId ? { kind: 'export', exportId } : null;
  }
  if (job.type === 'import-batch') {
    const m = /^Batch (\S+) of import record (\S+)$/.exec(description);
    const recordId = typeof info.importRecordId === 'string' ? info.importRecordId : m?.[2];
    if (!recordId) return null;
    return { kind: 'import', recordId, batchId: typeof info.importBatchId === 'string' ? info.importBatchId : (m?.[1] ?? null) };
  }
  return null;
}

/** "Export: <its name>" or "Import: <its file>", linked to its page; nothing when the job belongs to neither. */
function JobOwner({ job }: { job: Job }) {
  const ref = jobOwnerRef(job);
  const key = ref ? (ref.kind === 'export' ? ref.exportId : `${ref.recordId}/${ref.batchId}`) : '';
  const owner = useLoad(async (): Promise<{ label: string; name: string; href: string } | null> => {
    if (!ref) return null;
    if (ref.kind === 'export') {
      const info = await get<ExportInfo>(`/exports/${encodeURIComponent(ref.exportId)}`);
      return info.jobId === job.id ? { label: 'Export', name: info.name || `${info.type} (${info.format})`, href: `/console/exports/${encodeURIComponent(info.id)}` } : null;
    }
    const record = await get<ImportRecord>(`/imports/${encodeURIComponent(ref.recordId)}`);
    const mine = !ref.batchId || record.batches.some((b) => b.id === ref.batchId);
    return mine ? { label: 'Import', name: record.sourceName, href: `/console/imports/${encodeURIComponent(record.id)}` } : null;
  }, [job.id, key]);
  if (!owner.data) return null; // not yet read, or not found (gone, or not this job's): no link
  return (
    <>
      <dt>{owner.data.label}</dt>
      <dd data-testid="job-owner">
        <Link href={owner.data.href}>{owner.data.name}</Link>
      </dd>
    </>
  );
}

/** A job's files of one kind under their heading, each downloadable (with the token, as every job file). */
function FileList({ id, heading, files, empty }: { id: string; heading: string; files: JobFile[]; empty?: string }) {
  const headingId = `files-${heading.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{heading}</h2>
      {files.length ? (
        <ul class="files">
          {files.map((f) => (
            <li key={f.name}>
              <DownloadButton class="link" path={`/jobs/${id}/files/${encodeURIComponent(f.name)}`} fileName={f.name}>
                Download {f.name}
              </DownloadButton>{' '}
              <span class="sub">
                {bytes(f.sizeBytes)} · {f.contentType}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="empty">{empty}</p>
      )}
    </section>
  );
}

export function JobPage({ id }: { id: string }) {
  const { job, error, reload } = useJob(id);
  const [override, setOverride] = useState<Job | null>(null);
  const current = override ?? job;
  const status = current?.status;
  const events = useLoad(() => get<JobEvent[]>(`/jobs/${id}/events`), [id, status]);
  const files = useLoad(() => get<JobFile[]>(`/jobs/${id}/files`), [id, status === 'succeeded' || status === 'failed']);
  const outputs = (files.data ?? []).filter((f) => f.kind !== 'attachment');
  const attachments = (files.data ?? []).filter((f) => f.kind === 'attachment');
  const action = useAction();
  const admin = claimsOf(session.token()).roles?.includes('admin');
  useEffect(() => setOverride(null), [job]);
  useTitle(current ? `Job ${current.name || current.type}` : null);
  // "Jobs" leads back to the list the person came from (its filters and page), not always the first.
  const back = jobsListReturn();

  if (!current) {
    return (
      <section>
        <h1 tabIndex={-1}>Job</h1>
        {error ? <ProblemBox error={error} /> : <p>Loading…</p>}
        <Link href={back}>Back to jobs</Link>
      </section>
    );
  }

  const act = (path: string, method = 'POST') =>
    action.run(async () => {
      const next = await api<Job | undefined>(method, `/jobs/${id}${path}`);
      if (method === 'DELETE') return navigate(back);
      if (next) setOverride(next);
      reload();
    });
  const terminal = isTerminal(current.status);
  const label = current.name || current.type;

  return (
    <section>
      <p class="crumbs">
        <Link href={back}>Jobs</Link> / {current.id}
      </p>
      <div class="title-row">
        <h1 tabIndex={-1}>{label}</h1>
        <Status status={current.status} />
      </div>
      <ProgressBar progress={current.progress} status={current.status} label={`Progress of ${label}`} />
      <div class="actions" role="group" aria-label="Job actions">
        {['scheduled', 'pending', 'running'].includes(current.status) && (
          <button
            type="button"
            class="danger"
            disabled={action.busy}
            onClick={() => {
              // Asked first, as Delete is: a cancelled job does not finish.
              if (confirm(`Cancel job ${label}? ${current.status === 'running' ? 'It stops where it is.' : 'It will not run.'}`)) void act('/cancel');
            }}
          >
            Cancel job
          </button>
        )}
        {['failed', 'cancelled'].includes(current.status) && (
          <button type="button" disabled={action.busy} onClick={() => act('/retry')}>
            Retry
          </button>
        )}
        {admin && ['scheduled', 'pending'].includes(current.status) && (
          <button type="button" disabled={action.busy} onClick={() => act('/move-to-top')}>
            Move to top
          </button>
        )}
        {terminal && current.status !== 'deleted' && (
          <button
            type="button"
            class="danger"
            disabled={action.busy}
            onClick={() => {
              if (confirm(`Delete job ${label} and its files?`)) void act('', 'DELETE');
            }}
          >
            Delete
          </button>
        )}
      </div>
      <ProblemBox error={action.error ?? error} />
      {current.errorDetails && (
        <div class="problem" role="status">
          <strong>Error</strong>
          <p>{current.errorDetails}</p>
        </div>
      )}
      <div class="columns">
        <div class="panel">
          <h2>Details</h2>
          <dl class="facts">
            <dt>Type</dt>
            <dd>{current.type}</dd>
            <JobOwner job={current} />
            <dt>Submitted</dt>
            <dd>
              {whenLocal(current.submittedAt)} by {current.submittedBy}
            </dd>
            <dt>Scheduled for</dt>
            <dd>{whenLocal(current.scheduledFor)}</dd>
            <dt>Started</dt>
            <dd>{whenLocal(current.startedAt)}</dd>
            <dt>Completed</dt>
            <dd>{whenLocal(current.completedAt)}</dd>
            <dt>Attempts</dt>
            <dd>{current.attempts}</dd>
            <dt>Processed</dt>
            <dd>
              {current.progress.processed.toLocaleString()}
              {current.progress.total !== null ? ` of ${current.progress.total.toLocaleString()}` : ''}
            </dd>
            {current.position !== null && (
              <>
                <dt>Queue position</dt>
                <dd>{current.position}</dd>
              </>
            )}
            {current.description && (
              <>
                <dt>Description</dt>
                <dd>{current.description}</dd>
              </>
            )}
          </dl>
        </div>
        {current.status !== 'deleted' && <EditForm key={`${current.id}-${current.status}`} job={current} onSaved={(j) => (setOverride(j), reload())} />}
      </div>
      <div class="columns">
        <div class="panel job-files">
          <ProblemBox error={files.error} />
          {/* What the job wrote, and what was given with its request, each under its own heading when it has files. */}
          {(outputs.length > 0 || !attachments.length) && (
            <FileList id={id} heading="Output files" files={outputs} empty={`No files${terminal ? '' : ' yet'}.`} />
          )}
          {attachments.length > 0 && <FileList id={id} heading="Attachments" files={attachments} />}
        </div>
        <div class="panel">
          <h2>Events</h2>
          <ProblemBox error={events.error} />
          <ol class="timeline">
            {(events.data ?? []).map((e, i) => (
              <li key={i}>
                <strong>{e.type}</strong> <span class="sub">{whenLocal(e.at)}</span>
                {e.actor && <span class="sub"> · {e.actor}</span>}
                {e.data && Object.keys(e.data).length ? <pre>{JSON.stringify(e.data)}</pre> : null}
              </li>
            ))}
          </ol>
        </div>
      </div>
    </section>
  );
}
