import { useEffect, useState } from 'preact/hooks';
import { api, download, get, Page, query } from '../api';
import { bytes, Link, Pager, ProblemBox, ProgressBar, Status, useAction, useLoad, when } from '../components/ui';
import { ExportInfo, ExportType, isTerminal } from '../model';
import { useJob } from '../watch';
import { hasBodyProperty, hasEndpoint } from '../features';

type FieldKind = 'boolean' | 'date' | 'number' | 'text';

/** The input a filter gets, from the validation rules the type declares for it. */
function kindOf(rules: string[]): FieldKind {
  const r = rules.map((x) => x.toLowerCase());
  if (r.includes('isboolean')) return 'boolean';
  if (r.some((x) => x.includes('day') || x.includes('date') || x.includes('iso8601'))) return 'date';
  if (r.some((x) => x === 'isint' || x === 'isnumber' || x === 'min' || x === 'max')) return 'number';
  return 'text';
}

/** `hiredAfter` → `Hired after`. */
const humanize = (name: string) => {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** "Copy link": a time-limited download URL, offered when the server has download links. */
function CopyLink({ id }: { id: string }) {
  const [available, setAvailable] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
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
            setCopied(`${url} (until ${when(link.expiresAt)})`);
          })
        }
      >
        Copy download link
      </button>
      {copied && (
        <div class="sub" role="status">
          Copied: <code>{copied}</code>
        </div>
      )}
      <ProblemBox error={action.error} />
    </>
  );
}

function ExportRow({ initial }: { initial: ExportInfo }) {
  const [info, setInfo] = useState(initial);
  const { job } = useJob(isTerminal(initial.status) ? null : initial.jobId);
  const action = useAction();
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
        <Link href={`/console/jobs/${info.jobId}`}>{info.type}</Link>
        <div class="sub">
          {info.format}
          {info.scopeIds.length ? ` · scopes ${info.scopeIds.join(', ')}` : ''}
        </div>
      </td>
      <td>
        <Status status={status} />
      </td>
      <td class="wide">
        <ProgressBar progress={job?.progress} status={status} label={`Progress of export ${info.type} ${info.format}`} />
        {info.errorMessage && <div class="sub error-text">{info.errorMessage}</div>}
      </td>
      <td class="nowrap hide-phone">{info.itemsCount ?? '—'}</td>
      <td>
        {info.downloadUrl && info.result ? (
          <button type="button" onClick={() => action.run(() => download(`/exports/${info.id}/download`, info.result!.fileName))} disabled={action.busy}>
            Download <span class="visually-hidden">{info.result.fileName}</span>
          </button>
        ) : (
          <span class="sub">{isTerminal(status) ? 'no file' : '…'}</span>
        )}
        {info.result && <div class="sub">{bytes(info.result.sizeBytes)}</div>}
        {info.downloadUrl && <CopyLink id={info.id} />}
        <ProblemBox error={action.error} />
      </td>
      <td class="nowrap hide-phone">{when(info.createdAt)}</td>
    </tr>
  );
}

function ExportForm({ types, onCreated }: { types: ExportType[]; onCreated: (e: ExportInfo) => void }) {
  const [typeName, setTypeName] = useState(types[0]?.type ?? '');
  const type = types.find((t) => t.type === typeName) ?? types[0];
  const [format, setFormat] = useState(type?.formats[0] ?? 'csv');
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [columns, setColumns] = useState<string[]>([]);
  const [scopeIds, setScopeIds] = useState('');
  const [name, setName] = useState('');
  const [later, setLater] = useState('');
  const [gzip, setGzip] = useState(false);
  const [gzipAvailable, setGzipAvailable] = useState(false);
  const { busy, error, run } = useAction();
  useEffect(() => void hasBodyProperty('/api/v1/exports', 'post', 'compression').then(setGzipAvailable), []);

  useEffect(() => {
    if (type && !type.formats.includes(format)) setFormat(type.formats[0]);
    setFilters({});
    setColumns(type?.columns?.map((c) => c.name) ?? []);
  }, [typeName]);
  if (!type) return <p class="empty">No export types are registered.</p>;

  const submit = () =>
    run(async () => {
      const body: Record<string, unknown> = { type: type.type, format };
      const f: Record<string, unknown> = {};
      for (const field of type.filters) {
        const raw = filters[field.name];
        if (raw === undefined || raw === '') continue;
        const kind = kindOf(field.rules);
        f[field.name] = kind === 'boolean' ? raw === 'true' : kind === 'number' ? Number(raw) : raw;
      }
      if (Object.keys(f).length) body.filters = f;
      const scopes = scopeIds.split(',').map((s) => s.trim()).filter(Boolean);
      if (scopes.length) body.scopeIds = scopes;
      if (name.trim()) body.name = name.trim();
      if (later) body.scheduledFor = new Date(later).toISOString();
      if (type.columns && columns.length !== type.columns.length) body.columns = columns;
      if (gzipAvailable && gzip) body.compression = 'gzip';
      onCreated(await api<ExportInfo>('POST', '/exports', body));
    });

  return (
    <form
      class="panel"
      aria-labelledby="new-export"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="new-export">New export</h2>
      <div class="row">
        <label>
          Type
          <select name="type" value={type.type} onChange={(e) => setTypeName(e.currentTarget.value)}>
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type} ({t.scope})
              </option>
            ))}
          </select>
        </label>
        <label>
          Format
          <select name="format" value={format} onChange={(e) => setFormat(e.currentTarget.value)}>
            {type.formats.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name (optional) <input name="name" maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
      </div>
      {type.description && <p class="hint">{type.description}</p>}
      {type.filters.length > 0 && (
        <fieldset>
          <legend>Filters</legend>
          <div class="row">
            {type.filters.map((field) => {
              const kind = kindOf(field.rules);
              const value = filters[field.name] ?? '';
              const set = (v: string) => setFilters({ ...filters, [field.name]: v });
              return (
                <label key={field.name}>
                  {humanize(field.name)}
                  {kind === 'boolean' ? (
                    <select name={`filter-${field.name}`} value={value} onChange={(e) => set(e.currentTarget.value)}>
                      <option value="">any</option>
                      <option value="true">yes</option>
                      <option value="false">no</option>
                    </select>
                  ) : (
                    <input name={`filter-${field.name}`} type={kind} value={value} onInput={(e) => set(e.currentTarget.value)} />
                  )}
                </label>
              );
            })}
          </div>
        </fieldset>
      )}
      {type.columns && (
        <fieldset>
          <legend>Columns</legend>
          <div class="row">
            {type.columns.map((c) => (
              <label key={c.name} class="check">
                <input
                  type="checkbox"
                  name="columns"
                  value={c.name}
                  checked={columns.includes(c.name)}
                  onChange={(e) => setColumns(e.currentTarget.checked ? type.columns!.map((x) => x.name).filter((n) => n === c.name || columns.includes(n)) : columns.filter((n) => n !== c.name))}
                />{' '}
                {c.label ?? c.name}
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <div class="row">
        {type.scope === 'local' && (
          <label>
            Scope ids (comma-separated) <input name="scopeIds" required value={scopeIds} onInput={(e) => setScopeIds(e.currentTarget.value)} />
          </label>
        )}
        <label>
          Run later (optional) <input type="datetime-local" name="scheduledFor" value={later} onInput={(e) => setLater(e.currentTarget.value)} />
        </label>
        {gzipAvailable && (
          <label class="check">
            <input type="checkbox" name="gzip" checked={gzip} onChange={(e) => setGzip(e.currentTarget.checked)} /> Compress (gzip)
          </label>
        )}
      </div>
      <button type="submit" disabled={busy}>
        Create export
      </button>
      <ProblemBox error={error} />
    </form>
  );
}

export function ExportsPage() {
  const [offset, setOffset] = useState(0);
  const types = useLoad(() => get<ExportType[]>('/exports/types'), []);
  const list = useLoad(() => get<Page<ExportInfo>>(`/exports${query({ offset, limit: 20 })}`), [offset]);
  return (
    <section>
      <h1 tabIndex={-1}>Exports</h1>
      <ProblemBox error={types.error} />
      {types.data && <ExportForm types={types.data} onCreated={() => (setOffset(0), list.reload())} />}
      <div class="title-row">
        <h2>Your exports</h2>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <ProblemBox error={list.error} />
      {list.data && (
        <>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Export</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                  <th scope="col" class="hide-phone">Rows</th>
                  <th scope="col">File</th>
                  <th scope="col" class="hide-phone">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((e) => (
                  <ExportRow key={`${e.id}-${e.status}`} initial={e} />
                ))}
                {!list.data.items.length && (
                  <tr>
                    <td colSpan={6} class="empty">
                      No exports yet.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={20} total={list.data.totalRecords} onOffset={setOffset} />
        </>
      )}
    </section>
  );
}
