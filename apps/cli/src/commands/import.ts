import { Command, Option } from 'commander';
import { existsSync, statSync } from 'fs';
import * as path from 'path';
import { ApiProblemError, CliError, EXIT } from '../errors';
import { formatBytes } from '../terminal';
import { retryWhileUnreachable, WAIT_RETRY } from '../retry';
import { stillRunningError, unreachableNote, waitForJob } from '../watch-job';
import { contextOf } from './context';
import { ImportBatch, importSummary } from './import-summary';

interface ImportRecord {
  id: string;
  type: string;
  status: string;
}

const BATCH_ENDED = ['completed', 'failed', 'partially_failed'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `people.csv` → `people.failed-rows.csv`, beside it. */
export function failedRowsPath(file: string): string {
  const parsed = path.parse(path.resolve(file));
  return path.join(parsed.dir, `${parsed.name}.failed-rows.csv`);
}

export function importCommand(): Command {
  return new Command('import')
    .description('upload a file as an import; with --wait show processing, print a summary and save failed rows beside the file')
    .argument('<type>', 'import type (GET /api/v1/imports/types)')
    .argument('<file>', 'CSV, XLSX or JSONL file')
    .option('--dry-run', 'validate every row, write nothing')
    .addOption(new Option('--on-error <mode>', 'go on past failed rows, or stop the batch at the first').choices(['continue', 'abort']))
    .option('--wait', 'wait until the rows are processed')
    .action(async (type: string, file: string, options, command: Command) => {
      const { client, out } = contextOf(command);
      if (!existsSync(file)) throw new CliError(`${file}: no such file`, EXIT.usage);
      if (!statSync(file).isFile()) throw new CliError(`${file}: not a file (a directory or a device); give the file to import`, EXIT.usage);
      const size = statSync(file).size;
      const limits = await client.get<{ maxUploadBytes: number }>('/api/v1/imports/configuration').catch((error) => {
        if (error instanceof ApiProblemError && error.problem?.status === 404) return null;
        throw error;
      });
      if (limits && size > limits.maxUploadBytes) {
        throw new CliError(`${file} is ${formatBytes(size)}: larger than the server accepts (${formatBytes(limits.maxUploadBytes)})`, EXIT.usage);
      }
      const record = await client.json<ImportRecord>('POST', '/api/v1/imports', {
        type,
        sourceName: path.basename(file),
        expectedReferenceCount: -1,
        options: { ...(options.dryRun ? { dryRun: true } : {}), ...(options.onError ? { onError: options.onError } : {}) },
      });
      const upload = out.progress(`upload ${path.basename(file)}`, 'bytes');
      let batch: ImportBatch;
      try {
        const answer = await client.upload<ImportBatch | ImportBatch[]>(`/api/v1/imports/${record.id}/batches`, file, (sent, total) =>
          upload.update((sent / Math.max(1, total)) * 100, sent, total, 'uploading'),
        );
        batch = Array.isArray(answer) ? answer[0] : answer;
        upload.update(100, size, size, 'uploaded');
        upload.stop();
      } catch (error) {
        upload.stop();
        // The refused upload left the record without a batch: removed, so no empty record stays
        // `created` for ever. Best effort: the refusal is what is reported either way.
        await client.request('DELETE', `/api/v1/imports/${record.id}`).catch(() => undefined);
        throw error;
      }
      await client.json('POST', `/api/v1/imports/${record.id}/finalize`);
      if (!options.wait) {
        out.result({ record, batch }, () => [`Import ${record.id}: ${path.basename(file)} uploaded (batch ${batch.id}, job ${batch.jobId}).`, `Follow it: porter jobs watch ${batch.jobId}`]);
        return;
      }
      await waitForJob(client, out, batch.jobId, `import ${type}`, 'rows');
      // The job has ended; the API may still be restarting (or again): read on like the waiting.
      const retry = {
        onUnreachable: unreachableNote(out),
        giveUp: (error: CliError) => stillRunningError(error, batch.jobId, WAIT_RETRY.giveUpAfterMs, true),
      };
      const get = <T>(apiPath: string) => retryWhileUnreachable(() => client.get<T>(apiPath), retry);
      // The batch's counts settle with its end, a moment after its job's.
      for (let i = 0; i < 100; i++) {
        batch = await get<ImportBatch>(`/api/v1/imports/${record.id}/batches/${batch.id}`);
        if (BATCH_ENDED.includes(batch.status)) break;
        await sleep(200);
      }
      // The record as it is now, not as POST /imports made it (no batches, not finalized): it
      // completes with its last batch, again a moment later.
      let finished = record;
      for (let i = 0; i < 100; i++) {
        finished = await get<ImportRecord>(`/api/v1/imports/${record.id}`);
        if (finished.status === 'completed') break;
        await sleep(200);
      }
      const c = batch.counts;
      const failed = c.failed + c.partiallyFailed;
      let failedRowsFile: string | null = null;
      if (failed > 0) {
        failedRowsFile = (await client.download(`/api/v1/imports/${record.id}/batches/${batch.id}/failed-rows`, failedRowsPath(file), false, undefined, retry)).file;
      }
      const dryRun = options.dryRun === true;
      out.result({ record: finished, batch, dryRun, failedRowsFile }, () => importSummary(path.basename(file), batch, dryRun, failedRowsFile));
      if (failed > 0 || batch.status === 'failed') process.exitCode = EXIT.failed;
    });
}
