import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, claimsOf, get, Page, query, session } from '../api';
import { FieldError, Link, Pager, ProblemBox, ProgressBar, Status, splitFieldErrors, useLoad } from '../components/ui';
import { whenLocal } from '../components/time';
import { isTerminal, Job, JOB_STATUSES } from '../model';
import { navigate, useLocation, useScrollRestore } from '../router';
import { useJob } from '../watch';
import { hasQueryParameter } from '../features';
import { jobsListHref, noJobsText, rememberJobsList, STATUS_SETTLE_MS, statusEditReplaces } from '../jobs-list';
import { backoff, isMoving, LIST_REFRESH_MS } from '../poll-policy';
import { useTitle } from '../title';

const LIMIT = 20;

/**
 * One row: its bar follows the job live (useJob → watchJob) only while it runs or is cancelling;
 * scheduled and pending rows change when the list reads its page again (useListRefresh).
 */
function JobRow({ initial }: { initial: Job }) {
  const { job } = useJob(isMoving(initial.status) ? initial.id : null, initial);
  const j = job ?? initial;
  const label = j.name || j.type;
  return (
    <tr data-job-id={j.id}>
      <td>
        <Link href={`/console/jobs/${j.id}`}>{label}</Link>
        {j.name && <div class="sub">{j.type}</div>}
      </td>
      <td>
        <Status status={j.status} />
        {j.position !== null && !isTerminal(j.status) ? <div class="sub">#{j.position} in queue</div> : null}
        {j.status === 'scheduled' && j.scheduledFor ? <div class="sub">due {whenLocal(j.scheduledFor)}</div> : null}
      </td>
      <td class="wide">
        <ProgressBar progress={j.progress} status={j.status} label={`Progress of ${label}`} />
      </td>
      <td class="nowrap hide-phone">{whenLocal(j.submittedAt)}</td>
    </tr>
  );
}

/**
 * The page as read again every LIST_REFRESH_MS while one of its rows is unfinished: ONE request
 * for the whole page (same filters), not one per row. Waits while the tab is hidden, signed out,
 * or rate-limited (poll-policy.ts backoff). `null` until the first read again.
 */
function useListRefresh(url: string, data: Page<Job> | null, active: boolean): Page<Job> | null {
  const [live, setLive] = useState<Page<Job> | null>(null);
  useEffect(() => setLive(null), [data]);
  useEffect(() => {
    if (!active) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = (ms: number) => (timer = setTimeout(tick, ms));
    const tick = async () => {
      const wait = backoff.remaining();
      if (wait > 0) return later(wait);
      if (document.hidden || !session.token()) return later(LIST_REFRESH_MS);
      try {
        const page = await get<Page<Job>>(url);
        backoff.answered();
        if (!stopped) setLive(page);
      } catch (error) {
        if ((error as ApiError).problem?.status === 429) backoff.refused(Date.now(), (error as ApiError).retryAfterSeconds);
      }
      if (!stopped) later(Math.max(LIST_REFRESH_MS, backoff.remaining()));
    };
    later(LIST_REFRESH_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [url, active]);
  return live;
}

export function JobsPage() {
  const { path, search } = useLocation();
  const status = search.get('status') ?? '';
  const type = search.get('type') ?? '';
  const q = search.get('query') ?? '';
  const offset = Number(search.get('offset') ?? 0) || 0;
  // `system=show`: the jobs Porter submits on its own (webhook deliveries, emails), which an admin
  // would otherwise see among the people's jobs, are listed too. Hidden by default.
  const system = search.get('system') === 'show' ? 'show' : '';
  const [typeInput, setTypeInput] = useState(type);
  const [queryInput, setQueryInput] = useState(q);
  const [statusInput, setStatusInput] = useState(status);
  // The fields follow the address: Back and Forward (or a link) change the filters, and the fields say so.
  useEffect(() => setTypeInput(type), [type]);
  useEffect(() => setQueryInput(q), [q]);
  useEffect(() => setStatusInput(status), [status]);
  useEffect(() => rememberJobsList(location.pathname + location.search), [path, search.toString()]);
  useTitle('Jobs');
  // The query language (`status==failed and type==export`) is offered where the server declares it.
  const [queryLanguage, setQueryLanguage] = useState(false);
  useEffect(() => void hasQueryParameter('/api/v1/jobs', 'query').then(setQueryLanguage), []);
  // Only admins see the platform's jobs; where the server can leave them out (`systemJobs`), the
  // list is read once that is known, so that they never flash in and out.
  const admin = claimsOf(session.token()).roles?.includes('admin') === true;
  const [systemFilter, setSystemFilter] = useState<boolean | null>(admin ? null : false);
  useEffect(() => void (admin && hasQueryParameter('/api/v1/jobs', 'systemJobs').then(setSystemFilter)), [admin]);
  const systemJobs = systemFilter && !system ? 'exclude' : undefined;
  const listUrl = systemFilter === null ? null : `/jobs${query({ status, type, query: q, systemJobs, offset, limit: LIMIT })}`;
  const { data: loaded, error, loading, reload } = useLoad(() => (listUrl ? get<Page<Job>>(listUrl) : new Promise<never>(() => undefined)), [listUrl]);
  const unfinished = Boolean(loaded?.items.some((j) => !isTerminal(j.status)));
  const live = useListRefresh(listUrl ?? '', loaded, listUrl !== null && unfinished && !error);
  const data = live ?? loaded;
  useScrollRestore(Boolean(data));

  // A query the server cannot parse is said once, under the Query field (not again in a problem box).
  const { fields: fieldErrors, rest: problem } = splitFieldErrors(error, queryLanguage ? ['query'] : []);

  // Stays at the path the list is shown at (`/console/` or `/console/jobs`): the page is not mounted
  // afresh, and what was typed in Type or Query and not yet filtered by stays in its field.
  const go = (next: Record<string, string | number>) => {
    const q2 = query({ status, type, query: q, system, offset, ...next });
    navigate(jobsListHref(path, q2));
  };

  // Status applies itself (no Filter press), once the select settles: arrow keys stepping from
  // "any" to "failed" make one request and, while the person keeps stepping, one history entry.
  const statusEdit = useRef<{ timer?: ReturnType<typeof setTimeout>; last: { href: string; at: number } | null }>({ last: null });
  useEffect(() => () => clearTimeout(statusEdit.current.timer), []);
  useEffect(() => clearTimeout(statusEdit.current.timer), [status]);
  const changeStatus = (value: string) => {
    setStatusInput(value);
    clearTimeout(statusEdit.current.timer);
    statusEdit.current.timer = setTimeout(() => {
      const href = jobsListHref(path, query({ status: value, type, query: q, system, offset: 0 }));
      const replace = statusEditReplaces(statusEdit.current.last, location.pathname + location.search, Date.now());
      statusEdit.current.last = { href, at: Date.now() };
      navigate(href, replace);
    }, STATUS_SETTLE_MS);
  };

  return (
    <section>
      <div class="title-row">
        <h1 tabIndex={-1}>Jobs</h1>
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <form
        class="filters"
        role="search"
        aria-label="Filter jobs"
        onSubmit={(e) => {
          e.preventDefault();
          clearTimeout(statusEdit.current.timer);
          go({ status: statusInput, type: typeInput.trim(), query: queryInput.trim(), offset: 0 });
        }}
      >
        <label>
          Status
          <select name="status" value={statusInput} onChange={(e) => changeStatus(e.currentTarget.value)}>
            <option value="">any</option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <input name="type" value={typeInput} list="job-types" onInput={(e) => setTypeInput(e.currentTarget.value)} placeholder="e.g. export" />
          <datalist id="job-types">
            <option value="export" />
            <option value="import-batch" />
          </datalist>
        </label>
        {queryLanguage && (
          <div class="field">
            <label>
              Query
              <input
                name="query"
                value={queryInput}
                onInput={(e) => setQueryInput(e.currentTarget.value)}
                placeholder="status==failed and type==export"
                aria-invalid={fieldErrors.query ? 'true' : undefined}
                aria-describedby={fieldErrors.query ? 'query-error' : undefined}
              />
            </label>
            <FieldError id="query-error" message={fieldErrors.query} />
          </div>
        )}
        <div class="field">
          <span class="field-spacer" aria-hidden="true">
            &nbsp;
          </span>
          <button type="submit">Filter</button>
        </div>
        {systemFilter && (
          <label class="check system-jobs">
            <input type="checkbox" name="system" checked={system === 'show'} onChange={(e) => go({ system: e.currentTarget.checked ? 'show' : '', offset: 0 })} />
            Show Porter's own jobs (webhook deliveries, emails)
          </label>
        )}
      </form>
      <ProblemBox error={problem} />
      {data && !error && (
        <>
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Jobs, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                  <th scope="col" class="hide-phone">Submitted</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((job) => (
                  <JobRow key={job.id} initial={job} />
                ))}
                {!data.items.length && (
                  <tr>
                    <td colSpan={4} class="empty">
                      {noJobsText(offset, data.totalRecords, Boolean(status || type || q))}
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={LIMIT} total={data.totalRecords} onOffset={(next) => go({ offset: next })} empty="0 jobs" />
        </>
      )}
    </section>
  );
}
