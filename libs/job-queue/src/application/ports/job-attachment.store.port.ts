import type { Readable } from 'stream';
import type { Transaction } from '@porter/platform';
import type { StagedJobAttachments } from '../../public/actions/stage-job-attachments.command';
import type { StoredJobFile } from '../../public/dependencies/job-handler.dependency';

export interface NewJobAttachment {
  name: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  createdBy: string;
}

/** The attachments of jobs: their bytes under the job's storage prefix, their rows in job_queue.job_attachment. */
export interface JobAttachmentStore {
  /** Streams one file into storage under the job's prefix; refuses (PayloadTooLargeError) past `maxBytes`, keeping nothing. */
  write(jobId: string, stream: Readable, maxBytes: number): Promise<{ storageKey: string; sizeBytes: number; sha256: string }>;
  discard(storageKeys: string[]): Promise<void>;
  list(jobId: string): Promise<StoredJobFile[]>;
  /**
   * Adds the attachments in one transaction, unless the job would then hold more than `max` or a
   * name is taken: answers which rule refused, or null when added.
   */
  add(jobId: string, attachments: NewJobAttachment[], max: number): Promise<'too_many' | { taken: string } | null>;
  /** Writes the rows of staged attachments in the caller's transaction (the submit of their job). */
  record(staged: StagedJobAttachments, transaction: Transaction): Promise<void>;
  removeAll(jobId: string): Promise<void>;
  /** Deletes stored attachments older than `olderThan` that no job owns (a crash between storing and submitting); how many went. */
  sweepStaged(olderThan: Date): Promise<number>;
}

export const JOB_ATTACHMENT_STORE = Symbol('JOB_ATTACHMENT_STORE');
