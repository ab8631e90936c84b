import type { PoolClient } from 'pg';
import { JobStatus } from '../../public/enums/job-status';
import { currentOutage, decideAfterOutage, describeDelay, JobOutage, LastRetryEvent } from '../../domain/retry-policy';
import { requeueRun } from './run-transitions';
import type { FinishResult, OutageFailure, RunOutcome } from './run-store.types';

type Counted = Extract<RunOutcome, { kind: 'retry' | 'failed' }>;

/**
 * Ends a run that failed because a dependency was unreachable (ADR 091), inside `finish`'s
 * transaction (the job row is locked). Within JOB_OUTAGE_RETRY_MS of the job's outage start, the
 * job goes back to the queue WITHOUT using up the attempt (`attempts - 1`, like a released or
 * stalled run), event `retrying` with `counted: false`, its error saying what it waits for.
 * Past the window, the counted outcome applies (returned for `finish` to apply as usual), its
 * `retrying` event still carrying the outage so that the window stays spent.
 */
export async function finishOutage(
  client: PoolClient,
  jobId: string,
  current: { status: JobStatus; type: string; tenant: string; attempts: number },
  outcome: Counted & { outage: OutageFailure },
): Promise<{ finished: FinishResult } | { counted: Counted; outageData: Record<string, unknown> }> {
  const { outage } = outcome;
  const { rows } = await client.query<{ now_ms: string; type: string | null; data: Record<string, unknown> | null; at_ms: string | null }>(
    `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms, e.type, e.data, (extract(epoch FROM e.at) * 1000)::bigint AS at_ms
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (
         SELECT type, data, at FROM job_queue.job_event
          WHERE job_id = $1 AND type IN ('retrying', 'retried') ORDER BY id DESC LIMIT 1
       ) e ON true`,
    [jobId],
  );
  const nowMs = Number(rows[0].now_ms);
  const last: LastRetryEvent | null = rows[0].type ? { type: rows[0].type, atMs: Number(rows[0].at_ms), data: rows[0].data ?? {} } : null;
  const decision = decideAfterOutage({ outage: currentOutage(last, nowMs, outage.windowMs), nowMs, windowMs: outage.windowMs, backoffMs: outage.backoffMs });
  if (decision.kind === 'counted') return { counted: outcome, outageData: outageData(outage, decision.outage) };

  const { delayMs } = decision;
  const errorDetails = `${outage.message} (attempt not counted: waiting for ${outage.dependency}, retrying in ${describeDelay(delayMs)})`;
  await requeueRun(client, jobId, current.status, {
    runAfterMs: delayMs,
    event: 'retrying',
    data: { attempt: current.attempts, error: errorDetails, delayMs, counted: false, ...outageData(outage, decision.outage) },
    errorDetails,
    // The attempt is given back: the next run is the same attempt again.
    attemptsDelta: -1,
  });
  return {
    finished: {
      type: current.type,
      tenant: current.tenant,
      attempts: current.attempts - 1,
      status: JobStatus.Pending,
      outputInformation: null,
      errorDetails,
      retry: { delayMs, counted: false },
    },
  };
}

function outageData(outage: OutageFailure, state: JobOutage): Record<string, unknown> {
  return { dependency: outage.dependency, outageSince: new Date(state.sinceMs).toISOString(), outageRetries: state.retries };
}
