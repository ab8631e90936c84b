import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { RequestExportCommand } from '@porter/exports';
import { Principal, PorterError } from '@porter/shared-kernel';
import { CronSchedule } from '../../domain/cron-schedule';
import { runIdempotencyKey } from '../../domain/schedule-access';
import {
  EXPORT_SCHEDULE_REPOSITORY,
  ExportScheduleRecord,
  ExportScheduleRepository,
  RetryBackoff,
  RunOutcome,
  ScheduleRunRecord,
  TickPlan,
} from '../ports/export-schedule.repository.port';

/** Schedules claimed per transaction, and runs settled per pass (the rest wait for the next pass). */
const CLAIM_BATCH = 50;
const SETTLE_PER_PASS = 200;
/** A run whose export request keeps failing for a passing reason is given up after this many tries. */
export const MAX_RUN_ATTEMPTS = 10;
/**
 * Between those tries: 5 s after the first, doubling, at most 5 min (about 20 min from the first
 * try to the tenth), so that a tenant's pending-job limit or a Postgres restart has time to pass.
 * A pass never retries a run it has just tried.
 */
export const RUN_RETRY_BACKOFF: RetryBackoff = { baseMs: 5_000, maxMs: 300_000 };

// Refusals that will not change by retrying the same request: the run fails with their reason.
const PERMANENT: ReadonlySet<PorterError['kind']> = new Set(['validation', 'bad_request', 'forbidden', 'not_found', 'conflict', 'gone']);

/**
 * One ticker pass (ADR 047): claim every due tick in Postgres (run row + next_run_at in one
 * transaction), then settle claimed runs — this pass's and any a crashed process left — by
 * requesting each run's export through the exports module's RequestExportCommand with an
 * idempotency key derived from (schedule, tick), so a retry returns the export instead of making
 * a second one. Safe with any number of processes doing the same at the same time.
 */
@Injectable()
export class ScheduleRunner {
  private readonly logger = new Logger('ExportSchedules');

  constructor(
    @Inject(EXPORT_SCHEDULE_REPOSITORY) private readonly schedules: ExportScheduleRepository,
    private readonly commandBus: CommandBus,
  ) {}

  async pass(now: Date): Promise<{ claimed: number; settled: ScheduleRunRecord[] }> {
    let claimed = 0;
    for (;;) {
      const runs = await this.schedules.claimDue(now, CLAIM_BATCH, (schedule) => planTick(schedule, now));
      claimed += runs.length;
      for (const run of runs) {
        if (run.missedTicks) this.logger.warn(`schedule ${run.scheduleId}: ${run.missedTicks} missed tick(s) before ${run.tickAt.toISOString()} run once (ADR 047)`);
      }
      if (runs.length < CLAIM_BATCH) break;
    }
    const settled: ScheduleRunRecord[] = [];
    for (let i = 0; i < SETTLE_PER_PASS; i++) {
      const run = await this.settle(null, now);
      if (!run) break;
      settled.push(run);
    }
    return { claimed, settled };
  }

  /** Settles one claimed run (the given one, or the oldest nobody holds). */
  settle(runId: string | null, now: Date): Promise<ScheduleRunRecord | null> {
    return this.schedules.settleClaimedRun(runId, now, (run, schedule) => this.requestExport(run, schedule), RUN_RETRY_BACKOFF);
  }

  private async requestExport(run: ScheduleRunRecord, schedule: ExportScheduleRecord): Promise<RunOutcome> {
    const where = `schedule ${schedule.id} tick ${run.tickAt.toISOString()}`;
    if (schedule.ownerRevokedAt) {
      const error = `the schedule's owner ${schedule.ownerId} was revoked at ${schedule.ownerRevokedAt.toISOString()}: ${schedule.ownerRevokedReason ?? 'no reason given'}; no export was requested`;
      this.logger.warn(`${where}: ${error}`);
      return { status: 'failed', error };
    }
    try {
      const result = await this.commandBus.execute(
        new RequestExportCommand(Principal.fromJSON(schedule.ownerPrincipal), { ...run.request, scheduledFor: null }, { idempotencyKey: runIdempotencyKey(schedule.id, run.tickAt), scheduleId: schedule.id }),
      );
      this.logger.log(`${where}: export ${result.exportId} ${result.created ? 'requested' : 'already requested (replayed)'}`);
      return { status: 'requested', exportId: result.exportId };
    } catch (error) {
      if (error instanceof PorterError && PERMANENT.has(error.kind)) {
        const fields = error.errors?.length ? ` (${error.errors.map((e) => `${e.path}: ${e.message}`).join('; ')})` : '';
        const prefix = error.kind === 'forbidden' ? `the owner ${schedule.ownerId} may no longer run this export: ` : '';
        const reason = `${prefix}${error.message}${fields}`;
        this.logger.warn(`${where} failed: ${reason}`);
        return { status: 'failed', error: reason };
      }
      // Postgres unreachable, a tenant's pending-job limit (429), a bug: retried after a backoff.
      const message = (error as Error).message ?? String(error);
      if (run.attempts + 1 >= MAX_RUN_ATTEMPTS) {
        this.logger.error(`${where} failed after ${MAX_RUN_ATTEMPTS} attempts: ${message}`);
        return { status: 'failed', error: `gave up after ${MAX_RUN_ATTEMPTS} attempts: ${message}` };
      }
      const waitMs = Math.min(RUN_RETRY_BACKOFF.baseMs * 2 ** run.attempts, RUN_RETRY_BACKOFF.maxMs);
      this.logger.warn(`${where}: export request failed (${message}); try ${run.attempts + 1} of ${MAX_RUN_ATTEMPTS}, the next in ${waitMs / 1000} s`);
      return { status: 'claimed', error: message };
    }
  }
}

function planTick(schedule: ExportScheduleRecord, now: Date): TickPlan {
  const cron = CronSchedule.parse(schedule.cron, schedule.timezone).schedule;
  const due = schedule.nextRunAt ?? now;
  // Stored schedules were validated; a zone the runtime no longer knows stops the schedule.
  if (!cron) return { tickAt: due, missedTicks: 0, nextRunAt: null };
  return cron.planTick(due, now);
}
