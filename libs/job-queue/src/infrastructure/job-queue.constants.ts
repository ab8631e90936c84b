import { JobQueueName } from '../public/enums/job-queue-name';

/** The BullMQ queue carrying wake-up messages (`data.jobId` says which job caused it). */
export const JOBS_QUEUE = JobQueueName.Jobs;
/** Repeatable maintenance (purge) runs on its own queue so it never waits behind jobs. */
export const MAINTENANCE_QUEUE = JobQueueName.Maintenance;
export const PURGE_SCHEDULER_ID = 'purge-terminal-jobs';
