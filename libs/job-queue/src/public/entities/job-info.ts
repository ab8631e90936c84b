import { JobStatus } from '../enums/job-status';

export interface JobProgress {
  processed: number;
  total: number | null;
  percent: number | null;
}

/** The read model of a job, as the REST API and other modules see it. */
export interface JobInfo {
  id: string;
  type: string;
  name: string | null;
  description: string | null;
  status: JobStatus;
  /** 1-based place in the queue while pending; null otherwise. */
  position: number | null;
  priority: number;
  progress: JobProgress;
  submittedBy: string;
  /** `app` when a service account submitted it (token claim `kind: "app"`). */
  submitterKind: 'user' | 'app';
  /** The roles the submitter held when it submitted (Granta). */
  submitterRoles: string[];
  tenant: string;
  submittedAt: string;
  /** Last change of any kind: status, progress, name... */
  updatedAt: string;
  scheduledFor: string | null;
  startedAt: string | null;
  completedAt: string | null;
  attempts: number;
  maxAttempts: number;
  /** Times a run of this job was lost to a dead or unresponsive worker (these use up no attempt). */
  stalls: number;
  outputInformation: Record<string, unknown> | null;
  outputFiles: string[];
  errorDetails: string | null;
}
