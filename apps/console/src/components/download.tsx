import { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, download, DownloadProgress, saveAs } from '../api';
import { hasEndpoint } from '../features';
import { bytes, ProblemBox, useAction } from './ui';

const percentOf = (p: DownloadProgress): number | null => (p.total ? Math.min(100, Math.floor((p.loaded / p.total) * 100)) : null);

/** "3.2 MiB of 40.0 MiB" (or "3.2 MiB" when the size is not known), for the bar's text. */
export function progressText(p: DownloadProgress): string {
  return p.total ? `${bytes(p.loaded)} of ${bytes(p.total)}` : bytes(p.loaded);
}

/**
 * A download button with its progress: while the file arrives the button says how far it has
 * come and a bar fills under it. `exportId`: the file is an export's, and when this server issues
 * download links that it serves itself (the local driver's signed API URLs, which count the
 * download), the browser is sent to one instead, so the file streams to disk through the
 * browser's own download, with its own progress, and never sits in the page's memory. A link to
 * elsewhere (a presigned S3 URL) would not be counted, so then the file is fetched as for any other.
 */
export function DownloadButton({ path, fileName, exportId, class: className, children }: { path: string; fileName: string; exportId?: string; class?: string; children: ComponentChildren }) {
  const action = useAction();
  const [progress, setProgress] = useState<DownloadProgress | null>(null);
  const [started, setStarted] = useState(false);
  const [links, setLinks] = useState(false);
  useEffect(() => {
    if (exportId) void hasEndpoint('/api/v1/exports/{id}/download-link').then(setLinks);
  }, [exportId]);
  useEffect(() => {
    if (!started) return;
    const timer = setTimeout(() => setStarted(false), 5000);
    return () => clearTimeout(timer);
  }, [started]);

  const run = () =>
    action.run(async () => {
      setStarted(false);
      if (exportId && links) {
        const link = await api<{ url: string }>('POST', `/exports/${exportId}/download-link`, { expiresInSeconds: 60 });
        if (link.url.startsWith('/')) {
          saveAs(link.url, fileName);
          setStarted(true);
          return;
        }
      }
      setProgress({ loaded: 0, total: null });
      try {
        await download(path, fileName, setProgress);
      } finally {
        setProgress(null);
      }
    });

  const percent = progress ? percentOf(progress) : null;
  return (
    <>
      <button type="button" class={className} disabled={action.busy} onClick={run} aria-busy={progress ? 'true' : undefined}>
        {progress ? `Downloading${percent === null ? '…' : ` ${percent}%`}` : children}
      </button>
      {progress && (
        <span class="progress download-progress">
          <progress max={100} value={percent ?? undefined} aria-label={`Download of ${fileName}`} />
          <span class="progress-text" aria-hidden="true">
            {progressText(progress)}
          </span>
        </span>
      )}
      {started && (
        <span class="sub" role="status">
          Download started: your browser shows its progress.
        </span>
      )}
      <ProblemBox error={action.error} />
    </>
  );
}
