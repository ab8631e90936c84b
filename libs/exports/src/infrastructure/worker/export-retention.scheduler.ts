import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { PurgeExpiredExportsService } from '../../application/purge-expired-exports/purge-expired-exports.service';

/**
 * Runs the retention purge every EXPORT_RETENTION_PURGE_INTERVAL_MS in each worker (and once at
 * start). Concurrent workers are safe: the purge locks rows with SKIP LOCKED.
 */
@Injectable()
export class ExportRetentionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExportRetentionScheduler.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly purge: PurgeExpiredExportsService,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.exportRetentionPurgeIntervalMs);
    this.timer.unref();
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.purge
      .purge()
      .catch((error: Error) => this.logger.error(`retention purge failed: ${error.message}`))
      .finally(() => (this.running = null));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
