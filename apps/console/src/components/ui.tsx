import { Component, ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, Problem } from '../api';
import { navigate, useScrollRestore } from '../router';
import { isTerminal, Progress } from '../model';
import { emptyPageText } from '../jobs-list';

/** An API error as its problem title and detail (and the fields it names), never a blank page. */
export function ProblemBox({ error }: { error: ApiError | Error | null | undefined }) {
  if (!error) return null;
  const problem: Problem = error instanceof ApiError ? error.problem : { title: 'Something went wrong in the console', status: 0, detail: error.message };
  // A field error the detail already says ("url refused: <message>") is not said again as a bullet.
  const errors = problem.errors?.filter((e) => !problem.detail?.includes(e.message));
  return (
    <div class="problem" role="alert">
      <strong>
        {problem.title}
        {problem.status ? ` (${problem.status})` : ''}
      </strong>
      {problem.detail && <p>{problem.detail}</p>}
      {errors?.length ? (
        <ul>
          {errors.map((e) => (
            <li key={e.path}>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * A problem's errors about fields the form shows beside them (`paths`), and what is left for the
 * problem box: null when every error it names is shown at its field, so no message shows twice.
 */
export function splitFieldErrors(error: Error | null | undefined, paths: string[]): { fields: Record<string, string>; rest: Error | null } {
  const fields: Record<string, string> = {};
  if (!(error instanceof ApiError) || !error.problem.errors?.length) return { fields, rest: error ?? null };
  const others = error.problem.errors.filter((e) => (paths.includes(e.path) && !(e.path in fields) ? ((fields[e.path] = e.message), false) : true));
  if (!Object.keys(fields).length) return { fields, rest: error };
  return { fields, rest: others.length ? new ApiError({ ...error.problem, errors: others }) : null };
}

/** A field's error, under it; the field points at it with `aria-describedby={id}` and `aria-invalid`. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span id={id} class="field-error" role="alert">
      {message}
    </span>
  );
}

/** A native <progress> (accessible as is, and styled without inline styles a CSP would refuse). */
export function ProgressBar({ progress, label, status }: { progress: Progress | null | undefined; label: string; status?: string }) {
  const percent = progress?.percent ?? (status === 'succeeded' ? 100 : null);
  const text = percent === null ? (progress?.processed ? `${progress.processed.toLocaleString()} done` : '') : `${Math.floor(percent)}%`;
  return (
    <span class="progress">
      <progress max={100} value={percent ?? (status && isTerminal(status) ? 0 : undefined)} aria-label={label} data-status={status} />
      <span class="progress-text" aria-hidden="true">
        {text}
      </span>
    </span>
  );
}

export function Status({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{status.replace('_', ' ')}</span>;
}

export function Link({ href, children, ...rest }: { href: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' }) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}


export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Runs an action, keeping its pending state and error for the button and the problem box. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const run = async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (e) {
      setError(e as Error);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

/**
 * A form's error is about what was sent: it goes as soon as the form changes (a field typed in,
 * a select changed) or is submitted again, even when the browser's own validation then stops the
 * submit. Spread on the <form>.
 */
export const clearsError = (setError: (error: Error | null) => void) => ({
  // A checkbox fires `input` then `change`: clearing on its `input` re-rendered the form between
  // the two, resetting the box before its own onChange read it (the click was lost). Its `change` clears.
  onInput: (e: Event) => ['checkbox', 'radio'].includes((e.target as HTMLInputElement).type) || setError(null),
  onChange: () => setError(null),
  onInvalidCapture: () => setError(null),
});

/** Loads data for a page; `reload` fetches again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: Error | null; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    load()
      .then((value) => current && (setData(value), setError(null)))
      .catch((e) => current && setError(e as Error))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  return { data, error, loading, reload: () => setGeneration((g) => g + 1) };
}

/** The last line of defence: a rendering bug shows a message and a way back, not a blank page. */
export class ErrorBoundary extends Component<{ children: ComponentChildren }, { error: Error | null }> {
  override state = { error: null as Error | null };
  override componentDidCatch(error: Error) {
    this.setState({ error });
  }
  override render() {
    if (this.state.error) {
      return (
        <div class="panel">
          <ProblemBox error={this.state.error} />
          <button type="button" onClick={() => (this.setState({ error: null }), navigate('/console/'))}>
            Back to jobs
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}

/**
 * Previous / Next over a list of `limit` items a page; `empty` is what the count says with no item.
 * An empty list on its first page has no pages to go to: no pager (the list says it is empty).
 */
export function Pager({ offset, limit, total, onOffset, empty = '' }: { offset: number; limit: number; total: number; onOffset: (offset: number) => void; empty?: string }) {
  if (!total && offset === 0) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {/* From a page past the end, Previous goes to the last page that has items. */}
      <button type="button" disabled={offset === 0} onClick={() => onOffset(offset >= total && total ? Math.floor((total - 1) / limit) * limit : Math.max(0, offset - limit))}>
        Previous
      </button>
      <span>{pagerCount(offset, limit, total, empty)}</span>
      <button type="button" disabled={offset + limit >= total} onClick={() => onOffset(offset + limit)}>
        Next
      </button>
    </nav>
  );
}

/** "41–60 of 1,200"; a page past the end (an old link, items deleted since) says so instead of "41–20 of 20". */
export function pagerCount(offset: number, limit: number, total: number, empty: string): string {
  if (!total) return empty;
  if (offset >= total) return `Past the end (${total.toLocaleString()} in all)`;
  return `${(offset + 1).toLocaleString()}–${Math.min(offset + limit, total).toLocaleString()} of ${total.toLocaleString()}`;
}

/** A column of a `PagedList`: its header, and whether phones hide it (narrow screens keep the essentials). */
export type ListColumn = string | { label: string; hidePhone: true };

/**
 * The "Your …" part of a list page: a heading with Refresh, the load's problem, a table of the
 * current page (one row per item, a line saying so when there is none) and Previous / Next.
 * Exports, imports, schedules and webhooks share it, so they look and behave alike.
 */
export function PagedList<T>({
  title,
  list,
  columns,
  row,
  empty,
  offset,
  limit,
  onOffset,
  showTitle = true,
}: {
  title: string;
  list: { data: { items: T[]; totalRecords: number } | null; error: Error | null; reload: () => void };
  columns: ListColumn[];
  row: (item: T) => ComponentChildren;
  empty: string;
  offset: number;
  limit: number;
  onOffset: (offset: number) => void;
  showTitle?: boolean;
}) {
  useScrollRestore(Boolean(list.data));
  return (
    <>
      {showTitle && (
        <div class="title-row">
          <h2>{title}</h2>
          <button type="button" onClick={list.reload}>
            Refresh
          </button>
        </div>
      )}
      <ProblemBox error={list.error} />
      {list.data && (
        <>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  {columns.map((c) =>
                    typeof c === 'string' ? (
                      <th scope="col">{c}</th>
                    ) : (
                      <th scope="col" class="hide-phone">
                        {c.label}
                      </th>
                    ),
                  )}
                </tr>
              </thead>
              <tbody>
                {list.data.items.map(row)}
                {!list.data.items.length && (
                  <tr>
                    <td colSpan={columns.length} class="empty">
                      {emptyPageText(offset, list.data.totalRecords, empty)}
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={limit} total={list.data.totalRecords} onOffset={onOffset} />
        </>
      )}
    </>
  );
}
