import { useEffect, useState } from 'preact/hooks';
import { api, get, Page, query } from '../api';
import { CronFields } from '../components/schedule-fields';
import { clearsError, Link, Pager, ProblemBox, splitFieldErrors, Status, useAction, useLoad } from '../components/ui';
import { useRetryWhileUnreachable } from '../components/reload';
import { whenIn } from '../components/time';
import { ExportSchedule, ScheduleRun } from '../model';
import { navigate } from '../router';
import { EnabledToggle, ScheduledTime, scheduleLabel } from './schedules';

function EditSchedule({ schedule, onSaved }: { schedule: ExportSchedule; onSaved: (s: ExportSchedule) => void }) {
  const [name, setName] = useState(schedule.name ?? '');
  const [cron, setCron] = useState(schedule.cron);
  const [timezone, setTimezone] = useState(schedule.timezone);
  const [enabled, setEnabled] = useState(schedule.enabled);
  const { busy, error, run, setError } = useAction();
  const split = splitFieldErrors(error, ['cron', 'timezone']);
  return (
    <form
      class="panel"
      aria-labelledby="edit-schedule"
      {...clearsError(setError)}
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => onSaved(await api<ExportSchedule>('PATCH', `/export-schedules/${schedule.id}`, { name: name.trim() || null, cron: cron.trim(), timezone: timezone.trim(), enabled })));
      }}
    >
      <h2 id="edit-schedule">Edit</h2>
      <label>
        Name <input name="name" maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <div class="row">
        <CronFields idPrefix="edit" cron={cron} timezone={timezone} onCron={setCron} onTimezone={setTimezone} errors={split.fields} />
      </div>
      <label class="check">
        <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> Enabled (unticked: paused, no ticks)
      </label>
      <button type="submit" disabled={busy}>
        Save
      </button>
      <ProblemBox error={split.rest} />
    </form>
  );
}

/** How often the runs are read again while one of them has not ended. */
export const RUNS_REFRESH_MS = 1500;
const unfinished = (r: ScheduleRun) => r.status === 'pending' || r.status === 'running';

function Runs({ id, zone, generation }: { id: string; zone: string; generation: number }) {
  const [offset, setOffset] = useState(0);
  const runs = useLoad(() => get<Page<ScheduleRun>>(`/export-schedules/${id}/runs${query({ offset, limit: 10 })}`), [id, offset, generation]);
  useRetryWhileUnreachable([runs]);
  // A run that has not ended (its export pending or running) is followed: the list is read again
  // at a modest pace until every run shown has its final status.
  const live = !!runs.data?.items.some(unfinished);
  useEffect(() => {
    if (!live || runs.loading) return undefined;
    const timer = setTimeout(runs.reload, RUNS_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [live, runs.loading, runs.data]);
  return (
    <>
      <div class="title-row">
        <h2 id="runs">Runs</h2>
        <button type="button" onClick={runs.reload}>
          Refresh runs
        </button>
      </div>
      <ProblemBox error={runs.error} />
      {runs.data && (
        <>
          <div class="table-wrap">
            <table aria-labelledby="runs">
              <thead>
                <tr>
                  <th scope="col">Tick</th>
                  <th scope="col">Export</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.items.map((r) => (
                  <tr key={r.run.id} data-run-id={r.run.id}>
                    <td>
                      {whenIn(r.run.tickAt, zone)}
                      <div class="sub">
                        {r.run.trigger === 'manual' ? 'run now' : 'cron'}
                        {r.run.missedTicks ? ` · ${r.run.missedTicks} missed before` : ''}
                      </div>
                    </td>
                    <td>
                      {r.jobId ? <Link href={`/console/jobs/${r.jobId}`}>{`${r.type} ${r.format}`}</Link> : <span class="sub">{r.id ? `${r.type} ${r.format}` : 'no export'}</span>}
                    </td>
                    <td>
                      <Status status={r.status} />
                      {(r.run.error ?? r.errorMessage) && <div class="sub error-text">{r.run.error ?? r.errorMessage}</div>}
                    </td>
                  </tr>
                ))}
                {!runs.data.items.length && (
                  <tr>
                    <td colSpan={3} class="empty">
                      No runs yet.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={10} total={runs.data.totalRecords} onOffset={setOffset} />
        </>
      )}
    </>
  );
}

export function SchedulePage({ id }: { id: string }) {
  const loaded = useLoad(() => get<ExportSchedule>(`/export-schedules/${id}`), [id]);
  const [override, setOverride] = useState<ExportSchedule | null>(null);
  const [generation, setGeneration] = useState(0);
  const action = useAction();
  useEffect(() => setOverride(null), [loaded.data]);
  const s = override ?? loaded.data;
  const saved = (next: ExportSchedule) => (setOverride(next), loaded.reload());
  if (!s) {
    return (
      <section>
        <h1 tabIndex={-1}>Schedule</h1>
        {loaded.error ? <ProblemBox error={loaded.error} /> : <p>Loading…</p>}
        <Link href="/console/schedules">Back to schedules</Link>
      </section>
    );
  }
  const label = scheduleLabel(s);
  return (
    <section>
      <p class="crumbs">
        <Link href="/console/schedules">Schedules</Link> / {s.id}
      </p>
      <div class="title-row">
        <h1 tabIndex={-1}>{label}</h1>
        <EnabledToggle schedule={s} onChange={saved} />
      </div>
      <div class="actions" role="group" aria-label="Schedule actions">
        <button type="button" disabled={action.busy} onClick={() => action.run(async () => (await api('POST', `/export-schedules/${s.id}/run-now`), setGeneration((g) => g + 1), loaded.reload()))}>
          Run now
        </button>
        <button
          type="button"
          class="danger"
          disabled={action.busy}
          onClick={() => {
            if (confirm(`Delete the schedule ${label} and its run history? Its exports stay.`))
              void action.run(async () => (await api('DELETE', `/export-schedules/${s.id}`), navigate('/console/schedules')));
          }}
        >
          Delete schedule
        </button>
      </div>
      <ProblemBox error={action.error} />
      <div class="columns">
        <div class="panel">
          <h2>Details</h2>
          <dl class="facts">
            <dt>Export</dt>
            <dd>
              {s.type} · {s.format}
              {s.compression === 'gzip' ? ' · gzip' : ''}
            </dd>
            <dt>Cron</dt>
            <dd>
              <code>{s.cron}</code> in {s.timezone}
            </dd>
            <dt>Next runs</dt>
            <dd>
              {s.enabled
                ? (s.nextRuns?.length ? s.nextRuns : [s.nextRunAt]).map((t) => (
                    <div key={t}>
                      <ScheduledTime iso={t} zone={s.timezone} />
                    </div>
                  ))
                : 'paused'}
            </dd>
            <dt>Last run</dt>
            <dd>{s.lastRunAt ? <ScheduledTime iso={s.lastRunAt} zone={s.timezone} /> : '—'}</dd>
            {Object.keys(s.filters).length > 0 && (
              <>
                <dt>Filters</dt>
                <dd>
                  <code>{JSON.stringify(s.filters)}</code>
                </dd>
              </>
            )}
            {s.columns && (
              <>
                <dt>Columns</dt>
                <dd>{s.columns.join(', ')}</dd>
              </>
            )}
            {s.scopeIds.length > 0 && (
              <>
                <dt>Scopes</dt>
                <dd>{s.scopeIds.join(', ')}</dd>
              </>
            )}
            <dt>Owner</dt>
            <dd>
              {s.createdBy}
              {s.ownerRevokedAt ? ` (revoked: ${s.ownerRevokedReason})` : ''}
            </dd>
          </dl>
        </div>
        <EditSchedule key={`${s.id}-${s.updatedAt}`} schedule={s} onSaved={saved} />
      </div>
      <Runs id={s.id} zone={s.timezone} generation={generation} />
    </section>
  );
}
