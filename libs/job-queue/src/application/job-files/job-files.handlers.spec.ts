import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Readable } from 'stream';
import type { FileStorage } from '@porter/platform';
import { FileDownload, GoneError, NotFoundError, Principal } from '@porter/shared-kernel';
import type { StoredJobFile } from '../../public/dependencies/job-handler.dependency';
import { JobFileAccessPolicy, JobFileAccessPolicyFor, JobFileReadRequest } from '../../public/dependencies/job-file-access-policy.dependency';
import { DownloadJobFileQuery } from '../../public/queries/download-job-file.query';
import { ListJobFilesQuery } from '../../public/queries/list-job-files.query';
import type { JobRecord, JobRepository } from '../ports/job.repository.port';
import { DownloadJobFileHandler } from './download-job-file.handler';
import { JobFileAccessPolicies } from './job-file-access-policies';
import { ListJobFilesHandler } from './list-job-files.handler';
import type { JobAttachmentStore } from '../ports/job-attachment.store.port';

const JOB_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const admin = new Principal('ada', 'acme', ['admin']);

const file = (name: string): StoredJobFile => ({
  name,
  kind: 'output',
  sizeBytes: 3,
  contentType: 'text/csv',
  sha256: 'f'.repeat(64),
  storageKey: `job-queue/${JOB_ID}/run-${name}`,
  createdAt: '2026-01-01T00:00:00.000Z',
});

/** Jobs of the given type, visible to everyone of tenant acme, each with two files. */
function jobsOfType(type: string): JobRepository {
  return {
    findVisible: async (principal: Principal, jobId: string) =>
      principal.tenant === 'acme' && jobId === JOB_ID ? ({ id: JOB_ID, type, tenant: 'acme' } as JobRecord) : null,
    files: async () => [file('a.csv'), file('b.csv')],
  } as unknown as JobRepository;
}

/** One attachment, notes.txt, on every job. */
const attachments = (): JobAttachmentStore => ({ list: async () => [{ ...file('notes.txt'), kind: 'attachment' as const }] }) as unknown as JobAttachmentStore;

/** Records what it was asked; refuses b.csv as gone. */
@Injectable()
@JobFileAccessPolicyFor('guarded')
class GuardedFilesPolicy implements JobFileAccessPolicy {
  readonly asked: JobFileReadRequest[] = [];

  async authorizeRead(request: JobFileReadRequest): Promise<void> {
    this.asked.push(request);
    if (request.file.name === 'b.csv') throw new GoneError('b.csv expired');
  }
}

@Injectable()
@JobFileAccessPolicyFor('guarded')
class SecondGuardedFilesPolicy implements JobFileAccessPolicy {
  async authorizeRead(): Promise<void> {}
}

async function policiesWith(...providers: Array<new (...args: never[]) => unknown>) {
  const moduleRef = await Test.createTestingModule({ imports: [DiscoveryModule], providers: [JobFileAccessPolicies, ...providers] }).compile();
  await moduleRef.init();
  return moduleRef;
}

/** Stored objects hold their own key as bytes; `job-queue/<id>/run-gone.csv` has vanished from storage. */
const storage = {
  get: async (key: string, range?: { start: number; end: number }) => {
    if (key.endsWith('run-gone.csv')) throw new NotFoundError('Stored object', key);
    return Readable.from([Buffer.from(range ? key.slice(range.start, range.end + 1) : key)]);
  },
} as unknown as FileStorage;

const withoutKey = ({ storageKey: _key, ...rest }: StoredJobFile) => rest;
const text = async (download: FileDownload, range?: { start: number; end: number }) => Buffer.concat(await (await download.open(range)).toArray()).toString();

describe('job files: listing and downloading with job file access policies', () => {
  const download = (moduleRef: { get(t: typeof JobFileAccessPolicies): JobFileAccessPolicies }, type: string, by: Principal, name: string) =>
    new DownloadJobFileHandler(jobsOfType(type), attachments(), moduleRef.get(JobFileAccessPolicies), storage).execute(new DownloadJobFileQuery(by, JOB_ID, name));

  it("asks the job type's policy before handing out a named file, and passes on its refusal", async () => {
    const moduleRef = await policiesWith(GuardedFilesPolicy);
    const policy = moduleRef.get(GuardedFilesPolicy);

    const a = await download(moduleRef, 'guarded', admin, 'a.csv');
    expect(a).toMatchObject({ fileName: 'a.csv', contentType: 'text/csv', sizeBytes: 3, sha256: 'f'.repeat(64) });
    expect(a).not.toHaveProperty('storageKey');
    expect(policy.asked).toEqual([{ principal: admin, jobId: JOB_ID, jobType: 'guarded', file: withoutKey(file('a.csv')), countsAsDownload: true }]);
    expect(policy.asked[0].file).not.toHaveProperty('storageKey');
    await expect(download(moduleRef, 'guarded', admin, 'b.csv')).rejects.toThrow(GoneError);
    await moduleRef.close();
  });

  it('reads the bytes from storage, whole or one range, and names a vanished object as the job file', async () => {
    const moduleRef = await policiesWith();
    const a = await download(moduleRef, 'plain', admin, 'a.csv');
    expect(await text(a)).toBe(`job-queue/${JOB_ID}/run-a.csv`);
    expect(await text(a, { start: 0, end: 8 })).toBe('job-queue');
    const jobs = { ...jobsOfType('plain'), files: async () => [file('gone.csv')] } as unknown as JobRepository;
    const gone = await new DownloadJobFileHandler(jobs, attachments(), moduleRef.get(JobFileAccessPolicies), storage).execute(new DownloadJobFileQuery(admin, JOB_ID, 'gone.csv'));
    await expect(gone.open()).rejects.toThrow('Job file gone.csv was not found');
    await moduleRef.close();
  });

  it('lists file metadata without asking the policy (no bytes are read) and without storage keys', async () => {
    const moduleRef = await policiesWith(GuardedFilesPolicy);
    const files = await new ListJobFilesHandler(jobsOfType('guarded'), attachments()).execute(new ListJobFilesQuery(admin, JOB_ID));
    expect(files.map((f) => [f.name, f.kind])).toEqual([
      ['a.csv', 'output'],
      ['b.csv', 'output'],
      ['notes.txt', 'attachment'],
    ]);
    expect(files.filter((f) => 'storageKey' in f)).toEqual([]);
    expect(moduleRef.get(GuardedFilesPolicy).asked).toEqual([]);
    await expect(new ListJobFilesHandler(jobsOfType('guarded'), attachments()).execute(new ListJobFilesQuery(new Principal('ada', 'other', ['admin']), JOB_ID))).rejects.toThrow(NotFoundError);
    await moduleRef.close();
  });

  it("serves the files of a job type without a policy to whoever sees the job, and never another type's policy", async () => {
    const moduleRef = await policiesWith(GuardedFilesPolicy);
    expect(await download(moduleRef, 'plain', admin, 'b.csv')).toMatchObject({ fileName: 'b.csv' });
    expect(moduleRef.get(GuardedFilesPolicy).asked).toEqual([]);
    await moduleRef.close();
  });

  it('answers 404 before any policy for a job the caller may not see or a file the job does not have', async () => {
    const moduleRef = await policiesWith(GuardedFilesPolicy);
    await expect(download(moduleRef, 'guarded', new Principal('ada', 'other', ['admin']), 'a.csv')).rejects.toThrow(NotFoundError);
    await expect(download(moduleRef, 'guarded', admin, 'c.csv')).rejects.toThrow('Job file c.csv was not found');
    expect(moduleRef.get(GuardedFilesPolicy).asked).toEqual([]);
    await moduleRef.close();
  });

  it("serves an attachment to whoever sees the job, without the type's policy (it came with the request)", async () => {
    const moduleRef = await policiesWith(GuardedFilesPolicy);
    expect(await download(moduleRef, 'guarded', admin, 'notes.txt')).toMatchObject({ fileName: 'notes.txt' });
    expect(moduleRef.get(GuardedFilesPolicy).asked).toEqual([]);
    await moduleRef.close();
  });

  it('refuses to start with two policies for one job type', async () => {
    await expect(policiesWith(GuardedFilesPolicy, SecondGuardedFilesPolicy)).rejects.toThrow(/Job type "guarded" has two file access policies/);
  });
});
