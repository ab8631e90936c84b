import type { Principal } from '@porter/shared-kernel';
import type { ImportBatchJobPayload } from '../../domain/import-batch-job';
import type { ImportUnitOfWork } from '../../public/dependencies/import-processor.dependency';

/**
 * One run of a batch's processing job, as the use case sees it: what to run, and where its
 * progress and outcome are reported (the job handler adapts its JobContext to it).
 */
export interface ImportBatchRun {
  readonly batchId: string;
  readonly mode: ImportBatchJobPayload['mode'];
  readonly principal: Principal;
  /** Unique per run: the fence of every write of this run. */
  readonly runToken: string;
  /** Aborted on cancel, shutdown or a lost lock: the run stops between chunks. */
  readonly signal: AbortSignal;
  /** Progress (rows done out of `total`), outside any chunk's transaction. */
  progress(done: number, total: number): Promise<void>;
  /**
   * Progress written in a chunk's own transaction (through its unit of work), so that it commits
   * with the rows it counts: the job's progress is exactly the committed rows.
   */
  progressWithin(unitOfWork: ImportUnitOfWork, committed: number, total: number): Promise<void>;
  /** What the job shows as its outcome. */
  output(information: Record<string, unknown>): void;
  log(message: string, data: Record<string, unknown>): void;
}
