import { Logger } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { FileStorage, storageKey } from '@porter/platform';
import { Principal, ValidationError } from '@porter/shared-kernel';
import type { JobAbortReason, JobContext, JobFileWriter, JobLogger, StoredJobFile } from '../../public/dependencies/job-handler.dependency';
import { JobStatus } from '../../public/enums/job-status';
import { validateJobFileName } from '../../domain/job-file-name';
import { JobOwnershipLostError } from '../../domain/job-errors';
import { ClaimedJob, JobRunStore } from '../store/job-run.store';
import { CHECKPOINT_SQL, PROGRESS_SQL } from '../store/run.sql';

export interface RunContextOptions {
  leaseMs: number;
  progressThrottleMs: number;
}

/** One run's JobContext. Every durable write is fenced by the run token (see JobRunStore). */
export class RunContext implements JobContext {
  readonly jobId: string;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly principal: Principal;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly runToken: string;
  readonly signal: AbortSignal;
  readonly logger: JobLogger;
  outputInformation: Record<string, unknown> | null = null;

  private checkpointState: Record<string, unknown> | null;
  private progressState: { processed: number; total: number | null } | null = null;
  private progressDirty = false;
  private lastProgressWrite = 0;
  private progressWrite: Promise<void> | null = null;

  constructor(
    claimed: ClaimedJob,
    private readonly controller: AbortController,
    private readonly store: JobRunStore,
    private readonly storage: FileStorage,
    private readonly options: RunContextOptions,
  ) {
    this.jobId = claimed.id;
    this.type = claimed.type;
    this.payload = claimed.payload;
    this.principal = Principal.fromJSON(claimed.principal);
    this.attempt = claimed.attempts;
    this.maxAttempts = claimed.maxAttempts;
    this.runToken = claimed.runToken;
    this.signal = controller.signal;
    this.checkpointState = claimed.checkpoint;
    const nest = new Logger(`Job ${claimed.type}`);
    const fields = { jobId: claimed.id, attempt: claimed.attempts };
    const line = (message: string, data?: Record<string, unknown>) => `${message} ${JSON.stringify({ ...fields, ...(data ?? {}) })}`;
    this.logger = {
      log: (message, data) => nest.log(line(message, data)),
      warn: (message, data) => nest.warn(line(message, data)),
      error: (message, data) => nest.error(line(message, data)),
    };
  }

  abort(reason: JobAbortReason): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Applies what a fenced write told us about the job: lost → stop; cancelling → stop. */
  observe(status: JobStatus | null): void {
    if (status === null) this.abort('lost-lock');
    else if (status === JobStatus.Cancelling) this.abort('cancelled');
  }

  async progress(processed: number, total: number | null = null): Promise<void> {
    this.progressState = { processed, total: total ?? this.progressState?.total ?? null };
    this.progressDirty = true;
    // Throttled: at most one UPDATE per interval, however often the handler reports.
    if (Date.now() - this.lastProgressWrite >= this.options.progressThrottleMs && !this.progressWrite) {
      this.progressWrite = this.writeProgress().finally(() => {
        this.progressWrite = null;
      });
      await this.progressWrite;
    }
  }

  async progressWith(execute: (sql: string, params: unknown[]) => Promise<number>, processed: number, total: number | null = null): Promise<void> {
    const state = { processed: Math.max(0, Math.floor(processed)), total: total ?? this.progressState?.total ?? null };
    const affected = await execute(PROGRESS_SQL, [this.jobId, this.runToken, state.processed, state.total === null ? null : Math.floor(state.total)]);
    if (!affected) this.lost('its progress was refused');
    // What the transaction wrote is the latest: an end-of-run flush must not write older figures.
    this.progressState = state;
    this.progressDirty = false;
  }

  /** Writes the last reported progress if it was not written yet (end of run). */
  async flushProgress(): Promise<void> {
    await this.progressWrite?.catch(() => undefined);
    if (this.progressDirty) await this.writeProgress();
  }

  private async writeProgress(): Promise<void> {
    if (!this.progressState) return;
    this.progressDirty = false;
    this.lastProgressWrite = Date.now();
    const status = await this.store.progress(this.jobId, this.runToken, this.progressState.processed, this.progressState.total, this.options.leaseMs);
    this.observe(status);
  }

  async checkpoint(state: Record<string, unknown>): Promise<void> {
    if (!(await this.store.checkpoint(this.jobId, this.runToken, state))) this.lost('its checkpoint was refused');
    this.checkpointState = state;
  }

  async checkpointWith(execute: (sql: string, params: unknown[]) => Promise<number>, state: Record<string, unknown>): Promise<void> {
    const affected = await execute(CHECKPOINT_SQL, [this.jobId, this.runToken, JSON.stringify(state)]);
    if (!affected) this.lost('its checkpoint was refused');
    this.checkpointState = state;
  }

  lastCheckpoint<T extends Record<string, unknown> = Record<string, unknown>>(): T | null {
    return this.checkpointState as T | null;
  }

  writeFile(name: string, contentType: string): JobFileWriter {
    const problem = validateJobFileName(name);
    if (problem) throw new ValidationError(`Invalid output file name "${name}"`, [{ path: 'name', message: problem }]);
    const key = storageKey('job-queue', this.jobId, `${this.runToken}-${randomUUID()}`);
    const writer = this.storage.openWriter(key);
    return {
      stream: writer.stream,
      commit: async (): Promise<StoredJobFile> => {
        const stored = await writer.commit();
        const recorded = await this.store.addFile(this.jobId, this.runToken, {
          name,
          contentType,
          sizeBytes: stored.sizeBytes,
          sha256: stored.sha256,
          storageKey: key,
        });
        if (recorded === false) {
          await this.storage.delete(key).catch(() => undefined);
          this.lost(`its file "${name}" was not recorded`);
        }
        if (recorded && recorded.replacedKey && recorded.replacedKey !== key) {
          await this.storage.delete(recorded.replacedKey).catch(() => undefined);
        }
        return { name, kind: 'output', contentType, sizeBytes: stored.sizeBytes, sha256: stored.sha256, storageKey: key, createdAt: new Date().toISOString() };
      },
      abort: () => writer.abort(),
    };
  }

  setOutputInformation(info: Record<string, unknown>): void {
    this.outputInformation = info;
  }

  private lost(detail: string): never {
    this.abort('lost-lock');
    throw new JobOwnershipLostError(this.jobId, detail);
  }
}
