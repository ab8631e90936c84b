/**
 * Operational handles on the job-queue services, for the composing apps, the benchmark and
 * cross-process tests (drain the outbox now, run a reconcile or purge round). Not for modules:
 * modules use the command and query buses.
 */
export { JobRunner } from './infrastructure/job-runner.service';
export { JobReconciler } from './infrastructure/job-reconciler.service';
export { JobPurgeService } from './infrastructure/job-purge.service';
export { OutboxRelay } from './infrastructure/outbox-relay.service';
