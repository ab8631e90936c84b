import { randomUUID } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { client, JOB_ENV, waitForJob } from './job-support';

/** Files given with a job's request (Granta): stored with the job, listed, read with its permissions, removed with it. */
describe('job attachments (e2e)', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let worker: PorterProcess;
  beforeAll(async () => {
    [api, worker] = await Promise.all([startApi(JOB_ENV), startWorker(JOB_ENV)]);
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
  });

  async function attach(authorization: string, jobId: string, files: Array<[string, string | Buffer, string?]>) {
    const form = new FormData();
    for (const [name, content, type] of files) form.append('file', new Blob([content], { type: type ?? 'application/octet-stream' }), name);
    const res = await fetch(`${api.baseUrl}/api/v1/jobs/${jobId}/attachments`, { method: 'POST', headers: { authorization }, body: form });
    return { status: res.status, json: (await res.json()) as any };
  }
  const storedAttachments = async (jobId: string) =>
    fs.readdir(path.join(process.env.STORAGE_DIR!, 'job-queue', jobId, 'attachments')).catch(() => [] as string[]);

  it('stores, lists and serves attachments beside the output files, and keeps them through a failed attempt', async () => {
    const tenant = `t-${randomUUID()}`;
    const alice = client(api.baseUrl, bearer('alice', tenant));
    // Scheduled a moment ahead so the files are attached before it runs; its first attempt fails.
    const jobId = await alice.submit('porter-test.steps', { steps: 1, stepMs: 1, failAttempts: 1, fileName: 'out.csv' }, { scheduledFor: new Date(Date.now() + 1500).toISOString() });
    const added = await attach(bearer('alice', tenant), jobId, [
      ['template.csv', 'a,b\n', 'text/csv'],
      ['notes.txt', 'run it on the 1st'],
    ]);
    expect(added.status).toBe(201);
    expect(added.json).toEqual([
      expect.objectContaining({ name: 'template.csv', kind: 'attachment', contentType: 'text/csv', sizeBytes: 4 }),
      expect.objectContaining({ name: 'notes.txt', kind: 'attachment', sizeBytes: 17 }),
    ]);
    const done = await waitForJob(alice, jobId, (j) => j.status === 'succeeded', 'the job to succeed on its second attempt');
    expect(done.attempts).toBe(2);
    const files = (await alice.call('GET', `/api/v1/jobs/${jobId}/files`)).json;
    expect(files.map((f: { name: string; kind: string }) => [f.name, f.kind])).toEqual(
      expect.arrayContaining([
        ['out.csv', 'output'],
        ['template.csv', 'attachment'],
        ['notes.txt', 'attachment'],
      ]),
    );
    const notes = await alice.call('GET', `/api/v1/jobs/${jobId}/files/notes.txt`);
    expect(notes.status).toBe(200);
    expect(notes.text).toBe('run it on the 1st');
    expect((await alice.call('GET', `/api/v1/jobs/${jobId}`)).json.outputFiles).toEqual(['out.csv']);
    // An attachment may not take an output's name: the name gives the output, so it could never be read.
    const shadowed = await attach(bearer('alice', tenant), jobId, [['out.csv', 'not the output']]);
    expect(shadowed.status).toBe(409);
    expect(shadowed.json.detail).toBe('The job has an output file named "out.csv": give the attachment another name');
    expect((await alice.call('GET', `/api/v1/jobs/${jobId}/files`)).json).toHaveLength(3);
  });

  it("refuses another tenant's job and a colleague's job (404), a taken name (409), a sixth file and an 11 MiB file (413), keeping nothing", async () => {
    const tenant = `t-${randomUUID()}`;
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const jobId = await alice.submit('porter-test.noop', {}, { scheduledFor: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await attach(bearer('mallory', `t-${randomUUID()}`, { admin: true }), jobId, [['x.txt', 'x']])).status).toBe(404);
    expect((await attach(bearer('bob', tenant), jobId, [['x.txt', 'x']])).status).toBe(404);
    expect((await attach(bearer('alice', tenant), jobId, [['a.txt', 'a'], ['b.txt', 'b']])).status).toBe(201);
    const taken = await attach(bearer('alice', tenant), jobId, [['c.txt', 'c'], ['a.txt', 'again']]);
    expect(taken.status).toBe(409);
    const many = await attach(bearer('alice', tenant), jobId, [['c.txt', 'c'], ['d.txt', 'd'], ['e.txt', 'e'], ['f.txt', 'f']]);
    expect(many.status).toBe(413);
    const big = await attach(bearer('alice', tenant), jobId, [['big.bin', Buffer.alloc(10 * 1024 * 1024 + 1)]]);
    expect(big.status).toBe(413);
    const bad = await attach(bearer('alice', tenant), jobId, [['n'.repeat(201), 'x']]);
    expect(bad.status).toBe(422);
    const files = (await alice.call('GET', `/api/v1/jobs/${jobId}/files`)).json;
    expect(files.map((f: { name: string }) => f.name)).toEqual(['a.txt', 'b.txt']);
    expect(await storedAttachments(jobId)).toHaveLength(2);
  });

  it("keeps a running job's attachments when it is cancelled (only the run's outputs go)", async () => {
    const tenant = `t-${randomUUID()}`;
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const jobId = await alice.submit(
      'porter-test.steps',
      { steps: 600, stepMs: 50, partialFileName: 'partial.csv' },
      { scheduledFor: new Date(Date.now() + 1500).toISOString() },
    );
    const template = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    expect((await attach(bearer('alice', tenant), jobId, [['template.bin', template]])).status).toBe(201);
    await waitForJob(alice, jobId, (j) => j.status === 'running' && j.outputFiles.includes('partial.csv'), 'the run to write its partial file');
    expect((await alice.call('POST', `/api/v1/jobs/${jobId}/cancel`)).status).toBe(200);
    await waitForJob(alice, jobId, (j) => j.status === 'cancelled', 'the job to be cancelled');
    // The reconciler also cleans after a cancel: give both a moment, then the attachment must still be whole.
    await new Promise((r) => setTimeout(r, 1500));
    const files = (await alice.call('GET', `/api/v1/jobs/${jobId}/files`)).json;
    expect(files.map((f: { name: string; kind: string }) => [f.name, f.kind])).toEqual([['template.bin', 'attachment']]);
    const res = await fetch(`${api.baseUrl}/api/v1/jobs/${jobId}/files/template.bin`, { headers: { authorization: bearer('alice', tenant) } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(template)).toBe(true);
    // The cancelled run's output is gone from storage; the attachment is all that is left under the job.
    const left = await fs.readdir(path.join(process.env.STORAGE_DIR!, 'job-queue', jobId));
    expect(left).toEqual(['attachments']);
    expect(await storedAttachments(jobId)).toHaveLength(1);
  });

  it('removes attachments with the job', async () => {
    const tenant = `t-${randomUUID()}`;
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const jobId = await alice.submit('porter-test.noop', {});
    await waitForJob(alice, jobId, (j) => j.status === 'succeeded', 'the job to succeed');
    expect((await attach(bearer('alice', tenant), jobId, [['notes.txt', 'n']])).status).toBe(201);
    expect((await alice.call('DELETE', `/api/v1/jobs/${jobId}`)).status).toBe(204);
    expect((await alice.call('GET', `/api/v1/jobs/${jobId}/files/notes.txt`)).status).toBe(404);
    expect(await storedAttachments(jobId)).toEqual([]);
    expect((await attach(bearer('alice', tenant), jobId, [['late.txt', 'l']])).status).toBe(409);
  });
});
