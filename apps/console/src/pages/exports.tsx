import { useEffect, useState } from 'preact/hooks';
import { api, get, Page, query } from '../api';
import { DownloadButton } from '../components/download';
import { bytes, clearsError, FieldError, Link, PagedList, ProblemBox, ProgressBar, splitFieldErrors, Status, useAction, useLoad } from '../components/ui';
import { ExportInfo, ExportType, isTerminal } from '../model';
import { useJob } from '../watch';
import { hasEndpoint } from '../features';
import { ExportFields, useExportFields } from '../components/export-fields';
import { refreshingToo, useRetryWhileUnreachable } from '../components/reload';
import { whenLocal } from '../components/time';
import { useTitle } from '../title';

/** "Copy link": a time-limited download URL, offered when the server has download links. */
function CopyLink({ id }: { id: string }) {
  const [available, setAvailable] = useState(false);
  const [copied, setCopied] = useState<{ url: string; until: string } | null>(null);
  const action = useAction();
  useEffect(() => {
    void hasEndpoint('/api/v1/exports/{id}/download-link').then(setAvailable);
  }, []);
  if (!available) return null;
  return (
    <>
      <button
        type="button"
        class="link"
        disabled={action.busy}
        onClick={() =>
          action.run(async () => {
            const link = await api<{ url: string; expiresAt: string }>('POST', `/exports/${id}/download-link`, {});
            const url = new URL(link.url, location.origin).toString();
            await navigator.clipboard?.writeText(url).catch(() => undefined);
            setCopied({ url, until: whenLocal(link.expiresAt) });
          })
        }
      >
        Copy download link
      </button>
      {copied && (
        // The link is long: one line that scrolls (not a tall wrapped cell), its expiry beside it.
        <div class="sub copied-link" role="status">
          Copied: <code>{copied.url}</code> valid until {copied.until}
        </div>
      )}
      <ProblemBox error={action.error} />
    </>
  );
}

const valueText = (v: unknown): string => (Array.isArray(v) ? v.map(valueText).join(',') : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * What sets an export apart in the list, from what the list answer holds: its type (under its
 * name, when it has one), format, filters, scopes, the columns it left out (or chose, when the
 * type is not known here), how many ids it asked for, and gzip.
 */
function exportSummary(info: ExportInfo, type: ExportType | undefined): string[] {
  const parts = [info.name ? `${info.type} · ${info.format}` : info.format];
  for (const [key, value] of Object.entries(info.filters ?? {})) parts.push(`${key}=${valueText(value)}`);
  if (info.scopeIds.length) parts.push(`scopes ${info.scopeIds.join(', ')}`);
  if (info.columns && type?.columns?.length) {
    const left = type.columns.filter((c) => !info.columns!.includes(c.name)).map((c) => c.name);
    if (left.length) parts.push(`without ${left.join(', ')}`);
  } else if (info.columns) parts.push(`columns ${info.columns.join(', ')}`);
  if (info.idsCount !== null && info.idsCount !== undefined) parts.push(`${info.idsCount} ${info.idsCount === 1 ? 'id' : 'ids'}`);
  if (info.compression === 'gzip') parts.push('gzip');
  return parts;
}

function ExportRow({ initial, type }: { initial: ExportInfo; type: ExportType | undefined }) {
  const [info, setInfo] = useState(initial);
  const { job } = useJob(isTerminal(initial.status) ? null : initial.jobId);
  const status = info.status === 'pending' || info.status === 'running' ? (job?.status ?? info.status) : info.status;
  // The export record follows its job a moment later (the job's end reaches it as an event):
  // once the job has ended, read the export until it shows its own end and file.
  useEffect(() => {
    if (!job || !isTerminal(job.status) || isTerminal(info.status)) return undefined;
    let timer: ReturnType<typeof setTimeout>;
    const read = () =>
      get<ExportInfo>(`/exports/${info.id}`)
        .then((next) => (isTerminal(next.status) ? setInfo(next) : (timer = setTimeout(read, 500))))
        .catch(() => (timer = setTimeout(read, 1000)));
    void read();
    return () => clearTimeout(timer);
  }, [job?.status, info.status]);
  return (
    <tr data-export-id={info.id}>
      <td>
        <Link href={`/console/jobs/${info.jobId}`}>{info.name || info.type}</Link>
        <div class="sub" data-testid="export-summary">
          {exportSummary(info, type).join(' · ')}
        </div>
        {info.scheduleId && (
          <div class="sub" data-testid="export-schedule">
            from <Link href={`/console/schedules/${info.scheduleId}`}>a schedule</Link>
          </div>
        )}
      </td>
      <td data-label="Status">
        <Status status={status} />
      </td>
      <td class="wide" data-label="Progress">
        <ProgressBar progress={job?.progress} status={status} label={`Progress of export ${info.name || `${info.type} ${info.format}`}`} />
        {info.errorMessage && <div class="sub error-text">{info.errorMessage}</div>}
      </td>
      <td class="nowrap hide-phone">{info.itemsCount?.toLocaleString() ?? '—'}</td>
      <td data-label="File">
        {info.downloadUrl && info.result ? (
          <DownloadButton path={`/exports/${info.id}/download`} fileName={info.result.fileName} exportId={info.id}>
            Download <span class="visually-hidden">{info.result.fileName}</span>
          </DownloadButton>
        ) : (
          <span class="sub">{isTerminal(status) ? 'no file' : '…'}</span>
        )}
        {info.result && <div class="sub">{bytes(info.result.sizeBytes)}</div>}
        {info.downloadUrl && <CopyLink id={info.id} />}
      </td>
      <td class="nowrap hide-phone">{whenLocal(info.createdAt)}</td>
    </tr>
  );
}

function ExportForm({ types, onCreated }: { types: ExportType[]; onCreated: (e: ExportInfo) => void }) {
  const fields = useExportFields(types, '/exports');
  const [name, setName] = useState('');
  const [later, setLater] = useState('');
  const { busy, error, run, setError } = useAction();
  // What the form finds wrong before sending, and the API's own field errors, shown at their fields.
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  // The export just requested, said under the button until the form changes (the list may be out of view).
  const [created, setCreated] = useState<ExportInfo | null>(null);
  if (!fields.type) return <p class="empty">No export types are registered.</p>;
  const split = splitFieldErrors(error, ['columns', 'scheduledFor']);
  const errors = { ...split.fields, ...invalid };

  const submit = () => {
    const found = fields.check();
    // The API runs an export due in the past at once: say so rather than run it now unasked.
    if (later && new Date(later).getTime() <= Date.now()) found.scheduledFor = 'In the past: the export would run now. Pick a later time, or clear the field.';
    setInvalid(found);
    if (Object.keys(found).length) return setError(null);
    setCreated(null);
    return run(async () => {
      const body = fields.body();
      if (name.trim()) body.name = name.trim();
      if (later) body.scheduledFor = new Date(later).toISOString();
      const info = await api<ExportInfo>('POST', '/exports', body);
      // What to export stays for a similar one; this export's own name and time go (sent again, they would make a twin).
      setName('');
      setLater('');
      setCreated(info);
      onCreated(info);
    });
  };

  return (
    <form
      class="panel"
      aria-labelledby="new-export"
      {...clearsError((e) => (setError(e), setInvalid((v) => (Object.keys(v).length ? {} : v)), setCreated(null)))}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="new-export">New export</h2>
      <ExportFields
        state={fields}
        errors={errors}
        head={
          <label>
            Name (optional) <input name="name" maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
        }
        tail={
          <div class="field">
            <label>
              Run later (optional)
              <input
                type="datetime-local"
                name="scheduledFor"
                value={later}
                onInput={(e) => setLater(e.currentTarget.value)}
                aria-invalid={errors.scheduledFor ? 'true' : undefined}
                aria-describedby={errors.scheduledFor ? 'scheduledFor-error' : undefined}
              />
            </label>
            <FieldError id="scheduledFor-error" message={errors.scheduledFor} />
          </div>
        }
      />
      <button type="submit" disabled={busy}>
        Create export
      </button>
      {created && (
        <p class="hint" role="status">
          Export requested: <Link href={`/console/jobs/${created.jobId}`}>{created.name || created.type}</Link>
          {created.scheduledFor ? `, due ${whenLocal(created.scheduledFor)}` : ''} — first in <em>Your exports</em> below.
        </p>
      )}
      <ProblemBox error={split.rest} />
    </form>
  );
}

export function ExportsPage() {
  const [offset, setOffset] = useState(0);
  const types = useLoad(() => get<ExportType[]>('/exports/types'), []);
  const list = useLoad(() => get<Page<ExportInfo>>(`/exports${query({ offset, limit: 20 })}`), [offset]);
  useRetryWhileUnreachable([types, list]);
  const [recurring, setRecurring] = useState(false);
  useEffect(() => void hasEndpoint('/api/v1/export-schedules').then(setRecurring), []);
  return (
    <section>
      <h1 tabIndex={-1}>Exports</h1>
      {recurring && (
        <p class="hint">
          To run an export again and again, <Link href="/console/schedules">make it a schedule</Link>.
        </p>
      )}
      <ProblemBox error={types.error} />
      {types.data && <ExportForm types={types.data} onCreated={() => (setOffset(0), list.reload())} />}
      <div class="stack-phone exports-list">
      <PagedList
        title="Your exports"
        list={refreshingToo(list, types)}
        columns={['Export', 'Status', 'Progress', { label: 'Rows', hidePhone: true }, 'File', { label: 'Created', hidePhone: true }]}
        row={(e) => <ExportRow key={`${e.id}-${e.status}`} initial={e} type={types.data?.find((t) => t.type === e.type)} />}
        empty="No exports yet."
        offset={offset}
        limit={20}
        onOffset={setOffset}
      />
      </div>
    </section>
  );
}

/**
 * One export (`/console/exports/{id}`), where a job's page links its export: the export as its
 * row in the list shows it (status, live progress, download, copy link, its job), under its name.
 */
export function ExportPage({ id }: { id: string }) {
  const info = useLoad(() => get<ExportInfo>(`/exports/${encodeURIComponent(id)}`), [id]);
  const types = useLoad(() => get<ExportType[]>('/exports/types'), []);
  useRetryWhileUnreachable([info, types]);
  const label = info.data ? info.data.name || `${info.data.type} (${info.data.format})` : null;
  useTitle(label ? `Export ${label}` : null);
  return (
    <section>
      <p class="crumbs">
        <Link href="/console/exports">Exports</Link> / {id}
      </p>
      <h1 tabIndex={-1}>{label ?? 'Export'}</h1>
      <ProblemBox error={info.error} />
      {!info.data && !info.error && <p>Loading…</p>}
      {info.data && (
        <div class="stack-phone exports-list">
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Export</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                  <th scope="col" class="hide-phone">
                    Rows
                  </th>
                  <th scope="col">File</th>
                  <th scope="col" class="hide-phone">
                    Created
                  </th>
                </tr>
              </thead>
              <tbody>
                <ExportRow key={`${info.data.id}-${info.data.status}`} initial={info.data} type={types.data?.find((t) => t.type === info.data!.type)} />
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
