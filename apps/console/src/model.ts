/** The API's resources as the console reads them (see the OpenAPI document at /api/docs). */

export type JobStatus = 'scheduled' | 'pending' | 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled' | 'deleted';
export const JOB_STATUSES: JobStatus[] = ['scheduled', 'pending', 'running', 'cancelling', 'succeeded', 'failed', 'cancelled'];
export const TERMINAL: JobStatus[] = ['succeeded', 'failed', 'cancelled', 'deleted'];
export const isTerminal = (status: string) => (TERMINAL as string[]).includes(status);

export interface Progress {
  processed: number;
  total: number | null;
  percent: number | null;
}

export interface Job {
  id: string;
  type: string;
  name: string | null;
  description: string | null;
  status: JobStatus;
  position: number | null;
  progress: Progress;
  submittedBy: string;
  submittedAt: string;
  scheduledFor: string | null;
  startedAt: string | null;
  completedAt: string | null;
  attempts: number;
  outputFiles: string[];
  outputInformation: Record<string, unknown> | null;
  errorDetails: string | null;
}

export interface JobEvent {
  type: string;
  at: string;
  actor: string | null;
  data: Record<string, unknown> | null;
}

export interface JobFile {
  name: string;
  /** output: written by the job; attachment: given with its request (POST /jobs/{id}/attachments). */
  kind?: 'output' | 'attachment';
  sizeBytes: number;
  contentType: string;
}

export interface ExportType {
  type: string;
  scope: 'global' | 'local';
  retentionPeriodDays: number;
  formats: string[];
  filters: Array<{ name: string; rules: string[] }>;
  description: string | null;
  /** Declared by the server once the columns feature lands; the form offers a choice then. */
  columns?: Array<{ name: string; label?: string }>;
}

export interface ExportInfo {
  id: string;
  jobId: string;
  type: string;
  format: string;
  name: string | null;
  filters: Record<string, unknown>;
  scopeIds: string[];
  /** Chosen columns in file order; null: every column of the type. */
  columns: string[] | null;
  /** How many explicit ids were asked for (the ids are not echoed); null: no id restriction. */
  idsCount: number | null;
  compression: 'none' | 'gzip';
  status: string;
  itemsCount: number | null;
  createdAt: string;
  /** The recurring schedule that requested it; null when asked for directly. */
  /** When its job is due; null for an immediate export. */
  scheduledFor?: string | null;
  scheduleId: string | null;
  errorMessage: string | null;
  downloadUrl: string | null;
  result: { fileName: string; sizeBytes: number; expiresAt: string; downloadCount: number } | null;
}

export interface ImportType {
  type: string;
  description: string | null;
  formats: string[];
  columns: Array<{ name: string; required?: boolean }>;
}

export interface ImportCounts {
  total: number;
  completed: number;
  failed: number;
  partiallyFailed: number;
  /** Rows a retry has not rewritten yet (0 once the batch has ended). */
  retrying?: number;
}

export interface ImportBatch {
  id: string;
  importRecordId: string;
  jobId: string;
  fileName: string | null;
  status: string;
  counts: ImportCounts;
  /** Data rows in the file, once the file has been scanned. */
  rowsInFile: number | null;
  /** Why the batch failed: the file was refused, or the reason of an abort. */
  errorDetails: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface ImportRecord {
  id: string;
  type: string;
  sourceName: string;
  status: string;
  createdAt: string;
  /** When the last batch was announced; the record completes once every batch has ended. */
  finalizedAt: string | null;
  options?: { dryRun?: boolean };
  batches: ImportBatch[];
}

export interface ImportResult {
  id: string;
  rowNumber: number;
  status: string;
  referenceId: string | null;
  failureDetails: string | null;
}

export const TERMINAL_BATCH = ['completed', 'failed', 'partially_failed'];

export interface ExportSchedule {
  id: string;
  name: string | null;
  type: string;
  format: string;
  filters: Record<string, unknown>;
  scopeIds: string[];
  columns: string[] | null;
  compression: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastExportId: string | null;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  ownerRevokedAt: string | null;
  ownerRevokedReason: string | null;
  /** The next five ticks (GET of one schedule only). */
  nextRuns?: string[];
}

/** A schedule's run: the export it made (ExportInfo's main fields) and the run itself. */
export interface ScheduleRun {
  id: string | null;
  jobId: string | null;
  type: string;
  format: string;
  status: string;
  errorMessage: string | null;
  run: { id: string; tickAt: string; trigger: 'cron' | 'manual'; status: string; error: string | null; missedTicks: number };
}

/** The events an endpoint can subscribe to (or `*`: all). */
export const WEBHOOK_EVENTS = ['job.succeeded', 'job.failed', 'job.cancelled', 'export.ready', 'import.completed', 'ping'];

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  disabledReason: string | null;
  disabledAt: string | null;
  /** Only in the answer to a registration. */
  secret?: string;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}
