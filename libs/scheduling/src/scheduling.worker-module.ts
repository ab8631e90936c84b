import { Module } from '@nestjs/common';
import { ExportScheduleTicker } from './infrastructure/worker/export-schedule.ticker';
import { SchedulingModule } from './scheduling.module';

/** Worker process: the ticker that runs due schedules (SCHEDULE_TICK_INTERVAL_MS). */
@Module({
  imports: [SchedulingModule],
  providers: [ExportScheduleTicker],
})
export class SchedulingWorkerModule {}
