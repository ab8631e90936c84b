import { Command } from 'commander';
import type { ExportSchedule } from '@porter/scheduling';
import { integer } from '../args';
import { Page } from '../client';
import { EXIT } from '../errors';
import { checkOutputTarget } from '../output-target';
import { emptyPageLine, oneLine, table } from '../table';
import { shortTime } from '../terminal';
import { contextOf } from './context';
import { addExportShapeOptions, downloadWhenDone, ExportInfo, exportShapeBody, requireOptions } from './export-request';

/** A schedule as /api/v1/export-schedules answers it: the scheduling module's public entity (a type only). */
export type { ExportSchedule };

/** A run as GET …/runs and POST …/run-now answer it: its export's ExportInfo (id null when there is none to read) and the run. */
export interface ScheduleRun extends Omit<ExportInfo, 'id' | 'jobId'> {
  id: string | null;
  jobId: string | null;
  run: { id: string; tickAt: string; trigger: string; status: string; exportId: string | null; error: string | null; missedTicks: number };
}

const BASE = '/api/v1/export-schedules';
const pathOf = (id: string) => `${BASE}/${encodeURIComponent(id)}`;
/** How many of a schedule's latest runs `show` prints. */
const RECENT_RUNS = 10;

/** `csv`, or `csv (gzip)` for a compressed file. */
const formatOf = (s: { format: string; compression?: string }) => (s.compression && s.compression !== 'none' ? `${s.format} (${s.compression})` : s.format);
export const stateOf = (s: ExportSchedule) => (s.enabled ? 'enabled' : 'paused');

/** `2026-12-07 06:00` in `timezone` (the wall clock the cron is read in); null when the zone is unknown here. */
export function wallClock(iso: string, timezone: string): string | null {
  try {
    return new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
  } catch {
    return null;
  }
}

/** A tick in UTC, with the schedule's own wall clock beside it: `2026-12-07 05:00:00Z (2026-12-07 06:00 Europe/Berlin)`. */
export function tickLine(iso: string, timezone: string): string {
  const local = wallClock(iso, timezone);
  return `${shortTime(iso)}${local ? ` (${local} ${timezone})` : ''}`;
}

/** `schedules ls`: one row per schedule, the name cut at 40 columns. */
export function schedulesTable(items: ExportSchedule[]): string[] {
  return table(
    [
      ['ID', 'NAME', 'TYPE', 'FORMAT', 'CRON', 'TIMEZONE', 'STATE', 'NEXT RUN'],
      ...items.map((s) => [s.id, s.name ?? '', s.type, formatOf(s), s.cron, s.timezone, stateOf(s), shortTime(s.nextRunAt)]),
    ],
    [undefined, 40, undefined, undefined, 30],
  );
}

/** What a run came to, in a few words: the export's status and rows, or why there is no export. */
function outcomeOf(r: ScheduleRun): string {
  if (r.id === null) return r.errorMessage ?? r.run.error ?? '';
  if (r.status === 'succeeded') return `${r.itemsCount ?? 0} rows${r.result ? `, ${r.result.fileName}` : ''}`;
  return r.errorMessage ?? '';
}

/** `schedules show`: the schedule, its next ticks and its latest runs. */
export function scheduleLines(s: ExportSchedule, runs: Page<ScheduleRun>): string[] {
  const filters = Object.entries(s.filters ?? {}).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const next = s.nextRuns ?? (s.nextRunAt ? [s.nextRunAt] : []);
  const indent = ' '.repeat(11);
  return [
    `${s.id}${s.name ? `  "${oneLine(s.name)}"` : ''}`,
    `export     ${s.type} ${formatOf(s)}`,
    `columns    ${s.columns?.length ? s.columns.join(', ') : '(all)'}`,
    ...(filters.length ? [`filters    ${filters.join(', ')}`] : []),
    ...(s.scopeIds?.length ? [`scopes     ${s.scopeIds.join(', ')}`] : []),
    `cron       ${s.cron} in ${s.timezone}`,
    `state      ${stateOf(s)}`,
    ...(s.enabled && next.length ? next.map((tick, i) => `${i === 0 ? 'next runs  ' : indent}${tickLine(tick, s.timezone)}`) : [`next runs  none (paused: porter schedules resume ${s.id})`]),
    `last run   ${shortTime(s.lastRunAt)}`,
    `owner      ${s.createdBy} (${s.createdByKind})`,
    ...(s.ownerRevokedAt ? [`revoked    ${shortTime(s.ownerRevokedAt)}${s.ownerRevokedReason ? `: ${oneLine(s.ownerRevokedReason)}` : ''} (its runs fail)`] : []),
    `runs       ${runs.items.length ? `latest first, ${runs.items.length} of ${runs.totalRecords}` : 'none yet'}`,
    ...(runs.items.length
      ? table([['TICK', 'TRIGGER', 'EXPORT', 'STATUS', 'OUTCOME'], ...runs.items.map((r) => [shortTime(r.run.tickAt), r.run.trigger, r.id ?? '-', r.status, outcomeOf(r)])], [
          undefined,
          undefined,
          undefined,
          undefined,
          80,
        ]).map((line) => `  ${line}`)
      : []),
  ];
}

/**
 * What `run-now` answered when its run has no export to follow: failed for good (exit 1), or
 * claimed and waiting for a retry by the worker's passes (its error says why).
 */
export function runWithoutExportLine(scheduleId: string, r: ScheduleRun): string {
  const reason = r.errorMessage ?? r.run.error;
  if (r.run.status === 'failed' || r.status === 'failed') return `Run ${r.run.id} of schedule ${scheduleId} failed${reason ? `: ${reason.replace(/\.+$/, '')}` : ''}.`;
  return `Run ${r.run.id} of schedule ${scheduleId} is ${r.run.status}, its export not requested yet${reason ? ` (${reason.replace(/\.+$/, '')})` : ''}; the worker tries again (porter schedules show ${scheduleId}).`;
}

export function schedulesCommand(): Command {
  const schedules = new Command('schedules').description('recurring exports: list, show, create, pause, resume, run now and delete schedules');

  schedules
    .command('ls')
    .description('schedules you manage (a tenant admin: all of the tenant), newest first')
    .option('--limit <n>', 'how many (at most 1000)', integer, 20)
    .option('--offset <n>', 'skip this many', integer, 0)
    .action(async (options, command: Command) => {
      const { client, out } = contextOf(command);
      const page = await client.get<Page<ExportSchedule>>(`${BASE}?${new URLSearchParams({ limit: String(options.limit), offset: String(options.offset) })}`);
      out.result(page, () =>
        page.items.length ? [...schedulesTable(page.items), `${page.items.length} of ${page.totalRecords} schedule(s)`] : [emptyPageLine('schedules', page.totalRecords, options.offset)],
      );
    });

  schedules
    .command('show')
    .description('one schedule with its next runs and its latest runs')
    .argument('<id>')
    .action(async (id: string, _options, command: Command) => {
      const { client, out } = contextOf(command);
      const [schedule, runs] = await Promise.all([client.get<ExportSchedule>(pathOf(id)), client.get<Page<ScheduleRun>>(`${pathOf(id)}/runs?limit=${RECENT_RUNS}`)]);
      out.result({ schedule, runs }, () => scheduleLines(schedule, runs));
    });

  const create = schedules
    .command('create')
    .description('create a recurring export: the export of TYPE on a cron, in a time zone, as you')
    .argument('<type>', 'export type (GET /api/v1/exports/types)');
  addExportShapeOptions(create, 'a name for the schedule (and for every export it creates)')
    .option('--cron <expression>', 'five fields "minute hour day-of-month month day-of-week", or @hourly, @daily, @weekly, @monthly, @yearly (required)')
    .option('--timezone <zone>', 'IANA time zone the cron is read in, e.g. Europe/Berlin or UTC (required)')
    .option('--paused', 'create it paused (no runs until `porter schedules resume`)')
    .action(async (type: string, options, command: Command) => {
      requireOptions(command, options, ['format', 'cron', 'timezone']);
      const { client, out } = contextOf(command);
      const body = { ...exportShapeBody(type, options), cron: options.cron, timezone: options.timezone, ...(options.paused ? { enabled: false } : {}) };
      const s = await client.json<ExportSchedule>('POST', BASE, body);
      out.result(s, () => [
        `Schedule ${s.id} created (${stateOf(s)}).`,
        s.enabled && s.nextRunAt ? `Next run: ${tickLine(s.nextRunAt, s.timezone)}` : `Paused: resume it with porter schedules resume ${s.id}`,
      ]);
    });

  for (const [name, enabled] of [['pause', false], ['resume', true]] as const) {
    schedules
      .command(name)
      .description(enabled ? 'resume a paused schedule: it runs from its next tick after now' : 'pause a schedule: no runs until it is resumed (run-now still works)')
      .argument('<id>')
      .action(async (id: string, _options, command: Command) => {
        const { client, out } = contextOf(command);
        const s = await client.json<ExportSchedule>('PATCH', pathOf(id), { enabled });
        out.result(s, () => (s.enabled ? `Schedule ${s.id} resumed; next run ${s.nextRunAt ? tickLine(s.nextRunAt, s.timezone) : '-'}.` : `Schedule ${s.id} paused.`));
      });
  }

  schedules
    .command('run-now')
    .description('run a schedule once now, as its owner (also while paused; its ticks do not move); with --wait (or -o) download the file')
    .argument('<id>')
    .option('--wait', 'wait for the file, showing progress, then download it')
    .option('-o, --output <file>', "where to save the file (implies --wait; default: the server's file name, in the current directory)")
    .action(async (id: string, options, command: Command) => {
      const ctx = contextOf(command);
      const destination = options.wait || options.output !== undefined ? checkOutputTarget(options.output) : null;
      const ran = await ctx.client.json<ScheduleRun>('POST', `${pathOf(id)}/run-now`);
      if (ran.id === null || ran.jobId === null) {
        ctx.out.result(ran, () => runWithoutExportLine(id, ran));
        // Failed for good, or nothing to wait for yet: not the file that was asked for.
        if (ran.status === 'failed' || ran.run.status === 'failed' || destination) process.exitCode = EXIT.failed;
        return;
      }
      const requested = { id: ran.id, jobId: ran.jobId };
      if (!destination) {
        ctx.out.result(ran, () => [`Schedule ${id} ran now: export ${ran.id} (job ${ran.jobId}, ${ran.status}).`, `Follow it: porter jobs watch ${ran.jobId}`]);
        return;
      }
      ctx.out.note(`Schedule ${id} ran now: export ${ran.id} (job ${ran.jobId}).`);
      await downloadWhenDone(ctx, requested, `export ${ran.type}`, destination, { run: ran.run });
    });

  schedules
    .command('rm')
    .description('delete a schedule and its run history (the exports it made stay)')
    .argument('<id>')
    .action(async (id: string, _options, command: Command) => {
      const { client, out } = contextOf(command);
      await client.json('DELETE', pathOf(id));
      out.result({ id, deleted: true }, () => `Schedule ${id} deleted (the exports it made stay).`);
    });

  return schedules;
}
