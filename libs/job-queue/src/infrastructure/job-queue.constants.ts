/** The BullMQ queue carrying wake-up messages (`data.jobId` says which job caused it). */
export const JOBS_QUEUE = 'porter-jobs';
/** Repeatable maintenance (purge) runs on its own queue so it never waits behind jobs. */
export const MAINTENANCE_QUEUE = 'porter-job-maintenance';
export const PURGE_SCHEDULER_ID = 'purge-terminal-jobs';
