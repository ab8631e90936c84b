import { Command, Option } from 'commander';
import { collectFilter, list } from '../args';
import { EXIT } from '../errors';
import { OutputTarget } from '../output-target';
import { formatBytes, Progress } from '../terminal';
import { retryWhileUnreachable, RetryOptions, WAIT_RETRY } from '../retry';
import { endedLine, stillRunningError, TERMINAL, unreachableNote, waitForJob } from '../watch-job';
import { Context } from './context';

/** An export as GET /api/v1/exports/{id} returns it (the fields the CLI reads). */
export interface ExportInfo {
  id: string;
  jobId: string;
  type: string;
  format: string;
  status: string;
  compression?: string;
  itemsCount: number | null;
  errorMessage: string | null;
  downloadUrl?: string | null;
  result: { fileName: string; sizeBytes: number } | null;
}

/** `compression` of POST /exports and POST /export-schedules (gzip: CSV and JSONL only, the server says so otherwise). */
export const COMPRESSIONS = ['none', 'gzip'];
export const FORMATS = ['csv', 'xlsx', 'jsonl'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The options that say what file an export makes, shared by `porter export` and
 * `porter schedules create`: -f, --columns, --filter, --scope, --compression, --name.
 * -f is required but checked in the action (requireOptions): commander checks mandatory options
 * before arguments, so a command given nothing would complain about -f instead of the missing type.
 */
export function addExportShapeOptions(command: Command, nameHelp: string): Command {
  return command
    .addOption(new Option('-f, --format <format>', 'file format (required)').choices(FORMATS))
    .option('--columns <a,b>', 'columns to include, in order (sent as given)', list)
    .option('--filter <key=value>', "a filter of the type's filter schema (repeatable)", collectFilter, {})
    .option('--scope <s1,s2>', 'operational scope ids (local export types)', list)
    .addOption(new Option('--compression <compression>', 'gzip the file (CSV and JSONL): it is then NAME.csv.gz or NAME.jsonl.gz').choices(COMPRESSIONS))
    .option('--name <name>', nameHelp);
}

/**
 * A usage error (exit 2, commander's own wording) for the first of `names` the user left out, in
 * the order given.
 */
export function requireOptions(command: Command, options: Record<string, unknown>, names: string[]): void {
  for (const name of names) {
    if (options[name] !== undefined) continue;
    const option = command.options.find((o) => o.attributeName() === name);
    command.error(`error: required option '${option?.flags ?? `--${name}`}' not specified`, { exitCode: 1, code: 'commander.missingMandatoryOptionValue' });
  }
}

/** The request fields of those options (only what was given: the server's defaults otherwise). */
export function exportShapeBody(type: string, options: { format: string; columns?: string[]; filter?: Record<string, unknown>; scope?: string[]; compression?: string; name?: string }): Record<string, unknown> {
  const body: Record<string, unknown> = { type, format: options.format };
  if (options.filter && Object.keys(options.filter).length) body.filters = options.filter;
  if (options.columns) body.columns = options.columns;
  if (options.scope) body.scopeIds = options.scope;
  if (options.compression) body.compression = options.compression;
  if (options.name) body.name = options.name;
  return body;
}

/**
 * `--wait` / `-o` of an export that was just requested (by `porter export` or `schedules run-now`):
 * its job's progress until it ends, then the file downloaded to `destination` (a directory
 * receives it under the server's name: `employees-2026-12-07-1f2e3d4c.csv.gz`). An export that
 * did not succeed prints its status and reason, exit 1. `extra` goes into the JSON document.
 */
export async function downloadWhenDone(
  { client, out }: Context,
  requested: { id: string; jobId: string },
  label: string,
  destination: OutputTarget,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const job = await waitForJob(client, out, requested.jobId, label, 'rows');
  // The job has ended, but the API may be restarting still (or again): the reads and the start of
  // the download are retried like the waiting's, the file being there to fetch once it is back.
  const retry = (bar?: Progress): RetryOptions => ({
    onUnreachable: unreachableNote(out, bar),
    giveUp: (error) => stillRunningError(error, requested.jobId, WAIT_RETRY.giveUpAfterMs, true),
  });
  // The export record follows its job's end a moment later.
  let info: ExportInfo | undefined;
  for (let i = 0; i < 100; i++) {
    info = await retryWhileUnreachable(() => client.get<ExportInfo>(`/api/v1/exports/${encodeURIComponent(requested.id)}`), retry());
    if (TERMINAL.includes(info.status)) break;
    await sleep(200);
  }
  const ended = info!;
  if (job.status !== 'succeeded' || ended.status !== 'succeeded') {
    const status = ended.status === 'succeeded' ? job.status : ended.status;
    out.result({ ...extra, export: ended, job }, () => endedLine(`Export ${ended.id}`, status, ended.errorMessage ?? job.errorDetails));
    process.exitCode = EXIT.failed;
    return;
  }
  const bar = out.progress(`download ${ended.result?.fileName ?? ended.id}`, 'bytes');
  let saved: { file: string; bytes: number };
  try {
    saved = await client.download(`/api/v1/exports/${encodeURIComponent(ended.id)}/download`, destination.target, destination.isDirectory, (received, total) =>
      bar.update(total ? (received / total) * 100 : null, received, total, 'downloading'),
      retry(bar),
    );
    bar.update(100, saved.bytes, saved.bytes, 'downloaded');
  } finally {
    bar.stop();
  }
  out.result({ ...extra, export: ended, file: saved.file, bytes: saved.bytes }, () => `Saved ${saved.file} (${ended.itemsCount ?? 0} rows, ${formatBytes(saved.bytes)}).`);
}
