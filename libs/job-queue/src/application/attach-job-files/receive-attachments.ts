import { ConflictError, PayloadTooLargeError, ValidationError } from '@porter/shared-kernel';
import type { JobAttachmentUpload } from '../../public/actions/attach-job-files.command';
import { MAX_JOB_ATTACHMENT_BYTES, MAX_JOB_ATTACHMENTS } from '../../public/actions/attach-job-files.command';
import { validateJobFileName } from '../../domain/job-file-name';
import type { JobAttachmentStore, NewJobAttachment } from '../ports/job-attachment.store.port';

/**
 * Streams each file into storage under the job's prefix as it arrives, checking count, name and
 * size on the way. `taken`: names the job (or the request) already has; `field`: the form
 * field the files came in (it names the failing path). On any refusal the files
 * stored here are deleted before the error is thrown.
 */
export async function receiveAttachments(
  store: JobAttachmentStore,
  jobId: string,
  createdBy: string,
  files: AsyncIterable<JobAttachmentUpload>,
  taken: readonly string[],
  field: string,
  /** The job's output files: an attachment of the same name could never be downloaded (the name gives the output). */
  outputs: readonly string[] = [],
): Promise<NewJobAttachment[]> {
  const added: NewJobAttachment[] = [];
  try {
    for await (const file of files) {
      if (taken.length + added.length >= MAX_JOB_ATTACHMENTS) {
        file.stream.resume();
        throw new PayloadTooLargeError(`A job takes at most ${MAX_JOB_ATTACHMENTS} attachments${taken.length ? ` (it has ${taken.length})` : ''}`);
      }
      const name = (file.fileName ?? '').trim();
      const problem = validateJobFileName(name);
      if (problem) {
        file.stream.resume();
        throw new ValidationError('Invalid attachment name', [{ path: `${field}.${taken.length + added.length}`, message: `file name ${problem}` }]);
      }
      if (outputs.includes(name)) {
        file.stream.resume();
        throw new ConflictError(`The job has an output file named "${name}": give the attachment another name`);
      }
      if (taken.includes(name)) {
        file.stream.resume();
        throw new ConflictError(`The job already has an attachment named "${name}"`);
      }
      if (added.some((a) => a.name === name)) {
        file.stream.resume();
        throw new ConflictError(`Two attachments are named "${name}"`);
      }
      const stored = await store.write(jobId, file.stream, MAX_JOB_ATTACHMENT_BYTES);
      added.push({ name, contentType: file.contentType?.slice(0, 200) || 'application/octet-stream', createdBy, ...stored });
    }
  } catch (error) {
    await store.discard(added.map((a) => a.storageKey));
    throw error;
  }
  return added;
}
