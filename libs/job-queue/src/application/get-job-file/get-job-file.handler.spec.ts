import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { GoneError, NotFoundError, Principal } from '@porter/shared-kernel';
import type { JobFile } from '../../public/entities/job-file';
import { JobFileAccessPolicy, JobFileAccessPolicyFor, JobFileReadRequest } from '../../public/dependencies/job-file-access-policy.dependency';
import { GetJobFileQuery } from '../../public/queries/get-job-file.query';
import type { JobRecord, JobRepository } from '../ports/job.repository.port';
import { GetJobFileHandler } from './get-job-file.handler';
import { JobFileAccessPolicies } from './job-file-access-policies';
import type { JobAttachmentStore } from '../ports/job-attachment.store.port';

const JOB_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const admin = new Principal('ada', 'acme', ['admin']);

const file = (name: string): JobFile => ({
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

describe('GetJobFileHandler with job file access policies', () => {
  it("asks the job type's policy before handing out a named file, and passes on its refusal", async () => {
    const moduleRef = await policiesWith(GuardedFilesPolicy);
    const policy = moduleRef.get(GuardedFilesPolicy);
    const handler = new GetJobFileHandler(jobsOfType('guarded'), attachments(), moduleRef.get(JobFileAccessPolicies));

    expect(await handler.execute(new GetJobFileQuery(admin, JOB_ID, 'a.csv'))).toEqual([file('a.csv')]);
    expect(policy.asked).toEqual([{ principal: admin, jobId: JOB_ID, jobType: 'guarded', file: file('a.csv') }]);
    await expect(handler.execute(new GetJobFileQuery(admin, JOB_ID, 'b.csv'))).rejects.toThrow(GoneError);
    await moduleRef.close();
  });

  it('lists file metadata without asking the policy (no bytes are read)', async () => {
    const moduleRef = await policiesWith(GuardedFilesPolicy);
    const handler = new GetJobFileHandler(jobsOfType('guarded'), attachments(), moduleRef.get(JobFileAccessPolicies));
    expect((await handler.execute(new GetJobFileQuery(admin, JOB_ID))).map((f) => [f.name, f.kind])).toEqual([
      ['a.csv', 'output'],
      ['b.csv', 'output'],
      ['notes.txt', 'attachment'],
    ]);
    expect(moduleRef.get(GuardedFilesPolicy).asked).toEqual([]);
    await moduleRef.close();
  });

  it("serves the files of a job type without a policy to whoever sees the job, and never another type's policy", async () => {
    const moduleRef = await policiesWith(GuardedFilesPolicy);
    const handler = new GetJobFileHandler(jobsOfType('plain'), attachments(), moduleRef.get(JobFileAccessPolicies));
    expect(await handler.execute(new GetJobFileQuery(admin, JOB_ID, 'b.csv'))).toEqual([file('b.csv')]);
    expect(moduleRef.get(GuardedFilesPolicy).asked).toEqual([]);
    await moduleRef.close();
  });

  it('answers 404 before any policy for a job the caller may not see or a file the job does not have', async () => {
    const moduleRef = await policiesWith(GuardedFilesPolicy);
    const handler = new GetJobFileHandler(jobsOfType('guarded'), attachments(), moduleRef.get(JobFileAccessPolicies));
    await expect(handler.execute(new GetJobFileQuery(new Principal('ada', 'other', ['admin']), JOB_ID, 'a.csv'))).rejects.toThrow(NotFoundError);
    await expect(handler.execute(new GetJobFileQuery(admin, JOB_ID, 'c.csv'))).rejects.toThrow('Job file c.csv was not found');
    expect(moduleRef.get(GuardedFilesPolicy).asked).toEqual([]);
    await moduleRef.close();
  });

  it("serves an attachment to whoever sees the job, without the type's policy (it came with the request)", async () => {
    const moduleRef = await policiesWith(GuardedFilesPolicy);
    const handler = new GetJobFileHandler(jobsOfType('guarded'), attachments(), moduleRef.get(JobFileAccessPolicies));
    expect((await handler.execute(new GetJobFileQuery(admin, JOB_ID, 'notes.txt')))[0]).toMatchObject({ name: 'notes.txt', kind: 'attachment' });
    expect(moduleRef.get(GuardedFilesPolicy).asked).toEqual([]);
    await moduleRef.close();
  });

  it('refuses to start with two policies for one job type', async () => {
    await expect(policiesWith(GuardedFilesPolicy, SecondGuardedFilesPolicy)).rejects.toThrow(/Job type "guarded" has two file access policies/);
  });
});
