import { Command, InvalidArgumentError, Option } from 'commander';
import { CliError, EXIT } from '../errors';
import { checkOutputTarget } from '../output-target';
import { formatBytes } from '../terminal';
import { endedLine, TERMINAL, waitForJob } from '../watch-job';
import { contextOf } from './context';

interface ExportInfo {
  id: string;
  jobId: string;
  type: string;
  format: string;
  status: string;
  itemsCount: number | null;
  errorMessage: string | null;
  downloadUrl: string | null;
  result: { fileName: string; sizeBytes: number } | null;
}

/** `--filter k=v`, repeatable; `true`/`false` become booleans, anything else stays a string. */
function collectFilter(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  const key = value.slice(0, at);
  const raw = value.slice(at + 1);
  return { ...previous, [key]: raw === 'true' ? true : raw === 'false' ? false : raw };
}

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function exportCommand(): Command {
  return new Command('export')
    .description('request an export; with --wait (or -o) show its progress and download the file')
    .argument('<type>', 'export type (GET /api/v1/exports/types)')
    // Required, but checked in the action: commander checks mandatory options before arguments,
    // so `porter export` alone would complain about -f instead of the missing type.
    .addOption(new Option('-f, --format <format>', 'file format (required)').choices(['csv', 'xlsx', 'jsonl']))
    .option('--columns <a,b>', 'columns to include, in order (sent as given)', list)
    .option('--filter <key=value>', "a filter of the type's filter schema (repeatable)", collectFilter, {})
    .option('--scope <s1,s2>', 'operational scope ids (local export types)', list)
    .option('--name <name>', 'a name for the export job')
    .option('--schedule <iso-time>', 'run at this time instead of now (ISO 8601)')
    .option('--wait', 'wait for the file, showing progress, then download it')
    .option('-o, --output <file>', 'where to save the file (implies --wait; default: its name, in the current directory)')
    .action(async (type: string, options, command: Command) => {
      if (!options.format) command.error("error: required option '-f, --format <format>' not specified", { exitCode: 1, code: 'commander.missingMandatoryOptionValue' });
      const { client, out } = contextOf(command);
      if (options.schedule && Number.isNaN(Date.parse(options.schedule))) throw new CliError(`--schedule must be an ISO 8601 time, got "${options.schedule}"`, EXIT.usage);
      // Where the file goes is checked before the export is requested, not after it ran.
      const destination = options.wait || options.output !== undefined ? checkOutputTarget(options.output) : null;
      const body: Record<string, unknown> = { type, format: options.format };
      if (Object.keys(options.filter).length) body.filters = options.filter;
      if (options.columns) body.columns = options.columns;
      if (options.scope) body.scopeIds = options.scope;
      if (options.name) body.name = options.name;
      if (options.schedule) body.scheduledFor = new Date(options.schedule).toISOString();
      const created = await client.json<ExportInfo>('POST', '/api/v1/exports', body);
      if (!destination) {
        out.result(created, () => [`Export ${created.id} requested (job ${created.jobId}, ${created.status}).`, `Follow it: porter jobs watch ${created.jobId}`]);
        return;
      }
      out.note(`Export ${created.id} requested (job ${created.jobId}).`);
      const job = await waitForJob(client, out, created.jobId, `export ${type}`, 'rows');
      // The export record follows its job's end a moment later.
      let info = created;
      for (let i = 0; i < 100; i++) {
        info = await client.get<ExportInfo>(`/api/v1/exports/${created.id}`);
        if (TERMINAL.includes(info.status)) break;
        await sleep(200);
      }
      if (job.status !== 'succeeded' || info.status !== 'succeeded') {
        const status = info.status === 'succeeded' ? job.status : info.status;
        out.result({ export: info, job }, () => endedLine(`Export ${info.id}`, status, info.errorMessage ?? job.errorDetails));
        process.exitCode = EXIT.failed;
        return;
      }
      const saved = await client.download(`/api/v1/exports/${info.id}/download`, destination.target, destination.isDirectory);
      out.result({ export: info, file: saved.file, bytes: saved.bytes }, () => `Saved ${saved.file} (${info.itemsCount ?? 0} rows, ${formatBytes(saved.bytes)}).`);
    });
}
