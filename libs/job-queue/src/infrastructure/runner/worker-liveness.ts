import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import * as os from 'os';
import { Client } from 'pg';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { WORKER_LOCK_CLASS } from '../persistence/job-sql';
import { JobRunner } from './job-runner.service';

const RECONNECT_MS = 1000;

/**
 * The worker process's liveness, separate from any job's lease (ADR 041). At start, before the
 * runner claims anything, the worker takes a session advisory lock keyed by its id on a
 * connection of its own and registers in job_queue.worker. The lock lives exactly as long as
 * that session: when the process dies the kernel closes the socket and Postgres frees the lock at
 * once; when the host drops off the network, the server's TCP keepalives (set below to give up
 * after about 9 s) end the session. Any reconciler then recovers the dead worker's runs on its next
 * tick. A live worker starved of CPU keeps its connection, so it is never taken for dead; a hung
 * one is still caught by its lease.
 *
 * If the connection drops while the process lives (Postgres restarted), the worker reconnects
 * and takes the lock again, about a second later; a reconciler takes a worker for dead only once
 * its lock has stayed free for WORKER_RELOCK_GRACE_MS (4 s), so such a blip stalls nothing. Runs
 * recovered meanwhile (a longer outage) are fenced by their run tokens, so the worst case is a
 * resumed run, never a duplicate.
 */
@Injectable()
export class WorkerLiveness implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerLiveness');
  private client: Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly runner: JobRunner,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  get workerId(): string {
    return this.runner.workerId;
  }

  async onModuleInit(): Promise<void> {
    await this.connect().catch((error) => {
      this.logger.warn(`could not take the liveness lock yet (${(error as Error).message}); retrying`);
      this.scheduleReconnect();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    if (!client) return;
    await client.query(`DELETE FROM job_queue.worker WHERE id = $1`, [this.workerId]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: 'porter-worker-liveness',
      keepAlive: true,
      keepAliveInitialDelayMillis: 3000,
      connectionTimeoutMillis: 5000,
    });
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.client !== client) return;
      this.client = null;
      if (this.stopped) return;
      this.logger.warn(`worker ${this.workerId} lost its liveness connection; reconnecting`);
      this.scheduleReconnect();
    });
    await client.connect();
    try {
      // The server side notices a vanished client after idle 3 s + 3 probes 2 s apart (TCP only).
      await client.query(`SET tcp_keepalives_idle = 3; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3`);
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS locked`, [WORKER_LOCK_CLASS, this.workerId]);
      if (!rows[0].locked) throw new Error(`the liveness lock of worker ${this.workerId} is held by another session`);
      // Registered, or back after its session ended (Postgres restarted): its lock is held again.
      await client.query(`INSERT INTO job_queue.worker (id, host, pid) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET lock_free_since = NULL`, [
        this.workerId,
        os.hostname(),
        process.pid,
      ]);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.logger.log(`worker ${this.workerId} registered (liveness lock held)`);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().catch(() => this.scheduleReconnect());
    }, RECONNECT_MS);
    this.retry.unref();
  }
}
