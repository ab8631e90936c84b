import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Client, Pool } from 'pg';
import { inBatchSpan, PG_POOL, PORTER_CONFIG, PorterConfig, StoredTraceContext, tracingActive } from '@porter/platform';
import { JOBS_QUEUE } from '../job-queue.constants';
import { OUTBOX_CHANNEL } from '../persistence/job-sql';
import { CommittedOutboxRow, OutboxRow, toWakeupMessages } from './wakeup-messages';

const BATCH = 500;
const REDIS_TIMEOUT_MS = 5000;
/**
 * A relay kicked again while it drains (its process keeps submitting) starts the follow-up drain
 * this long after the last one, so that drains take more rows each: every drain is two Postgres
 * statements and a Redis call, and one after every submit batch cost the benchmark ~9% of its
 * completed/s. The first drain after a quiet spell (a lone submit) still starts at once, and so
 * does one kicked during a drain that moved nothing (the 1 s poll finding an empty outbox: waiting
 * 10 ms after it put a lone job's wake-up 10 ms late, ADR 069).
 */
const FOLLOW_UP_DRAIN_MS = 10;

/**
 * Takes (deletes, within the caller's transaction) up to BATCH outbox rows, oldest first, with
 * their job's type (the message name shown on the dashboard) and the delay of their wake-up:
 * the milliseconds until `available_at` by the DATABASE clock (the one claims use), rounded up
 * (Postgres keeps microseconds: a wake-up due within the current millisecond must not fire
 * early and leave its job to the reconciler), 0 when due. Planned per batch (not prepared):
 * the outbox is tiny or full of dead rows depending on the moment, and the plan must follow.
 * No parameters: it is sent with BEGIN in one simple-protocol query.
 */
const RELAY_TAKE_SQL = `
  DELETE FROM job_queue.outbox o
  WHERE o.id IN (SELECT id FROM job_queue.outbox ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
  RETURNING o.id, o.job_id, o.message_id, o.coalesce,
            greatest(0, ceil(extract(epoch FROM o.available_at - clock_timestamp()) * 1000))::float8 AS delay_ms,
            (SELECT j.type FROM job_queue.job j WHERE j.id = o.job_id) AS type`;
/** The same, with each job's stored trace context (only when this process traces, ADR 049). */
const RELAY_TAKE_TRACED_SQL = `${RELAY_TAKE_SQL},
            (SELECT j.trace_context FROM job_queue.job j WHERE j.id = o.job_id) AS trace_context`;

/** Deletes outbox rows whose wake-ups Redis has accepted (a direct relay, below); prepared (a key lookup, its plan cannot go stale). */
const RELAY_DELETE_SQL = `DELETE FROM job_queue.outbox WHERE id = ANY($1::bigint[])`;

/**
 * Writes the outbox rows of direct submits whose wake-ups Redis refused (ADR 099), for a later
 * drain: ids and message ids in the order the jobs were submitted; NOTIFY wakes every relay.
 */
const RELAY_FALLBACK_SQL = `
  WITH ob AS (
    INSERT INTO job_queue.outbox (job_id, message_id)
    SELECT job_id, message_id FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS r(job_id, message_id, ord) ORDER BY ord
    RETURNING 1
  )
  SELECT count(*)::int AS n, pg_notify('${OUTBOX_CHANNEL}', '') FROM ob`;

/**
 * Moves outbox rows to BullMQ. Woken by LISTEN/NOTIFY (a submit's notification is delivered when
 * its transaction commits, so the message follows the commit within milliseconds) and by a poll
 * every JOB_POLLING_INTERVAL_MS as the fallback. Rows are deleted in the same transaction that
 * saw Redis accept them: a crash in between re-sends them, and re-sending is harmless (same
 * BullMQ id, and a message is only a wake-up: Postgres decides what runs).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private listener: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** Wake-ups of jobs this process has just committed, waiting for the relay (sent before any drain). */
  private readonly committed: CommittedOutboxRow[] = [];
  /** A drain was asked for (the poll, NOTIFY, a commit that left rows in the outbox). */
  private drainWanted = false;
  /** Shutdown has written the wake-ups it found; later ones are written at once. */
  private shutDown = false;
  private stopped = false;
  /** Deletes of directly relayed rows, and late fallback writes, still running (flush and shutdown wait for them). */
  private readonly deleting = new Set<Promise<void>>();
  private lastErrorLogAt = 0;

  constructor(
    @InjectQueue(JOBS_QUEUE) private readonly queue: Queue,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.on('error', (error) => this.logThrottled(`queue connection: ${error.message}`));
    this.timer = setInterval(() => this.kick(), this.config.jobPollingIntervalMs);
    this.timer.unref();
    void this.listen();
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    await this.running?.catch(() => undefined);
    // Wake-ups committed while the last relay ran, or after it stopped, without an outbox row
    // (ADR 099): written to the outbox now (its NOTIFY wakes the other processes' relays), without
    // waiting on Redis at shutdown; later ones are written as they come (kick).
    while (this.committed.length) await this.writeRows(this.committed.splice(0));
    this.shutDown = true;
    await Promise.all(this.deleting);
  }

  /**
   * Relays now (or, when the relay is busy, after it: FOLLOW_UP_DRAIN_MS after it ends).
   * `committed`: wake-ups of immediately runnable jobs this process has just committed. They are
   * sent first, without reading anything back (ADR 069, 099); a kick without them (the poll,
   * NOTIFY, a commit that left rows in the outbox) asks for a drain of the outbox.
   */
  kick(committed: CommittedOutboxRow[] = []): void {
    if (this.shutDown) {
      // After shutdown wrote what was left: a late commit's wake-ups go straight to the outbox.
      const rows = this.writeRows(committed).finally(() => this.deleting.delete(rows));
      this.deleting.add(rows);
      return;
    }
    if (committed.length) this.committed.push(...committed);
    else this.drainWanted = true;
    if (this.stopped) return; // onApplicationShutdown writes what is left
    if (this.running) {
      this.again = true;
      return;
    }
    this.relay();
  }

  /** The relay loop: in-memory wake-ups first, then a drain when one was asked for, until nothing is left. */
  private relay(): void {
    this.running = (async () => {
      do {
        this.again = false;
        let moved = 0;
        try {
          if (this.committed.length) {
            const rows = this.committed.splice(0);
            await this.relayCommitted(rows);
            moved += rows.length;
          }
          if (this.drainWanted) {
            this.drainWanted = false;
            let taken: number;
            do {
              taken = await this.drainBatch();
              moved += taken;
            } while (!this.stopped && taken === BATCH);
          }
        } catch (error) {
          this.logThrottled(`outbox drain failed (will retry): ${(error as Error).message}`);
        }
        // Spaced only after a relay that moved rows (a process that keeps submitting): a kick that
        // arrived during a drain that found nothing (the poll, a NOTIFY for rows another relay
        // took) is a lone job on a quiet queue, relayed at once.
        if (this.again && !this.stopped && moved > 0) await new Promise((resolve) => setTimeout(resolve, FOLLOW_UP_DRAIN_MS));
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
      // A kick that came after the loop's last check (it only set `again`) is not left waiting.
      if (!this.stopped && (this.committed.length || this.drainWanted)) this.relay();
    });
  }

  /** Resolves once the outbox has been drained at least once more (tests, benchmark). */
  async flush(): Promise<void> {
    await this.running?.catch(() => undefined);
    this.kick();
    await this.running?.catch(() => undefined);
    await Promise.all(this.deleting);
  }

  /**
   * The relay of wake-ups this process has just committed (ADR 069, 099): added to Redis at once,
   * without reading anything back, so a quiet queue's job is woken one Postgres round trip sooner
   * than by a drain (which reads the rows back, then adds).
   * - A wake-up with an outbox row (a submit in a caller's transaction) is the drain's guarantee:
   *   the row goes only after Redis took its message, in the background, off the next job's path.
   *   Redis down → the rows stay for a later drain; a failed delete only leaves rows a drain
   *   re-sends.
   * - A direct submit's wake-up has no row. Redis down → its row is written now, for a later
   *   drain (the statement NOTIFYs every relay). Postgres down too, or this process dying before
   *   either happened → the job is pending with no message, and the reconciler adds one (it
   *   compares the ready pending jobs with the waiting messages every JOB_POLLING_INTERVAL_MS).
   * A crash, or a drain of another relay, may send a message twice under the same id, which
   * BullMQ ignores (and a wake-up is harmless anyway, ADR 010).
   * Throws when Redis refused the wake-ups (after writing the rows of those that had none).
   */
  private async relayCommitted(committed: CommittedOutboxRow[]): Promise<void> {
    // Ordered as committed (toWakeupMessages orders by outbox id, which rows without one lack).
    const rows: OutboxRow[] = committed.map((r, i) => ({ id: String(i), job_id: r.jobId, message_id: r.messageId, delay_ms: 0, coalesce: true, type: r.type }));
    try {
      await this.addWakeups(rows, committed.map((r) => r.traceContext));
    } catch (error) {
      await this.writeRows(committed);
      throw error;
    }
    const ids = committed.flatMap((r) => (r.id === null ? [] : [r.id]));
    if (!ids.length) return;
    const deleting = this.pool
      .query({ name: 'job-queue.relay-delete.v1', text: RELAY_DELETE_SQL, values: [ids] })
      .then(
        () => undefined,
        (error: Error) => this.logThrottled(`deleting relayed outbox rows failed (a later drain re-sends them): ${error.message}`),
      )
      .finally(() => this.deleting.delete(deleting));
    this.deleting.add(deleting);
  }

  /** Writes the outbox rows of the wake-ups among `committed` that have none (ADR 099); never throws. */
  private async writeRows(committed: CommittedOutboxRow[]): Promise<void> {
    const rowless = committed.filter((r) => r.id === null);
    if (!rowless.length) return;
    await this.pool
      .query({ name: 'job-queue.relay-fallback.v1', text: RELAY_FALLBACK_SQL, values: [rowless.map((r) => r.jobId), rowless.map((r) => r.messageId)] })
      .catch((error: Error) => this.logThrottled(`writing the outbox rows of unsent wake-ups failed (the reconciler wakes their jobs): ${error.message}`));
  }

  /** Adds the wake-ups of `rows` to BullMQ; throws when Redis did not accept them within REDIS_TIMEOUT_MS. */
  private async addWakeups(rows: OutboxRow[], traceContexts: Array<StoredTraceContext | null | undefined>): Promise<void> {
    const add = inBatchSpan('outbox.relay', traceContexts, { 'porter.outbox.rows': rows.length }, () => this.queue.addBulk(toWakeupMessages(rows)));
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        add,
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`Redis did not accept the messages within ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timeout);
      add.catch(() => undefined);
    }
  }

  private async drainBatch(): Promise<number> {
    // Rows are deleted in the transaction that sees Redis accept their messages: Redis down →
    // the add times out, the transaction rolls back, the rows stay. BEGIN and the DELETE that
    // takes the batch travel in one simple-protocol round trip (several relays cooperate through
    // SKIP LOCKED); the plain (synchronous) commit lets later index scans skip the deleted rows.
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const traced = tracingActive();
      const results = (await client.query(`BEGIN; ${traced ? RELAY_TAKE_TRACED_SQL : RELAY_TAKE_SQL}`)) as unknown as Array<{
        rows: Array<OutboxRow & { trace_context?: StoredTraceContext | null }>;
      }>;
      const rows = results[1].rows;
      if (rows.length) await this.addWakeups(rows, rows.map((r) => r.trace_context));
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      // Whatever failed (BEGIN, the DELETE, Redis, COMMIT), leave no transaction open on a
      // pooled connection; a connection that cannot even roll back is discarded.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.databaseUrl, application_name: 'porter-outbox-listener' });
    client.on('error', (error) => {
      this.logThrottled(`outbox listener lost its connection: ${error.message}`);
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    client.on('notification', () => this.kick());
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      this.listener = client;
      this.kick(); // anything written while we were not listening
    } catch (error) {
      this.logThrottled(`outbox listener could not connect: ${(error as Error).message}`);
      this.reconnect(client);
    }
  }

  private reconnect(client: Client): void {
    if (this.stopped || this.reconnectTimer) return;
    if (this.listener === client) this.listener = null;
    void client.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.listen();
    }, 1000);
    this.reconnectTimer.unref();
  }

  private logThrottled(message: string): void {
    if (Date.now() - this.lastErrorLogAt < 10_000) return;
    this.lastErrorLogAt = Date.now();
    this.logger.warn(message);
  }
}
