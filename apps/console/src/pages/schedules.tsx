import { useState } from 'preact/hooks';
import { api, get, Page, query } from '../api';
import { ExportFields, useExportFields } from '../components/export-fields';
import { browserZone, CronFields } from '../components/schedule-fields';
import { clearsError, Link, PagedList, ProblemBox, splitFieldErrors, useAction, useLoad } from '../components/ui';
import { refreshingToo, useRetryWhileUnreachable } from '../components/reload';
import { whenIn, whenScheduled } from '../components/time';
import { ExportSchedule, ExportType } from '../model';

export const scheduleLabel = (s: ExportSchedule) => s.name || `${s.type} ${s.format}`;

function ScheduleForm({ types, onCreated }: { types: ExportType[]; onCreated: (s: ExportSchedule) => void }) {
  const fields = useExportFields(types, '/export-schedules');
  const [name, setName] = useState('');
  const [cron, setCron] = useState('0 6 * * 1-5');
  const [timezone, setTimezone] = useState(browserZone);
  const { busy, error, run, setError } = useAction();
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  // The schedule just created, said under the button until the form changes.
  const [created, setCreated] = useState<ExportSchedule | null>(null);
  if (!fields.type) return <p class="empty">No export types are registered.</p>;
  // The API's errors about the cron, the zone or the columns show at those fields.
  const split = splitFieldErrors(error, ['columns', 'cron', 'timezone']);
  const errors = { ...split.fields, ...invalid };
  return (
    <form
      class="panel"
      aria-labelledby="new-schedule"
      {...clearsError((e) => (setError(e), setInvalid((v) => (Object.keys(v).length ? {} : v)), setCreated(null)))}
      onSubmit={(e) => {
        e.preventDefault();
        const found = fields.check();
        setInvalid(found);
        if (Object.keys(found).length) return setError(null);
        setCreated(null);
        void run(async () => {
          const body = { ...fields.body(), cron: cron.trim(), timezone: timezone.trim(), ...(name.trim() ? { name: name.trim() } : {}) };
          const schedule = await api<ExportSchedule>('POST', '/export-schedules', body);
          setName('');
          setCreated(schedule);
          onCreated(schedule);
        });
      }}
    >
      <h2 id="new-schedule">New schedule</h2>
      <ExportFields
        state={fields}
        errors={errors}
        head={
          <label>
            Name (optional) <input name="name" maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
        }
      />
      <div class="row">
        <CronFields idPrefix="new" cron={cron} timezone={timezone} onCron={setCron} onTimezone={setTimezone} errors={errors} />
      </div>
      <button type="submit" disabled={busy}>
        Create schedule
      </button>
      {created && (
        <p class="hint" role="status">
          Schedule created: <Link href={`/console/schedules/${created.id}`}>{scheduleLabel(created)}</Link>
          {created.enabled && created.nextRunAt ? `, first run ${whenIn(created.nextRunAt, created.timezone)}` : ''} — listed in <em>Your schedules</em> below.
        </p>
      )}
      <ProblemBox error={split.rest} />
    </form>
  );
}

/** Pause or resume from the list: a checkbox named after the schedule. */
export function EnabledToggle({ schedule, onChange }: { schedule: ExportSchedule; onChange: (s: ExportSchedule) => void }) {
  const { busy, error, run } = useAction();
  // What the user asked for shows at once; the schedule's own state returns if the API refuses.
  const [wanted, setWanted] = useState<boolean | null>(null);
  const enabled = wanted ?? schedule.enabled;
  return (
    <>
      <label class="check">
        <input
          type="checkbox"
          name="enabled"
          checked={enabled}
          disabled={busy}
          aria-label={`Enabled: ${scheduleLabel(schedule)}`}
          onChange={(e) => {
            const next = e.currentTarget.checked;
            setWanted(next);
            void run(async () => onChange(await api<ExportSchedule>('PATCH', `/export-schedules/${schedule.id}`, { enabled: next }))).finally(() => setWanted(null));
          }}
        />{' '}
        {enabled ? 'on' : 'paused'}
      </label>
      <ProblemBox error={error} />
    </>
  );
}

/** A schedule's time in the schedule's own zone (labelled), and the viewer's local time under it when that differs. */
export function ScheduledTime({ iso, zone }: { iso: string | null | undefined; zone: string }) {
  const t = whenScheduled(iso, zone);
  return (
    <>
      {t.main}
      {t.local && <div class="sub">{t.local}</div>}
    </>
  );
}

function ScheduleRow({ initial }: { initial: ExportSchedule }) {
  const [s, setS] = useState(initial);
  return (
    <tr data-schedule-id={s.id}>
      <td>
        <Link href={`/console/schedules/${s.id}`}>{scheduleLabel(s)}</Link>
        <div class="sub">
          {s.type} · {s.format}
          {s.compression === 'gzip' ? ' · gzip' : ''}
        </div>
        <div class="sub show-phone">
          <code>{s.cron}</code> {s.timezone}
        </div>
        {s.ownerRevokedAt && <div class="sub error-text">owner revoked: {s.ownerRevokedReason}</div>}
      </td>
      <td class="hide-phone">
        <code>{s.cron}</code>
        <div class="sub">{s.timezone}</div>
      </td>
      <td>{s.enabled ? <ScheduledTime iso={s.nextRunAt} zone={s.timezone} /> : <span class="sub">paused</span>}</td>
      <td class="hide-phone">{s.lastRunAt ? <Link href={`/console/schedules/${s.id}#runs`}>{whenIn(s.lastRunAt, s.timezone)}</Link> : '—'}</td>
      <td>
        <EnabledToggle schedule={s} onChange={setS} />
      </td>
    </tr>
  );
}

export function SchedulesPage() {
  const [offset, setOffset] = useState(0);
  const types = useLoad(() => get<ExportType[]>('/exports/types'), []);
  const list = useLoad(() => get<Page<ExportSchedule>>(`/export-schedules${query({ offset, limit: 20 })}`), [offset]);
  useRetryWhileUnreachable([types, list]);
  return (
    <section>
      <h1 tabIndex={-1}>Schedules</h1>
      <p class="hint">Recurring exports: each tick creates an export (listed on the Exports page) as the schedule's owner.</p>
      <ProblemBox error={types.error} />
      {types.data && <ScheduleForm types={types.data} onCreated={() => (setOffset(0), list.reload())} />}
      <PagedList
        title="Your schedules"
        list={refreshingToo(list, types)}
        columns={['Schedule', { label: 'When', hidePhone: true }, 'Next run', { label: 'Last run', hidePhone: true }, 'Enabled']}
        row={(s) => <ScheduleRow key={`${s.id}-${s.updatedAt}`} initial={s} />}
        empty="No schedules yet."
        offset={offset}
        limit={20}
        onOffset={setOffset}
      />
    </section>
  );
}
