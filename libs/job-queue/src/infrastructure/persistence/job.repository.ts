import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { BatchItemResult, MicroBatcher, PG_POOL, Transaction, withPgTransaction } from '@porter/platform';
import { isUuid, Principal } from '@porter/shared-kernel';
import { JobStatus } from '../../public/enums/job-status';
import type { JobEvent } from '../../public/entities/job-event';
import type { StoredJobFile } from '../../public/dependencies/job-handler.dependency';
import type { JobChange, JobRecord, JobRepository, NewJob } from '../../application/ports/job.repository.port';
import { JobRow, keyedStatusIs, selectOneJob, OUTBOX_CHANNEL, toJobEvent, toJobFile, toJobRecord } from './job-sql';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import type { CommittedOutboxRow } from '../outbox/wakeup-messages';
import { reserveTenantRound } from './tenant-rounds';

const SUBMIT_BATCH_MAX = 200;

/**
 * Submits, many per statement: `$1` is a JSON array of jobs. Each tenant's pending jobs take that
 * tenant's next rounds, in the callers' order (ADR 052); `ORDER BY ord` makes the sequence part of
 * queue_seq (evaluated after the sort) follow it too.
 *
 * `runnableOutbox`: whether a job that may run now (pending) gets an outbox row. A direct submit
 * (no caller transaction) writes none (ADR 099): its process sends the wake-up right after the
 * commit, writes the rows only if Redis refuses it, and the reconciler stands in for a process
 * that dies in between. A submit in a caller's transaction keeps the row (ADR 011): its wake-up
 * can only be sent once the caller commits. A scheduled job always has one (its delayed message
 * carries a time only the drain computes, by the database clock).
 */
const submitBatchSql = (runnableOutbox: boolean) => `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
      ord int, id uuid, tenant text, type text, name text, description text, status text, priority int, payload jsonb,
      principal jsonb, submitted_by text, scheduled_for timestamptz, max_attempts int, idempotency_key text, event jsonb,
      trace_context jsonb)
  ), head AS MATERIALIZED (
    SELECT job_queue.head_round() AS round
  ), counts AS MATERIALIZED (
    SELECT tenant, count(*)::int AS n FROM input WHERE status = 'pending' GROUP BY tenant
  ), taken AS (
    -- job_queue.take_rounds for every tenant of the batch in ONE upsert (a function call per tenant
    -- re-planned its INSERT each time), in tenant order: batches sharing tenants lock their rows in
    -- the same order (no deadlock).
    INSERT INTO job_queue.tenant_queue AS t (tenant, next_round)
    SELECT c.tenant, h.round + c.n FROM counts c CROSS JOIN head h ORDER BY c.tenant
    ON CONFLICT (tenant) DO UPDATE SET next_round = greatest(t.next_round, (SELECT round FROM head)) + (EXCLUDED.next_round - (SELECT round FROM head))
    RETURNING t.tenant, t.next_round
  ), rounds AS (
    SELECT taken.tenant, taken.next_round - counts.n AS base FROM taken JOIN counts ON counts.tenant = taken.tenant
  ), placed AS (
    SELECT input.*, rounds.base + row_number() OVER (PARTITION BY input.tenant, input.status ORDER BY input.ord) - 1 AS round
    FROM input LEFT JOIN rounds ON rounds.tenant = input.tenant AND input.status = 'pending'
  ), ins AS (
    INSERT INTO job_queue.job (id, tenant, type, name, description, status, priority, queue_seq, payload, principal,
                               submitted_by, scheduled_for, max_attempts, idempotency_key, enqueue_seq, trace_context)
    SELECT id, tenant, type, name, description, status, priority,
           CASE WHEN status = 'pending' THEN job_queue.fair_seq(round) END, payload, principal,
           submitted_by, scheduled_for, max_attempts, idempotency_key, 1, trace_context
    FROM placed ORDER BY ord
    ON CONFLICT (tenant, type, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id, scheduled_for
  ), ev AS (
    INSERT INTO job_queue.job_event (job_id, type, actor, data)
    SELECT ins.id, 'submitted', input.submitted_by, input.event FROM ins JOIN input ON input.id = ins.id ORDER BY input.ord
  ), ob AS (
    INSERT INTO job_queue.outbox (job_id, message_id, available_at)
    SELECT ins.id, ins.id || '.1', COALESCE(ins.scheduled_for, clock_timestamp()) FROM ins JOIN input ON input.id = ins.id
    ${runnableOutbox ? '' : "WHERE input.status <> 'pending' "}ORDER BY input.ord
    RETURNING id, job_id
  )
  SELECT ins.id, ob.id AS outbox_id FROM ins LEFT JOIN ob ON ob.job_id = ins.id`;

const SUBMIT_BATCH_SQL = submitBatchSql(false);
/** In a caller's transaction (knex placeholders; see SubmitJobsCommand): runnable jobs keep their outbox rows. */
const SUBMIT_BATCH_SQL_IN_TRANSACTION = submitBatchSql(true).replace('$1::jsonb', '?::jsonb');

/** The guarded change of one job (`$1` id, `$2` the status it must still have): found by key (ADR 086). */
export function guardedJobUpdateSql(sets: string[]): string {
  return `UPDATE job_queue.job SET ${sets.join(', ')} WHERE id = $1 AND ${keyedStatusIs('status', '$2')} RETURNING id, enqueue_seq`;
}

@Injectable()
export class PgJobRepository implements JobRepository {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly relay: OutboxRelay,
  ) {}

  async forgetFiles(files: ReadonlyArray<{ jobId: string; storageKey: string }>): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM job_queue.job_file f USING unnest($1::uuid[], $2::text[]) AS x(job_id, storage_key)
        WHERE f.job_id = x.job_id AND f.storage_key = x.storage_key`,
      [files.map((f) => f.jobId), files.map((f) => f.storageKey)],
    );
    return rowCount ?? 0;
  }

  /** One function, so that a transaction holding many submits kicks the relay once. */
  private readonly kickRelay = () => this.relay.kick();

  async submit(job: NewJob, transaction: Transaction | null): Promise<{ jobId: string; created: boolean }> {
    if (transaction) {
      // The caller's transaction commits later; this process's relay is kicked right after that
      // commit: no NOTIFY, whose database-wide lock from pre-commit to the flushed commit
      // serialised every submitting request (a burst of 200 POST /exports queued behind it).
      transaction.afterCommit(this.kickRelay);
      return this.insert(transaction, job);
    }
    // No caller transaction: concurrent submits are written together (ADR 017): one statement
    // per batch inserts every job with its event (and a scheduled job's outbox row; data-modifying
    // CTEs, atomic on its own, a prepared statement on the plain pool), and each caller's promise
    // resolves once the batch has committed. The relay of THIS process is then handed the
    // runnable jobs' wake-ups directly (ADR 069, 099) instead of being told through NOTIFY: a
    // NOTIFY takes a database-wide lock from pre-commit until the commit is flushed, which
    // serialises every notifying commit and had capped submits near 1/fsync.
    return this.submits.submit(job);
  }

  private readonly submits = new MicroBatcher<NewJob, { jobId: string; created: boolean }>((jobs) => this.insertBatch(jobs), {
    maxBatch: SUBMIT_BATCH_MAX,
    maxInFlight: 2,
  });

  private async insertBatch(jobs: NewJob[]): Promise<Array<BatchItemResult<{ jobId: string; created: boolean }>>> {
    const wakeups: CommittedOutboxRow[] = [];
    let results: Array<BatchItemResult<{ jobId: string; created: boolean }>>;
    try {
      results = (await this.insertMany(jobs, wakeups)).map((value) => ({ value }));
    } catch (error) {
      if (jobs.length === 1) throw error;
      // One job Postgres refuses (say a payload jsonb cannot hold) must not fail the others.
      results = await Promise.all(
        jobs.map((job) =>
          this.insertMany([job], wakeups).then(
            ([value]) => ({ value }),
            (failure: unknown) => ({ error: failure }),
          ),
        ),
      );
    }
    // The jobs committed. The runnable ones have no outbox row: their wake-ups go to this
    // process's relay, which sends them at once (ADR 099). A scheduled job's row waits for a drain.
    if (wakeups.length) this.relay.kick(wakeups);
    if (results.some((r, i) => 'value' in r && r.value.created && jobs[i].status !== JobStatus.Pending)) this.relay.kick();
    return results;
  }

  async submitMany(jobs: NewJob[], transaction: Transaction): Promise<Array<{ jobId: string; created: boolean }>> {
    if (jobs.some((job) => job.idempotencyKey !== null)) throw new Error('submitMany takes no idempotency keys: submit such jobs one by one');
    const outbox: CommittedOutboxRow[] = [];
    const results = await this.insertMany(jobs, outbox, transaction);
    // Like a single submit in a caller's transaction: this process's relay is kicked after the
    // commit, with the rows it may send at once when every job is runnable now (ADR 069).
    transaction.afterCommit(outbox.length ? () => this.relay.kick(outbox) : this.kickRelay);
    return results;
  }

  /**
   * Inserts jobs (with their `submitted` event and outbox rows, see submitBatchSql) in one
   * statement, in the given order: on the pool, a transaction of its own, or in `transaction` (a
   * caller's). `wakeups` receives the wake-ups a relay may send at once for the created jobs:
   * - on the pool, every created pending job's, without an outbox row (`id` null, ADR 099);
   * - in a caller's transaction, when all of them are pending, their outbox rows (ADR 069);
   *   it stays empty otherwise.
   */
  private async insertMany(
    jobs: NewJob[],
    wakeups: CommittedOutboxRow[] = [],
    transaction: Transaction | null = null,
  ): Promise<Array<{ jobId: string; created: boolean }>> {
    const input = jobs.map((job, ord) => ({
      ord,
      id: job.id,
      tenant: job.principal.tenant,
      type: job.type,
      name: job.name,
      description: job.description,
      status: job.status,
      priority: job.priority,
      payload: job.payload ?? {},
      principal: job.principal.toJSON(),
      submitted_by: job.principal.userId,
      scheduled_for: job.scheduledFor?.toISOString() ?? null,
      max_attempts: job.maxAttempts,
      idempotency_key: job.idempotencyKey,
      trace_context: job.traceContext,
      event: { status: job.status, scheduledFor: job.scheduledFor?.toISOString() ?? null, priority: job.priority },
    }));
    // Prepared: its plan reads no table (inserts, the conflict check on the unique index, joins
    // of the statement's own rows), so a cached generic plan cannot go stale.
    const rows = transaction
      ? await transaction.execute<Array<{ id: string; outbox_id: string | null }>>(SUBMIT_BATCH_SQL_IN_TRANSACTION, [JSON.stringify(input)])
      : (await this.pool.query<{ id: string; outbox_id: string | null }>({ name: 'job-queue.submit-batch.v6', text: SUBMIT_BATCH_SQL, values: [JSON.stringify(input)] })).rows;
    const inserted = new Set(rows.map((r) => r.id));
    const byId = new Map(jobs.map((job) => [job.id, job]));
    const pending = rows.filter((r) => byId.get(r.id)?.status === JobStatus.Pending);
    if (!transaction || pending.length === rows.length) {
      for (const row of pending) {
        const job = byId.get(row.id) as NewJob;
        wakeups.push({ id: row.outbox_id, jobId: row.id, messageId: `${row.id}.1`, type: job.type, traceContext: job.traceContext ?? null });
      }
    }
    const results: Array<{ jobId: string; created: boolean }> = [];
    for (const job of jobs) {
      if (inserted.has(job.id)) {
        results.push({ jobId: job.id, created: true });
        continue;
      }
      // Not inserted: its idempotency key is taken (possibly by a job earlier in this batch).
      const existing = await this.pool.query<{ id: string }>(
        `SELECT id FROM job_queue.job WHERE tenant = $1 AND type = $2 AND idempotency_key = $3`,
        [job.principal.tenant, job.type, job.idempotencyKey],
      );
      if (!existing.rows[0]) throw new Error(`job ${job.id} was neither inserted nor found by its idempotency key`);
      results.push({ jobId: existing.rows[0].id, created: false });
    }
    return results;
  }

  /** One job with its `submitted` event and outbox row, in the caller's transaction. */
  private async insert(transaction: Transaction, job: NewJob): Promise<{ jobId: string; created: boolean }> {
    const round = job.status === JobStatus.Pending ? await reserveTenantRound(this.pool, job.principal.tenant) : null;
    const rows = await transaction.execute<Array<{ id: string }>>(
      `WITH ins AS (
         INSERT INTO job_queue.job (id, tenant, type, name, description, status, priority, queue_seq, payload, principal,
                                    submitted_by, scheduled_for, max_attempts, idempotency_key, enqueue_seq, trace_context)
         VALUES (?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN job_queue.fair_seq(?) END, ?::jsonb, ?::jsonb, ?, ?, ?, ?, 1, ?::jsonb)
         ON CONFLICT (tenant, type, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id, scheduled_for
       ), ev AS (
         INSERT INTO job_queue.job_event (job_id, type, actor, data) SELECT id, 'submitted', ?, ?::jsonb FROM ins
       ), ob AS (
         INSERT INTO job_queue.outbox (job_id, message_id, available_at)
         SELECT id, id || '.1', COALESCE(scheduled_for, clock_timestamp()) FROM ins
       )
       SELECT id FROM ins`,
      [
        job.id,
        job.principal.tenant,
        job.type,
        job.name,
        job.description,
        job.status,
        job.priority,
        job.status === JobStatus.Pending,
        round,
        JSON.stringify(job.payload ?? {}),
        JSON.stringify(job.principal.toJSON()),
        job.principal.userId,
        job.scheduledFor,
        job.maxAttempts,
        job.idempotencyKey,
        job.traceContext ? JSON.stringify(job.traceContext) : null,
        job.principal.userId,
        JSON.stringify({ status: job.status, scheduledFor: job.scheduledFor?.toISOString() ?? null, priority: job.priority }),
      ],
    );
    if (rows.length) return { jobId: rows[0].id, created: true };
    const existing = await transaction.execute<Array<{ id: string }>>(
      `SELECT id FROM job_queue.job WHERE tenant = ? AND type = ? AND idempotency_key = ?`,
      [job.principal.tenant, job.type, job.idempotencyKey],
    );
    return { jobId: existing[0].id, created: false };
  }

  async findVisible(principal: Principal, jobId: string): Promise<JobRecord | null> {
    if (!isUuid(jobId)) return null;
    const { rows } = await this.pool.query<JobRow>(
      selectOneJob('j.id = $1 AND j.tenant = $2 AND ($3 OR j.submitted_by = $4)'),
      [jobId, principal.tenant, principal.isAdmin, principal.userId],
    );
    return rows[0] ? toJobRecord(rows[0]) : null;
  }

  async events(jobId: string): Promise<JobEvent[]> {
    const { rows } = await this.pool.query(`SELECT type, at, actor, data FROM job_queue.job_event WHERE job_id = $1 ORDER BY id`, [jobId]);
    return rows.map(toJobEvent);
  }

  async files(jobId: string): Promise<StoredJobFile[]> {
    const { rows } = await this.pool.query(
      `SELECT name, size_bytes, content_type, sha256, storage_key, created_at FROM job_queue.job_file WHERE job_id = $1 ORDER BY created_at, name`,
      [jobId],
    );
    return rows.map(toJobFile);
  }

  async apply(jobId: string, expected: JobStatus, change: JobChange): Promise<JobRecord | null> {
    const sets = ['updated_at = clock_timestamp()'];
    const params: unknown[] = [jobId, expected];
    const set = (column: string, value: unknown, cast = '') => {
      params.push(value);
      sets.push(`${column} = $${params.length}${cast}`);
    };
    if (change.status) {
      set('status', change.status);
      if (change.status !== JobStatus.Pending) sets.push('queue_seq = NULL', 'moved_to_top_at = NULL');
    }
    if (change.name !== undefined) set('name', change.name);
    if (change.description !== undefined) set('description', change.description);
    if (change.scheduledFor !== undefined) set('scheduled_for', change.scheduledFor);
    if (change.enterQueue) sets.push(`queue_seq = job_queue.fair_seq(job_queue.take_rounds(tenant, 1))`, 'moved_to_top_at = NULL', 'run_after = NULL');
    if (change.moveToTop) sets.push('moved_to_top_at = clock_timestamp()');
    if (change.resetRuns) {
      sets.push(
        'attempts = 0',
        'progress_processed = 0',
        'progress_total = NULL',
        'checkpoint = NULL',
        'output_information = NULL',
        'error_details = NULL',
        'started_at = NULL',
        'completed_at = NULL',
        'run_token = NULL',
        'lease_expires_at = NULL',
      );
    }
    if (change.complete) sets.push('completed_at = clock_timestamp()', 'lease_expires_at = NULL');
    if (change.softDelete) sets.push('deleted_at = clock_timestamp()');
    if (change.enqueueAt !== undefined) sets.push('enqueue_seq = enqueue_seq + 1');

    return withPgTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ id: string; enqueue_seq: number }>(
        guardedJobUpdateSql(sets),
        params,
      );
      if (!rows.length) return null;
      await client.query(`INSERT INTO job_queue.job_event (job_id, type, actor, data) VALUES ($1, $2, $3, $4)`, [
        jobId,
        change.event.type,
        change.event.actor,
        JSON.stringify(change.event.data ?? {}),
      ]);
      if (change.dropFiles) await client.query(`DELETE FROM job_queue.job_file WHERE job_id = $1`, [jobId]);
      if (change.enqueueAt !== undefined) {
        await client.query(
          `INSERT INTO job_queue.outbox (job_id, message_id, available_at) VALUES ($1, $2, COALESCE($3, clock_timestamp()))`,
          [jobId, `${jobId}.${rows[0].enqueue_seq}`, change.enqueueAt],
        );
        await client.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
      }
      // The job as this change left it, read before commit: once committed a worker may take
      // it at once, and the caller must get the result of its own command, not a later state.
      const after = await client.query<JobRow>(selectOneJob('j.id = $1'), [jobId]);
      return toJobRecord(after.rows[0]);
    });
  }
}
