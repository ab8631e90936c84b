import { useRef, useState } from 'preact/hooks';
import { api, ApiError, get, Page, query, upload } from '../api';
import { bytes, clearsError, Link, PagedList, ProblemBox, useAction, useLoad } from '../components/ui';
import { refreshingToo, useRetryWhileUnreachable } from '../components/reload';
import { whenLocal } from '../components/time';
import { RecordStatus } from '../components/import-status';
import { ImportBatch, ImportRecord, ImportType } from '../model';
import { navigate } from '../router';

interface UploadLimits {
  maxUploadBytes: number;
  maxFilesPerUpload: number;
}

/** The picker offers the files the server takes for the type: its formats (csv, xlsx, jsonl), no more. */
export const acceptOf = (type: ImportType | undefined): string => (type?.formats.length ? type.formats : ['csv', 'xlsx', 'jsonl']).map((f) => `.${f}`).join(',');

function UploadForm({ types, limits }: { types: ImportType[]; limits: UploadLimits | null }) {
  const [typeName, setTypeName] = useState(types[0]?.type ?? '');
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [sent, setSent] = useState<{ loaded: number; total: number } | null>(null);
  const { busy, error, run, setError } = useAction();
  const input = useRef<HTMLInputElement>(null);
  const type = types.find((t) => t.type === typeName);
  const tooLarge = !!(file && limits && file.size > limits.maxUploadBytes);

  const choose = (f: File | null | undefined) => {
    setError(null);
    setSent(null);
    setFile(f ?? null);
  };

  const submit = () =>
    run(async () => {
      if (!file) throw new Error('Choose a file first');
      const record = await api<ImportRecord>('POST', '/imports', {
        type: typeName,
        sourceName: file.name,
        expectedReferenceCount: -1,
        options: { dryRun },
      });
      setSent({ loaded: 0, total: 1 });
      try {
        await upload<ImportBatch>(`/imports/${record.id}/batches`, file, (loaded, total) => setSent({ loaded, total }));
      } catch (refused) {
        // The record was made for this upload only: without its file it is an empty import in
        // the list. The API deletes a record with no batch (409 if one got in); best effort.
        setSent(null);
        if (!(refused instanceof ApiError && refused.problem.status === 401)) await api('DELETE', `/imports/${record.id}`).catch(() => undefined);
        throw refused;
      }
      // One file per import here: finalising lets the record complete as soon as its batch ends.
      await api('POST', `/imports/${record.id}/finalize`);
      navigate(`/console/imports/${record.id}`);
    });

  const percent = sent ? Math.floor((sent.loaded / Math.max(1, sent.total)) * 100) : 0;
  return (
    <form
      class="panel"
      aria-labelledby="new-import"
      {...clearsError(setError)}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="new-import">New import</h2>
      <div class="row">
        <label>
          Type
          <select name="type" value={typeName} onChange={(e) => setTypeName(e.currentTarget.value)}>
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type}
              </option>
            ))}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" name="dryRun" checked={dryRun} onChange={(e) => setDryRun(e.currentTarget.checked)} /> Dry run (validate only, write nothing)
        </label>
      </div>
      {type && (
        <p class="hint">
          Columns: {type.columns.map((c) => (c.required ? `${c.name}*` : c.name)).join(', ')} (* required). Formats: {type.formats.join(', ')}.
        </p>
      )}
      <div
        class={`drop${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          choose(e.dataTransfer?.files[0]);
        }}
      >
        <p>
          Drop a file here, or{' '}
          <label class="file-label">
            choose one
            <input ref={input} class="visually-hidden" type="file" name="file" accept={acceptOf(type)} onChange={(e) => choose(e.currentTarget.files?.[0])} />
          </label>
          .
        </p>
        <p class="hint" data-testid="upload-limit">
          Largest file: {limits ? bytes(limits.maxUploadBytes) : '…'}
        </p>
        {file && (
          <p>
            <strong>{file.name}</strong> · {bytes(file.size)}
            {tooLarge && <span class="error-text"> — larger than the limit, it would be refused</span>}
          </p>
        )}
      </div>
      {sent && file && (
        // The browser reports the bytes of the whole request (the file and its multipart
        // envelope), so the bar shows a share, and the text the file's own size.
        <p class="progress">
          <progress max={100} value={percent} aria-label="Upload progress" />
          <span class="progress-text" data-testid="upload-progress">
            {percent < 100 ? `Uploading ${file.name} (${bytes(file.size)}): ${percent}%` : `${file.name} (${bytes(file.size)}) sent; waiting for the server…`}
          </span>
        </p>
      )}
      <button type="submit" disabled={busy || !file || tooLarge}>
        Upload and import
      </button>
      <ProblemBox error={error} />
    </form>
  );
}

export function ImportsPage() {
  const [offset, setOffset] = useState(0);
  const types = useLoad(() => get<ImportType[]>('/imports/types'), []);
  const limits = useLoad(() => get<UploadLimits>('/imports/configuration').catch(() => null), []);
  const list = useLoad(() => get<Page<ImportRecord>>(`/imports${query({ offset, limit: 20 })}`), [offset]);
  useRetryWhileUnreachable([types, list]);
  return (
    <section>
      <h1 tabIndex={-1}>Imports</h1>
      <ProblemBox error={types.error} />
      {types.data && <UploadForm types={types.data} limits={limits.data} />}
      <div class="stack-phone imports-list">
      <PagedList
        title="Your imports"
        list={refreshingToo(list, types)}
        columns={['Source', { label: 'Type', hidePhone: true }, 'Status', 'Rows done / failed', { label: 'Created', hidePhone: true }]}
        row={(r) => {
          const total = r.batches.reduce((n, b) => n + b.counts.total, 0);
          const failed = r.batches.reduce((n, b) => n + b.counts.failed, 0);
          const done = r.batches.reduce((n, b) => n + b.counts.completed, 0);
          return (
            <tr key={r.id}>
              <td>
                <Link href={`/console/imports/${r.id}`}>{r.sourceName}</Link>
                {r.options?.dryRun ? <div class="sub">dry run</div> : null}
              </td>
              <td class="hide-phone">{r.type}</td>
              <td>
                <RecordStatus record={r} reason />
              </td>
              <td class="nowrap" data-testid="import-counts">
                {done.toLocaleString()} / {failed.toLocaleString()} of {total.toLocaleString()}
                <span class="show-phone sub">rows done / failed</span>
              </td>
              <td class="nowrap hide-phone">{whenLocal(r.createdAt)}</td>
            </tr>
          );
        }}
        empty="No imports yet."
        offset={offset}
        limit={20}
        onOffset={setOffset}
      />
      </div>
    </section>
  );
}
