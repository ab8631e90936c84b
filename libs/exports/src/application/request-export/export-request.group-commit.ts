import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { JobToSubmit, SubmitJobsCommand } from '@porter/job-queue';
import { BatchItemResult, isUnavailable, MicroBatcher, TransactionRunner } from '@porter/platform';
import type { ExportInfo } from '../../public/entities/export-info';
import { EXPORT_REPOSITORY, ExportRepository, NewExportRecord } from '../ports/export-repository.port';

/** One export request to write: its job, and its record (whose job id is the job's, filled in when written). */
export interface ExportRequestToWrite {
  job: JobToSubmit;
  record: Omit<NewExportRecord, 'jobId'>;
}

/** Requests written in one transaction at most. */
const GROUP_MAX = 200;

/**
 * Group commit of export requests (ADR 073). Each request writes its job and its record in one
 * transaction, so that neither exists without the other. Requests that arrive while earlier
 * groups are being written ("batch while busy", the platform's MicroBatcher; no timer, so an idle
 * API adds no wait) share one transaction: one statement for their jobs, one for their records,
 * one commit, instead of four round trips and a commit each. Every caller hears of its own
 * request once the transaction holding it has committed.
 *
 * When a group fails (a request Postgres refuses, a tenant past maxPendingJobs, two requests
 * racing for one idempotency key) nothing of it was written, and each of its requests is written
 * again alone: the others succeed, and the one at fault gets its own error, as if it had come alone.
 * A group that failed because Postgres could not be reached is not written again: every request
 * of it gets that error (503 with Retry-After).
 */
@Injectable()
export class ExportRequestGroupCommit {
  private readonly groups = new MicroBatcher<ExportRequestToWrite, { jobId: string; info: ExportInfo }>((items) => this.writeGroup(items), {
    maxBatch: GROUP_MAX,
    maxInFlight: 2,
  });

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly commandBus: CommandBus,
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
  ) {}

  /** Writes the request's job and record; resolves once they have committed. */
  write(request: ExportRequestToWrite): Promise<{ jobId: string; info: ExportInfo }> {
    return this.groups.submit(request);
  }

  private async writeGroup(items: ExportRequestToWrite[]): Promise<Array<BatchItemResult<{ jobId: string; info: ExportInfo }>>> {
    try {
      return (await this.writeTogether(items)).map((value) => ({ value }));
    } catch (error) {
      // An outage fails every request alike (503): writing each again alone would only wait longer.
      if (items.length === 1 || isUnavailable(error)) throw error;
      return Promise.all(
        items.map((item) =>
          this.writeTogether([item]).then(
            ([value]) => ({ value }),
            (failure: unknown) => ({ error: failure }),
          ),
        ),
      );
    }
  }

  private writeTogether(items: ExportRequestToWrite[]): Promise<Array<{ jobId: string; info: ExportInfo }>> {
    return this.transactions.run(async (transaction) => {
      const jobs = await this.commandBus.execute(new SubmitJobsCommand(items.map((item) => item.job), transaction));
      const infos = await this.exports.insertRequests(
        items.map((item, i) => ({ ...item.record, jobId: jobs[i].jobId })),
        transaction,
      );
      return infos.map((info, i) => ({ jobId: jobs[i].jobId, info }));
    });
  }
}
