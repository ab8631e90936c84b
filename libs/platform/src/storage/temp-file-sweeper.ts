import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { FILE_STORAGE, FileStorage } from './file-storage.port';

/**
 * Worker maintenance: every STORAGE_TMP_SWEEP_INTERVAL_MS, removes the temporary files (or
 * incomplete uploads) of writers that died, untouched for STORAGE_TMP_MAX_AGE_MS (keep it well
 * above the job lease: a live writer keeps its file fresh). Several workers sweeping at once is
 * harmless: removing a removed file is not an error.
 */
@Injectable()
export class TempFileSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Storage');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.storageTmpSweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  sweep(): Promise<void> {
    this.running ??= this.storage
      .sweepStaleTemporary(new Date(Date.now() - this.config.storageTmpMaxAgeMs))
      .then((removed) => {
        if (removed) this.logger.log(`removed ${removed} stale temporary file(s) of dead writers`);
      })
      .catch((error) => this.logger.warn(`temporary files could not be swept: ${(error as Error).message}`))
      .finally(() => (this.running = null));
    return this.running;
  }
}
