import { Command } from 'commander';
import { integer } from '../args';
import { Page } from '../client';
import { EXIT } from '../errors';
import { emptyPageLine, oneLine, table } from '../table';
import { shortTime as short } from '../terminal';
import { endedLine, Job, waitForJob } from '../watch-job';
import { contextOf } from './context';


/** A job's percent; a job that succeeded with no total (an export of no rows) is done: 100%, as in the console. */
export const percentOf = (job: Pick<Job, 'status' | 'progress'>) => {
  const percent = job.progress.percent ?? (job.status === 'succeeded' ? 100 : null);
  return percent === null ? '' : `${Math.floor(percent)}%`;
};

async function endedWith(job: Job): Promise<void> {
  if (job.status !== 'succeeded') process.exitCode = EXIT.failed;
}

/** What `jobs ls` prints instead of an empty table. */
export function noJobsLine(total: number, offset: number, filtered: boolean): string {
  return emptyPageLine('jobs', total, offset, filtered);
}

export function jobsCommand(): Command {
  const jobs = new Command('jobs').description('list, show, follow, cancel and retry jobs');

  jobs
    .command('ls')
    .description('jobs you may see, newest first')
    .option('--status <status>', 'only jobs in this status')
    .option('--type <type>', 'only jobs of this type')
    .option('--limit <n>', 'how many (at most 1000)', integer, 20)
    .option('--offset <n>', 'skip this many', integer, 0)
    .action(async (options, command: Command) => {
      const { client, out } = contextOf(command);
      const q = new URLSearchParams({ limit: String(options.limit), offset: String(options.offset) });
      if (options.status) q.set('status', options.status);
      if (options.type) q.set('type', options.type);
      const page = await client.get<Page<Job>>(`/api/v1/jobs?${q}`);
      out.result(page, () =>
        page.items.length
          ? [
              // A name is cut at 40 columns (one line, "…"): the status and progress stay on the row.
              ...table([['ID', 'TYPE', 'NAME', 'STATUS', 'PROGRESS', 'SUBMITTED'], ...page.items.map((j) => [j.id, j.type, j.name ?? '', j.status, percentOf(j), short(j.submittedAt)])], [undefined, undefined, 40]),
              `${page.items.length} of ${page.totalRecords} job(s)`,
            ]
          : [noJobsLine(page.totalRecords, options.offset, Boolean(options.status || options.type))],
      );
    });

  jobs
    .command('show')
    .description('one job with its events and output files')
    .argument('<id>')
    .action(async (id: string, _options, command: Command) => {
      const { client, out } = contextOf(command);
      const path = `/api/v1/jobs/${encodeURIComponent(id)}`;
      const [job, events, files] = await Promise.all([
        client.get<Job>(path),
        client.get<Array<{ type: string; at: string; actor: string | null }>>(`${path}/events`),
        client.get<Array<{ name: string; sizeBytes: number; contentType: string }>>(`${path}/files`),
      ]);
      out.result({ job, events, files }, () => [
        `${job.id}  ${job.type}${job.name ? ` "${oneLine(job.name)}"` : ''}`,
        `status     ${job.status}${job.position !== null ? ` (#${job.position} in queue)` : ''}`,
        `progress   ${job.progress.processed}${job.progress.total !== null ? `/${job.progress.total}` : ''} ${percentOf(job)}`,
        `submitted  ${short(job.submittedAt)} by ${job.submittedBy}`,
        `started    ${short(job.startedAt)}`,
        `completed  ${short(job.completedAt)}`,
        `attempts   ${job.attempts}`,
        ...(job.errorDetails ? [`error      ${job.errorDetails}`] : []),
        'events:',
        ...events.map((e) => `  ${short(e.at)}  ${e.type}${e.actor ? ` (${e.actor})` : ''}`),
        'files:',
        ...(files.length ? files.map((f) => `  ${f.name}  ${f.sizeBytes} B  ${f.contentType}`) : ['  (none)']),
      ]);
    });

  jobs
    .command('watch')
    .description('follow a job until it ends (exit 0 when it succeeded, 1 otherwise)')
    .argument('<id>')
    .action(async (id: string, _options, command: Command) => {
      const { client, out } = contextOf(command);
      const job = await waitForJob(client, out, id, `job ${id.slice(0, 8)}`, 'items');
      out.result(job, () => endedLine(`Job ${job.id}`, job.status, job.errorDetails));
      await endedWith(job);
    });

  jobs
    .command('cancel')
    .description('cancel a scheduled, pending or running job')
    .argument('<id>')
    .action(async (id: string, _options, command: Command) => {
      const { client, out } = contextOf(command);
      const job = await client.json<Job>('POST', `/api/v1/jobs/${encodeURIComponent(id)}/cancel`);
      out.result(job, () => `Job ${job.id} ${job.status}.`);
    });

  jobs
    .command('retry')
    .description('run a failed or cancelled job again')
    .argument('<id>')
    .option('--wait', 'follow it until it ends')
    .action(async (id: string, options, command: Command) => {
      const { client, out } = contextOf(command);
      const retried = await client.json<Job>('POST', `/api/v1/jobs/${encodeURIComponent(id)}/retry`);
      if (!options.wait) {
        out.result(retried, () => `Job ${retried.id} ${retried.status}.`);
        return;
      }
      // Ended: the same line as `jobs watch`, with the reason of a job that did not succeed.
      const job = await waitForJob(client, out, id, `job ${id.slice(0, 8)}`, 'items');
      out.result(job, () => endedLine(`Job ${job.id}`, job.status, job.errorDetails));
      await endedWith(job);
    });

  return jobs;
}
