import { Readable } from 'stream';
import { TestingModule } from '@nestjs/testing';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { FILE_STORAGE, FileStorage, PG_POOL, TransactionRunner } from '@porter/platform';
import { DiscardJobAttachmentsCommand, StagedJobAttachments, StageJobAttachmentsCommand } from '../public/actions/stage-job-attachments.command';
import { SubmitJobCommand } from '../public/actions/submit-job.command';
import { ListJobFilesQuery } from '../public/queries/list-job-files.query';
import type { JobAttachmentUpload } from '../public/actions/attach-job-files.command';
import { jobQueueContext, users } from '../test-support/job-queue-test-context';

async function* uploads(files: Array<[string, string]>): AsyncGenerator<JobAttachmentUpload> {
  for (const [name, text] of files) yield { stream: Readable.from([Buffer.from(text)]), fileName: name, contentType: 'text/plain' };
}

/**
 * Request-time attachments (ADR 060): staged under the id the job will get, recorded by
 * SubmitJobCommand in the submit's transaction. A rolled-back submit records none (the caller
 * discards the bytes); an idempotent replay discards them itself.
 */
describe('staged job attachments and SubmitJobCommand (Postgres, local storage)', () => {
  let ctx: TestingModule;
  let pool: Pool;
  let storage: FileStorage;
  let commands: CommandBus;

  beforeAll(async () => {
    ctx = await jobQueueContext({ worker: false });
    pool = ctx.get<Pool>(PG_POOL);
    storage = ctx.get<FileStorage>(FILE_STORAGE);
    commands = ctx.get(CommandBus);
  });
  afterAll(async () => {
    await ctx?.close();
  });

  const stage = (who: ReturnType<typeof users>['alice'], files: Array<[string, string]>): Promise<StagedJobAttachments> =>
    commands.execute(new StageJobAttachmentsCommand(who, uploads(files)));
  const stored = async (staged: StagedJobAttachments) => Promise.all(staged.files.map(async (f) => (await storage.stat(f.storageKey)) !== null));
  const rows = async (jobId: string) => (await pool.query(`SELECT name FROM job_queue.job_attachment WHERE job_id = $1 ORDER BY name`, [jobId])).rows.map((r) => r.name);

  it('the job gets the staged id and its attachments in the same commit; they are listed with its files', async () => {
    const { alice } = users();
    const staged = await stage(alice, [['notes.txt', 'n'], ['template.csv', 'a,b\n']]);
    expect(await stored(staged)).toEqual([true, true]);
    const { jobId, created } = await commands.execute(new SubmitJobCommand(alice, 'porter-test.noop', {}, { attachments: staged }));
    expect(created).toBe(true);
    expect(jobId).toBe(staged.jobId);
    const files = await ctx.get(QueryBus).execute(new ListJobFilesQuery(alice, jobId));
    expect(files.map((f: { name: string; kind: string; sizeBytes: number }) => [f.name, f.kind, f.sizeBytes])).toEqual([
      ['notes.txt', 'attachment', 1],
      ['template.csv', 'attachment', 4],
    ]);
  });

  it('the submit leaves no staging note behind; a request the purge already swept (it outlived the staging age) is refused (409): no job, no attachment without its file', async () => {
    const { alice } = users();
    const kept = await stage(alice, [['notes.txt', 'n']]);
    await commands.execute(new SubmitJobCommand(alice, 'porter-test.noop', {}, { attachments: kept }));
    const notes = async (staged: StagedJobAttachments) =>
      (await pool.query(`SELECT count(*)::int AS n FROM job_queue.staged_attachment WHERE storage_key = ANY($1::text[])`, [staged.files.map((f) => f.storageKey)])).rows[0].n;
    expect(await notes(kept)).toBe(0);

    const slow = await stage(alice, [['a.txt', 'a'], ['b.txt', 'b']]);
    // The purge judged one of its files dead meanwhile: its note and bytes are gone.
    await pool.query(`DELETE FROM job_queue.staged_attachment WHERE storage_key = $1`, [slow.files[1].storageKey]);
    await storage.delete(slow.files[1].storageKey);
    await expect(commands.execute(new SubmitJobCommand(alice, 'porter-test.noop', {}, { attachments: slow }))).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringContaining('send it again'),
    });
    expect((await pool.query(`SELECT 1 FROM job_queue.job WHERE id = $1`, [slow.jobId])).rowCount).toBe(0);
    expect(await rows(slow.jobId)).toEqual([]);
    // Its other file is still noted (the rollback kept the note): the caller's discard, or the purge, removes it.
    expect(await notes(slow)).toBe(1);
  });

  it("a caller's transaction that rolls back leaves no job and no attachment row; discarding removes the bytes", async () => {
    const { alice } = users();
    const staged = await stage(alice, [['notes.txt', 'n']]);
    await expect(
      ctx.get(TransactionRunner).run(async (transaction) => {
        await commands.execute(new SubmitJobCommand(alice, 'porter-test.noop', {}, { transaction, attachments: staged }));
        throw new Error('the caller failed after the submit');
      }),
    ).rejects.toThrow('the caller failed');
    expect((await pool.query(`SELECT 1 FROM job_queue.job WHERE id = $1`, [staged.jobId])).rowCount).toBe(0);
    expect(await rows(staged.jobId)).toEqual([]);
    await commands.execute(new DiscardJobAttachmentsCommand(staged));
    expect(await stored(staged)).toEqual([false]);
  });

  it('an idempotent replay keeps the first job and its attachments and discards the new ones', async () => {
    const { alice } = users();
    const first = await stage(alice, [['first.txt', '1']]);
    const one = await commands.execute(new SubmitJobCommand(alice, 'porter-test.noop', {}, { idempotencyKey: 'k-1', attachments: first }));
    const again = await stage(alice, [['second.txt', '2']]);
    const two = await commands.execute(new SubmitJobCommand(alice, 'porter-test.noop', {}, { idempotencyKey: 'k-1', attachments: again }));
    expect(two).toEqual({ jobId: one.jobId, created: false });
    expect(await rows(one.jobId)).toEqual(['first.txt']);
    expect(await stored(first)).toEqual([true]);
    expect(await stored(again)).toEqual([false]);
  });

  it('staging refuses a sixth file (413) and a taken name (409), deleting what it stored', async () => {
    const { alice } = users();
    const five = await stage(alice, [['a', '1'], ['b', '2'], ['c', '3'], ['d', '4'], ['e', '5']]);
    const keysBefore = five.files.map((f) => f.storageKey);
    await expect(commands.execute(new StageJobAttachmentsCommand(alice, uploads([['f', '6']]), five))).rejects.toMatchObject({ kind: 'too_large' });
    const two = await stage(alice, [['x', '1']]);
    await expect(commands.execute(new StageJobAttachmentsCommand(alice, uploads([['y', '2'], ['x', '3']]), two))).rejects.toMatchObject({ kind: 'conflict' });
    // Only what an earlier call staged is left (the caller's to discard); the refused calls kept nothing.
    let left = 0;
    for await (const o of storage.list(`job-queue/${two.jobId}/`)) left += o.key === two.files[0].storageKey ? 0 : 1;
    expect(left).toBe(0);
    expect(await stored(five)).toEqual(keysBefore.map(() => true));
  });
});
