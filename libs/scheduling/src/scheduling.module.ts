import { Module } from '@nestjs/common';
import { CLOCK, systemClock } from '@porter/shared-kernel';
import { CreateExportScheduleHandler } from './application/create-export-schedule/create-export-schedule.handler';
import { DeleteExportScheduleHandler } from './application/delete-export-schedule/delete-export-schedule.handler';
import { GetExportScheduleHandler } from './application/get-export-schedule/get-export-schedule.handler';
import { ListExportScheduleRunsHandler } from './application/list-export-schedule-runs/list-export-schedule-runs.handler';
import { ListExportSchedulesHandler } from './application/list-export-schedules/list-export-schedules.handler';
import { EXPORT_SCHEDULE_REPOSITORY } from './application/ports/export-schedule.repository.port';
import { RevokeExportScheduleOwnerHandler } from './application/revoke-export-schedule-owner/revoke-export-schedule-owner.handler';
import { RunExportScheduleNowHandler } from './application/run-export-schedule-now/run-export-schedule-now.handler';
import { RunDueExportSchedulesHandler } from './application/run-due-schedules/run-due-export-schedules.handler';
import { ScheduleRunner } from './application/run-due-schedules/schedule-runner.service';
import { UpdateExportScheduleHandler } from './application/update-export-schedule/update-export-schedule.handler';
import { PgExportScheduleRepository } from './infrastructure/persistence/pg-export-schedule.repository';

/**
 * Scheduling: recurring exports (API and worker processes). It reaches exports only through the
 * buses (CheckExportRequestQuery, RequestExportCommand, GetExportInfoQuery), so the process must
 * also import ExportsModule. The ticker is in SchedulingWorkerModule.
 */
@Module({
  providers: [
    { provide: CLOCK, useValue: systemClock },
    { provide: EXPORT_SCHEDULE_REPOSITORY, useClass: PgExportScheduleRepository },
    ScheduleRunner,
    RunDueExportSchedulesHandler,
    CreateExportScheduleHandler,
    UpdateExportScheduleHandler,
    DeleteExportScheduleHandler,
    RunExportScheduleNowHandler,
    RevokeExportScheduleOwnerHandler,
    GetExportScheduleHandler,
    ListExportSchedulesHandler,
    ListExportScheduleRunsHandler,
  ],
  exports: [ScheduleRunner, CLOCK],
})
export class SchedulingModule {}
