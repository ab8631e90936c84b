import { Migration } from '@mikro-orm/migrations';

/**
 * When a reconciler first found a worker's liveness lock free (null while it is held). A worker is
 * taken for dead only once its lock has stayed free for a grace (WORKER_RELOCK_GRACE_MS): a live
 * worker whose session ended (Postgres restarted) takes its lock again within about a second.
 */
export class Migration20261206130000JobQueueWorkerLockFreeSince extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE job_queue.worker ADD COLUMN lock_free_since timestamptz NULL`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE job_queue.worker DROP COLUMN lock_free_since`);
  }
}
