import { useEffect, useState } from 'preact/hooks';
import { get, Page, query } from '../api';
import { FieldError, Link, Pager, ProblemBox, ProgressBar, Status, splitFieldErrors, useLoad, when } from '../components/ui';
import { isTerminal, Job, JOB_STATUSES } from '../model';
import { navigate, useLocation } from '../router';
import { useJob } from '../watch';
import { hasQueryParameter } from '../features';
import { jobsListHref, noJobsText } from '../jobs-list';

const LIMIT = 20;

/** One row keeps itself current while its job runs (useJob → watchJob). */
function JobRow({ initial }: { initial: Job }) {
  const { job } = useJob(initial.id, initial);
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
      </td>
      <td class="wide">
        <ProgressBar progress={j.progress} status={j.status} label={`Progress of ${label}`} />
      </td>
      <td class="nowrap hide-phone">{when(j.submittedAt)}</td>
    </tr>
  );
}

export function JobsPage() {
  const { path, search } = useLocation();
  const status = search.get('status') ?? '';
  const type = search.get('type') ?? '';
  const q = search.get('query') ?? '';
  const offset = Number(search.get('offset') ?? 0) || 0;
  const [typeInput, setTypeInput] = useState(type);
  const [queryInput, setQueryInput] = useState(q);
  // The query language (`status==failed and type==export`) is offered where the server declares it.
  const [queryLanguage, setQueryLanguage] = useState(false);
  useEffect(() => void hasQueryParameter('/api/v1/jobs', 'query').then(setQueryLanguage), []);
  const { data, error, loading, reload } = useLoad(() => get<Page<Job>>(`/jobs${query({ status, type, query: q, offset, limit: LIMIT })}`), [status, type, q, offset]);

  // A query the server cannot parse is said once, under the Query field (not again in a problem box).
  const { fields: fieldErrors, rest: problem } = splitFieldErrors(error, queryLanguage ? ['query'] : []);

  // Stays at the path the list is shown at (`/console/` or `/console/jobs`): the page is not mounted
  // afresh, and what was typed in Type or Query and not yet filtered by stays in its field.
  const go = (next: Record<string, string | number>) => {
    const q2 = query({ status, type, query: q, offset, ...next });
    navigate(jobsListHref(path, q2));
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
          go({ type: typeInput.trim(), query: queryInput.trim(), offset: 0 });
        }}
      >
        <label>
          Status
          <select name="status" value={status} onChange={(e) => go({ status: e.currentTarget.value, offset: 0 })}>
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
