import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { CLOCK, Clock } from '@porter/shared-kernel';
import { ScheduleRunner } from '../../application/run-due-schedules/schedule-runner.service';

/**
 * Every SCHEDULE_TICK_INTERVAL_MS (0: never, in this process), one pass of ScheduleRunner: claim
 * the due ticks and request their exports. Runs in every worker; any number of processes may run
 * it at once, the claim in Postgres decides (ADR 047). A pass still running skips the next beat.
 */
@Injectable()
export class ExportScheduleTicker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ExportSchedules');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly runner: ScheduleRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.scheduleTickIntervalMs) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.scheduleTickIntervalMs);
    this.timer.unref();
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.runner
      .pass(this.clock.now())
      .catch((error: Error) => this.logger.error(`schedule pass failed: ${error.message}`))
      .finally(() => (this.running = null));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
