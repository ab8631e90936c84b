import type { PrincipalData } from '@porter/shared-kernel';
import type { JobStatus } from '../public/enums/job-status';
import type { JobEvent } from '../public/entities/job-event';
import type { JobFile } from '../public/entities/job-file';
import type { JobRecord } from '../application/ports/job.repository.port';

/** Channel the relays LISTEN on; notified (on commit) by every transaction that writes the outbox. */
export const OUTBOX_CHANNEL = 'porter_job_queue_outbox';

/**
 * The order in which workers take pending jobs, as a row value (smaller = taken sooner):
 * moved-to-top jobs first (the latest move first), then higher priority, then first in.
 * `claim` orders by the same keys, so `position` is exactly the order of taking.
 */
export const orderKey = (x: string): string =>
  `(CASE WHEN ${x}.moved_to_top_at IS NULL THEN 1 ELSE 0 END, -COALESCE(extract(epoch FROM ${x}.moved_to_top_at), 0), -${x}.priority, ${x}.queue_seq)`;

export const CLAIM_ORDER = `(moved_to_top_at IS NULL), moved_to_top_at DESC, priority DESC, queue_seq`;

export const JOB_SELECT = `
  SELECT j.*,
    CASE WHEN j.status = 'pending' THEN (
      SELECT count(*) + 1 FROM job_queue.job o WHERE o.status = 'pending' AND ${orderKey('o')} < ${orderKey('j')}
    ) END AS position,
    COALESCE((SELECT array_agg(f.name ORDER BY f.created_at, f.name) FROM job_queue.job_file f WHERE f.job_id = j.id), '{}') AS output_files
  FROM job_queue.job j`;

export interface JobRow {
  id: string;
  tenant: string;
  type: string;
  name: string | null;
  description: string | null;
  status: JobStatus;
  position: string | number | null;
  priority: number;
  payload: Record<string, unknown>;
  principal: PrincipalData;
  submitted_by: string;
  submitted_at: Date;
  scheduled_for: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  attempts: number;
  max_attempts: number;
  progress_processed: string | number;
  progress_total: string | number | null;
  output_information: Record<string, unknown> | null;
  output_files: string[] | null;
  error_details: string | null;
  checkpoint: Record<string, unknown> | null;
  run_token: string | null;
}

export function toJobRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    type: row.type,
    name: row.name,
    description: row.description,
    status: row.status,
    position: row.position === null || row.position === undefined ? null : Number(row.position),
    priority: row.priority,
    payload: row.payload ?? {},
    principal: row.principal,
    submittedBy: row.submitted_by,
    submittedAt: row.submitted_at,
    scheduledFor: row.scheduled_for,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    progressProcessed: Number(row.progress_processed),
    progressTotal: row.progress_total === null ? null : Number(row.progress_total),
    outputInformation: row.output_information,
    outputFiles: row.output_files ?? [],
    errorDetails: row.error_details,
  };
}

export function toJobEvent(row: { type: string; at: Date; actor: string; data: Record<string, unknown> }): JobEvent {
  return { type: row.type, at: row.at.toISOString(), actor: row.actor, data: row.data ?? {} };
}

export function toJobFile(row: {
  name: string;
  size_bytes: string | number;
  content_type: string;
  sha256: string;
  storage_key: string;
  created_at: Date;
}): JobFile {
  return {
    name: row.name,
    sizeBytes: Number(row.size_bytes),
    contentType: row.content_type,
    sha256: row.sha256,
    storageKey: row.storage_key,
    createdAt: row.created_at.toISOString(),
  };
}

/** Storage keys of a job's files share this prefix, so purge removes strays of dead runs too. */
export const jobFilesPrefix = (jobId: string): string => `job-queue/${jobId}`;
