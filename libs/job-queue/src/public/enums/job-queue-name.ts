/**
 * The BullMQ queues the job queue uses, for operational tools such as the admin dashboard.
 * They carry wake-up messages only (ADR 010, 018): job state is read through the queries.
 */
export enum JobQueueName {
  /** Wake-up messages for pending jobs. */
  Jobs = 'porter-jobs',
  /** The repeatable purge, on its own queue so it never waits behind jobs. */
  Maintenance = 'porter-job-maintenance',
}
