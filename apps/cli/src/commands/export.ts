import { Command } from 'commander';
import { CliError, EXIT } from '../errors';
import { checkOutputTarget } from '../output-target';
import { contextOf } from './context';
import { addExportShapeOptions, downloadWhenDone, ExportInfo, exportShapeBody, requireOptions } from './export-request';

export function exportCommand(): Command {
  const command = new Command('export')
    .description('request an export; with --wait (or -o) show its progress and download the file')
    .argument('<type>', 'export type (GET /api/v1/exports/types)');
  return addExportShapeOptions(command, 'a name for the export job')
    .option('--schedule <iso-time>', 'run at this time instead of now (ISO 8601)')
    .option('--notify-email', "mail a download link when the file is ready, to the token's email claim (`porter token --email`; the server needs SMTP_URL)")
    .option('--wait', 'wait for the file, showing progress, then download it')
    .option('-o, --output <file>', "where to save the file (implies --wait; default: the server's file name, in the current directory)")
    .action(async (type: string, options, command: Command) => {
      requireOptions(command, options, ['format']);
      const ctx = contextOf(command);
      if (options.schedule && Number.isNaN(Date.parse(options.schedule))) throw new CliError(`--schedule must be an ISO 8601 time, got "${options.schedule}"`, EXIT.usage);
      // Where the file goes is checked before the export is requested, not after it ran.
      const destination = options.wait || options.output !== undefined ? checkOutputTarget(options.output) : null;
      const body = exportShapeBody(type, options);
      if (options.schedule) body.scheduledFor = new Date(options.schedule).toISOString();
      if (options.notifyEmail) body.notify = { email: true };
      const created = await ctx.client.json<ExportInfo>('POST', '/api/v1/exports', body);
      if (!destination) {
        ctx.out.result(created, () => [`Export ${created.id} requested (job ${created.jobId}, ${created.status}).`, `Follow it: porter jobs watch ${created.jobId}`]);
        return;
      }
      ctx.out.note(`Export ${created.id} requested (job ${created.jobId}).`);
      await downloadWhenDone(ctx, created, `export ${type}`, destination);
    });
}
